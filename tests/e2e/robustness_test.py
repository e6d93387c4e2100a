"""Damaged files: random byte flips and truncations of real models must give exit 0, 1
or 2 (with one line on stderr), never a crash, for check and for fix --dry-run."""
import os
import random
import unittest

import common
import real_models_test


class RobustnessTest(unittest.TestCase):
    def test_damaged_models_never_crash(self):
        rng = random.Random(20261129)
        sources = [os.path.join(common.SOURCE_DIR, "docs", "examples", "bf16_weight_matmul.onnx")]
        sources += [p for p in real_models_test.fetch_models() if "jarvis" in p or "silero" in p]
        outcomes = {0: 0, 1: 0, 2: 0}
        with common.tempdir() as d:
            for i in range(150):
                with open(sources[i % len(sources)], "rb") as f:
                    data = bytearray(f.read())
                if i % 3 == 0:
                    data = data[: rng.randrange(1, len(data))]
                else:
                    for _ in range(rng.randrange(1, 20)):
                        data[rng.randrange(len(data))] = rng.randrange(256)
                path = os.path.join(d, f"damaged{i}.onnx")
                with open(path, "wb") as f:
                    f.write(data)
                for args in (("check", path), ("fix", "--dry-run", path)):
                    proc = common.run(*args)  # a signal fails the test inside run()
                    self.assertIn(proc.returncode, (0, 1, 2), f"{args}: {proc.stderr[-500:]}")
                    if proc.returncode == 2:
                        self.assertEqual(len(proc.stderr.splitlines()), 1, f"{args}: {proc.stderr[-500:]}")
                    outcomes[proc.returncode] += 1
        print(f"exit codes over damaged models: {outcomes}")
        self.assertGreater(outcomes[2], 0)  # the damage was real

    def test_inputs_the_fuzzer_found(self):
        """Each file in tests/fuzz/regressions crashed onnx-tidy once (tests/fuzz/run.sh)."""
        folder = os.path.join(common.SOURCE_DIR, "tests", "fuzz", "regressions")
        paths = sorted(os.path.join(folder, n) for n in os.listdir(folder))
        self.assertGreater(len(paths), 0)
        with common.tempdir() as d:
            for path in paths:
                out = os.path.join(d, "out.onnx")
                for args in (("check", path), ("fix", "--dry-run", path), ("fix", "--unsafe-fixes", path, "-o", out),
                             ("fix", "--precision", "bfloat16", path, "-o", out)):
                    proc = common.run(*args)
                    self.assertIn(proc.returncode, (0, 1, 2), f"{args}: {proc.stderr[-500:]}")


if __name__ == "__main__":
    common.main()
