"""``python3 -m onnx_tidy check|fix|rules ...``: the onnx-tidy command line itself, run in
this process (the same C++ code, the same output bytes and exit codes)."""
import sys
from typing import List, Optional

from . import _core


def main(argv: Optional[List[str]] = None) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    return _core.main(["onnx-tidy", *(sys.argv[1:] if argv is None else argv)])


def console() -> None:
    """The onnx-tidy-py console script pip installs."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
