"""``onnx_tidy.torch.export``: ``torch.onnx.export`` that prevents the bfloat16 mistakes at
their source, then checks and fixes what the exporter wrote.

Training in bfloat16 and exporting with a float32 sample fails inside tracing ("mat1 and
mat2 must have the same dtype", "expected scalar type Float but found BFloat16"). torch's
bfloat16 graphs are then ill-typed below opset 15 (a bfloat16 Pow), and runtimes such as
onnxruntime's CPU provider have no bfloat16 kernel for most ops. ``export`` handles each:

    import onnx_tidy.torch
    onnx_tidy.torch.export(model, sample, "model.onnx", target="onnxruntime-cpu")

From PyTorch Lightning (Lightning itself is not needed by this module), at the end of
training::

    class ExportOnnx(pl.Callback):
        def on_train_end(self, trainer, pl_module):
            onnx_tidy.torch.export(pl_module, pl_module.example_input_array, "model.onnx",
                                   target="onnxruntime-cpu")

or in place of ``LightningModule.to_onnx(path)``, which calls ``torch.onnx.export`` with
``self.example_input_array``::

    onnx_tidy.torch.export(model, model.example_input_array, "model.onnx", opset_version=17)

torch is imported only when ``export`` runs: ``import onnx_tidy`` never needs it.
"""
from __future__ import annotations

import io
import os
import tempfile
import warnings
from typing import Any, Dict, List, Optional, Tuple

import onnx_tidy

__all__ = ["export", "ExportError", "OnnxTidyWarning"]

# ONNX's first opsets where bfloat16 is carried: Cast (13) and Pow (15, which torch
# uses for LayerNorm's variance below opset 17 and for GELU's tanh form).
BFLOAT16_CAST_OPSET = 13
BFLOAT16_POW_OPSET = 15


class OnnxTidyWarning(UserWarning):
    """What export() changed or suspects: a sample cast, an opset too old for the types."""


class ExportError(RuntimeError):
    """The exported model still has errors: nothing was written. ``report`` holds them."""

    def __init__(self, message: str, report: "onnx_tidy.Report"):
        super().__init__(message)
        self.report = report


def _dtype_name(dtype: Any) -> str:
    import torch
    return {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
            torch.float64: "float64"}.get(dtype, str(dtype).replace("torch.", ""))


def _parameter_dtype(module: Any) -> Optional[Any]:
    """The one floating dtype of the module's parameters and buffers, or None (none, or
    several: then nothing is guessed)."""
    dtypes = {t.dtype for t in list(module.parameters()) + list(module.buffers()) if t.is_floating_point()}
    if len(dtypes) > 1:
        warnings.warn(f"the module's parameters mix {sorted(_dtype_name(d) for d in dtypes)}: sample inputs are "
                      "left as they are", OnnxTidyWarning, stacklevel=3)
    return next(iter(dtypes)) if len(dtypes) == 1 else None


def _floating_samples(args: Tuple[Any, ...]) -> List[Tuple[str, Any]]:
    """(path, tensor) of every floating tensor in the sample arguments, nested or not."""
    import torch
    found: List[Tuple[str, Any]] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, torch.Tensor):
            if value.is_floating_point():
                found.append((where, value))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{where}[{i}]")
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{where}[{k!r}]")

    for i, a in enumerate(args):
        walk(a, f"args[{i}]")
    return found


def _with_border(module: Any, to: Any, back: Any) -> Any:
    """`module` behind a border that casts floating inputs to `to` as they enter and floating
    outputs to `back` as they leave: the exported graph takes and gives what the caller
    gave export()."""
    import torch

    class Border(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = module

        def forward(self, *inputs: Any) -> Any:
            return _cast_all(self.inner(*_cast_all(inputs, to)), back)

    return Border()


def _as_tuple(args: Any) -> Tuple[Any, ...]:
    import torch
    if isinstance(args, torch.Tensor) or not isinstance(args, tuple):
        return (args,)
    return args


def _check_opset(param: Any, opset_version: int) -> None:
    import torch
    if param != torch.bfloat16:
        return
    if opset_version < BFLOAT16_CAST_OPSET:
        raise ValueError(f"opset {opset_version} cannot carry bfloat16 (no Cast to bfloat16 before opset "
                         f"{BFLOAT16_CAST_OPSET}): export with opset_version={BFLOAT16_POW_OPSET} or later")
    if opset_version < BFLOAT16_POW_OPSET:
        warnings.warn(f"opset {opset_version} has no bfloat16 Pow (from opset {BFLOAT16_POW_OPSET}), which torch "
                      f"writes for LayerNorm and GELU: export with opset_version={BFLOAT16_POW_OPSET} or later; "
                      "until then onnx-tidy widens the Pow exponents", OnnxTidyWarning, stacklevel=3)


def _blocking(report: "onnx_tidy.Report", target: Optional[str]) -> List["onnx_tidy.Finding"]:
    """Errors, and, with a target, ops it has no kernel for: a deployment promise."""
    return [f for f in report.findings if f.severity == "error" or (target and f.rule == "no-target-kernel")]


def _fixed(data: bytes, name: str, base: str, precision: Optional[str], target: Optional[str],
           keep_io_types: bool) -> Optional["onnx_tidy.FixResult"]:
    """fix() with these settings, or None when it cannot give a model without blocking findings."""
    try:
        result = onnx_tidy.fix(data, precision=precision, target=target, keep_io_types=keep_io_types, name=name,
                               base_dir=base)
    except onnx_tidy.FixError:
        return None
    return None if _blocking(result.report, target) else result


def _convert(data: bytes, report: "onnx_tidy.Report", name: str, base: str, param: str, precision: Optional[str],
             target: Optional[str], keep_io_types: bool) -> Optional["onnx_tidy.FixResult"]:
    """What fix() makes of the export, following `precision` (see export())."""
    if precision is None:
        return None
    if precision != "auto":
        return onnx_tidy.fix(data, precision=precision, target=target, keep_io_types=keep_io_types, name=name,
                             base_dir=base)
    if target:
        # The parameters' precision where the target runs it (float islands elsewhere),
        # else everything in float32.
        tried = param if param in ("bfloat16", "float16") else "float32"
        return (_fixed(data, name, base, tried, target, keep_io_types)
                or onnx_tidy.fix(data, precision="float32", target=target, keep_io_types=keep_io_types, name=name,
                                 base_dir=base))
    return onnx_tidy.fix(data, name=name, base_dir=base) if report.errors else None


def _write_atomically(data: bytes, path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".onnx-tidy-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def export(module: Any, args: Any, path: "str | os.PathLike[str]", *, opset_version: int = 17,
           precision: Optional[str] = "auto", target: Optional[str] = None, keep_io_types: bool = False,
           **export_kwargs: Any) -> "onnx_tidy.Report":
    """Exports `module` like ``torch.onnx.export(module, args, path, opset_version=...,
    **export_kwargs)``, checks the result and fixes it; writes `path` only when no error
    is left, and returns the Report of what was written.

    - Sample inputs whose float type differs from the parameters' (all of one float
      type) no longer fail tracing: the exported graph takes the samples' type and casts
      it to the parameters' as it enters (and floating outputs back as they leave), with
      an OnnxTidyWarning naming the inputs; a conversion then keeps that interface.
    - bfloat16 parameters at an opset that cannot carry them: ValueError below 13, an
      OnnxTidyWarning with the opset to use below 15.
    - precision="auto" (the default): with a `target`, convert to what it runs: the
      parameters' precision with float islands where the target has no kernel for it,
      or float32 when that cannot be made to run; without one, apply the safe fixes when
      the export has errors. None: only check. "float32", "bfloat16" or "float16":
      convert to that (with `target` and `keep_io_types` as fix() takes them).
    - With a `target`, an op it has no kernel for blocks the write like an error.

    Raises ExportError, with the findings in text form and ``.report``, when errors are
    left; nothing is written then, and an existing file at `path` is left as it was.
    """
    import torch

    path = os.fspath(path)
    args = _as_tuple(args)
    param = _parameter_dtype(module)
    if param is not None:
        _check_opset(param, opset_version)
        samples = _floating_samples(args)
        other = sorted({_dtype_name(t.dtype) for _, t in samples if t.dtype != param})
        if other:
            warnings.warn(f"sample inputs {', '.join(w for w, t in samples if t.dtype != param)} are {', '.join(other)} "
                          f"but the parameters are {_dtype_name(param)}: the exported model casts them as they "
                          "enter", OnnxTidyWarning, stacklevel=2)
            if len({t.dtype for _, t in samples}) == 1:
                module = _with_border(module, param, samples[0][1].dtype)
                keep_io_types = True  # the border is the callers' contract: a conversion keeps it
            else:
                args = tuple(_cast_all(a, param) for a in args)
    buffer = io.BytesIO()
    torch.onnx.export(module, args, buffer, opset_version=opset_version, **export_kwargs)
    data = buffer.getvalue()
    base = os.path.dirname(os.path.abspath(path))
    report = onnx_tidy.check(data, name=path, base_dir=base, target=target)
    try:
        result = _convert(data, report, path, base, _dtype_name(param) if param is not None else "float32",
                          precision, target, keep_io_types)
    except onnx_tidy.FixError as e:
        raise ExportError(f"{path}: the export cannot be fixed, nothing written:\n{e}", e.result.report) from None
    final = result.model_bytes if result is not None else data
    report = onnx_tidy.check(final, name=path, base_dir=base, target=target)
    blocking = _blocking(report, target)
    if blocking:
        text = "\n".join(str(f) for f in blocking)
        raise ExportError(f"{path}: {len(blocking)} problem(s) left, nothing written:\n{text}", report)
    _write_atomically(final, path)
    return report


def _cast_all(value: Any, dtype: Any) -> Any:
    import torch
    if isinstance(value, torch.Tensor):
        return value.to(dtype) if value.is_floating_point() else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_all(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_all(v, dtype) for k, v in value.items()}
    return value
