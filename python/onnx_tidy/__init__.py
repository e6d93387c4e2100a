"""onnx-tidy from Python: find dtype conflicts in ONNX models, say where each dtype came
from, and fix them.

This module is a thin layer over the same C++ engine, rules, fixers and reporters as the
``onnx-tidy`` command (``onnx_tidy._core``); it turns their JSON documents into objects.

    >>> import onnx_tidy
    >>> report = onnx_tidy.check("model.onnx")
    >>> for f in report.errors:
    ...     print(f)
    >>> result = onnx_tidy.fix("model.onnx", precision="float32")
    >>> result.save("model.fixed.onnx")

A model may be a path, ``bytes``, or an ``onnx.ModelProto`` (passed on as serialized
bytes, so any version of the onnx package works). See docs/python.md.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _core

__version__: str = _core.__version__

__all__ = [
    "check", "fix", "rules", "Report", "Finding", "Location", "Provenance", "FixSuggestion",
    "FixResult", "FixRecord", "Rule", "FixError", "LoadError", "UsageError", "__version__",
]

ModelLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]
"""A path, serialized model bytes, or an onnx.ModelProto."""


class UsageError(ValueError):
    """Settings that cannot be used: an unknown rule or target, a bad config file."""


class LoadError(ValueError):
    """The input is not a model onnx-tidy can read (the message names it and says why)."""


class FixError(RuntimeError):
    """fix() could not produce a model that passes verification: nothing may be written.

    ``findings`` are the problems that stopped it (each names its node); ``result`` is the
    FixResult, for its text and JSON."""

    def __init__(self, message: str, findings: List["Finding"], result: "FixResult"):
        super().__init__(message)
        self.findings = findings
        self.result = result


@dataclass(frozen=True)
class Location:
    """Where a finding is: the graph path (``main``, ``main/loop(Loop).body``...), the node by
    name and index (names are optional in ONNX), its op type, the input or output slot and
    the value's name. Fields that do not apply are ``""`` or ``None``."""

    graph: str
    node: str = ""
    node_index: Optional[int] = None
    op_type: str = ""
    input_index: Optional[int] = None
    output_index: Optional[int] = None
    value: str = ""

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Location":
        return cls(d["graph"], d["node"], d["node_index"], d["op_type"], d["input_index"], d["output_index"],
                   d["value"])

    def __str__(self) -> str:
        where = self.graph
        if self.node_index is not None:
            where += f":#{self.node_index}"
            if self.node:
                where += f" '{self.node}'"
        return where


@dataclass(frozen=True)
class Provenance:
    """Where one operand's dtype came from: ``origin`` in words, ``origin_kind``
    (graph_input, initializer, constant, node...), and ``chain``, the values it went through
    from there (dicts as in the JSON report), nearest first."""

    role: str
    value: str
    dtype: str
    origin: str
    origin_kind: str
    chain: Tuple[Dict[str, Any], ...] = ()
    chain_elided: int = 0

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Provenance":
        return cls(d["role"], d["value"], d["dtype"], d["origin"], d["origin_kind"], tuple(d.get("chain", ())),
                   d.get("chain_elided", 0))


@dataclass(frozen=True)
class FixSuggestion:
    """The fix a finding carries: what the fixer does (``title``), and how safe it is:
    ``safe`` (values stay exactly), ``unsafe`` (values may change: fix(unsafe_fixes=True))
    or ``display-only`` (described, never applied), with a ``reason`` when not safe."""

    title: str
    safety: str
    reason: str = ""
    kind: str = "none"  # the edit, as data: "widen-operands", "remove-cast", ... (docs/report.md)
    to: str = ""  # the element type it leaves


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # "error", "warning" or "info"
    message: str
    location: Location
    provenance: Tuple[Provenance, ...] = ()
    notes: Tuple[str, ...] = ()
    fix: Optional[FixSuggestion] = None
    fingerprint: str = ""

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Finding":
        fx = d.get("fix")
        return cls(d["rule"], d["severity"], d["message"], Location._from(d["location"]),
                   tuple(Provenance._from(p) for p in d.get("provenance", ())), tuple(d.get("notes", ())),
                   FixSuggestion(fx["title"], fx["safety"], fx.get("reason", ""), fx.get("kind", "none"),
                                 fx.get("to", "")) if fx else None,
                   d.get("fingerprint", ""))

    def __str__(self) -> str:
        lines = [f"{self.location}: {self.severity}: {self.message} [{self.rule}]"]
        lines += [f"  note: {p.role} '{p.value}' is {p.dtype}, from {p.origin}" for p in self.provenance]
        lines += [f"  note: {n}" for n in self.notes]
        if self.fix:
            lines.append(f"  fix ({self.fix.safety}): {self.fix.title}" + (f": {self.fix.reason}" if self.fix.reason
                                                                              else ""))
        return "\n".join(lines)


class Report:
    """What check() found in one model: the same document as ``onnx-tidy check --format json``
    (``to_json()``), with its findings as objects."""

    def __init__(self, document: Dict[str, Any], text: str = ""):
        self._document = document
        model = document["models"][0]
        self.path: str = model["path"]
        self.findings: List[Finding] = [Finding._from(f) for f in model.get("findings", ())]
        self.facts: Dict[str, Any] = model.get("model", {})
        self.root_causes: List[Dict[str, Any]] = model.get("root_causes", [])
        self.notices: List[str] = model.get("notices", [])

    @property
    def errors(self) -> List[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> List[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No error finding: what ``onnx-tidy check`` exits 0 for."""
        return not self.errors

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The JSON document ``onnx-tidy check --format json`` writes for this model."""
        return json.dumps(self._document, indent=indent, ensure_ascii=False) + "\n"

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._document))

    def __str__(self) -> str:
        lines = [str(f) for f in self.findings]
        counts = {s: sum(f.severity == s for f in self.findings) for s in ("error", "warning", "info")}
        lines.append(f"{self.path}: {counts['error']} error(s), {counts['warning']} warning(s), "
                     f"{counts['info']} info")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<onnx_tidy.Report {self.path!r}: {len(self.errors)} errors, {len(self.findings)} findings>"


@dataclass(frozen=True)
class FixRecord:
    """One finding's fix, applied or declined (``reason`` says why it was declined)."""

    rule: str
    message: str
    title: str
    safety: str
    reason: str
    location: Location
    effect: str = "exact"

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "FixRecord":
        return cls(d["rule"], d["message"], d["title"], d["safety"], d.get("reason", ""),
                   Location._from(d["location"]), d.get("effect", "exact"))


class FixResult:
    """What fix() did to one model.

    ``fixes`` and ``declined`` are FixRecords; ``edits`` the graph editor's log; ``report``
    the Report of the fixed model (what is left); ``model`` the fixed model (an
    onnx.ModelProto when onnx is importable, else bytes); ``save(path)`` writes it as
    ``onnx-tidy fix -o`` does: atomically, with converted external data in a new file beside
    it. ``to_json()`` is the document of ``onnx-tidy fix --format json``."""

    def __init__(self, session: Any):
        self._session = session
        self._document = json.loads(session.json())
        model = self._document["models"][0]
        self.path: str = model["path"]
        self.fixes: List[FixRecord] = [FixRecord._from(r) for r in model.get("applied", ())]
        self.declined: List[FixRecord] = [FixRecord._from(r) for r in model.get("declined", ())]
        self.edits: List[Dict[str, str]] = model.get("edits", [])
        self.notes: List[Dict[str, str]] = model.get("notes", [])
        self.notices: List[str] = model.get("notices", [])
        self.report = Report(json.loads(session.report_json()))

    @property
    def changed(self) -> bool:
        return bool(self._session.changed)

    @property
    def model_bytes(self) -> bytes:
        """The fixed model, serialized. Tensors in external data stay there, named relative
        to the input's folder; a converted one can only be written with save()."""
        try:
            return self._session.serialize()
        except ValueError as e:
            raise ValueError(str(e)) from None

    @property
    def model(self) -> Any:
        data = self.model_bytes
        try:
            import onnx
        except ImportError:
            return data
        return onnx.load_from_string(data)

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the fixed model to ``path`` atomically (never half a file)."""
        try:
            self._session.save(os.fspath(path))
        except RuntimeError as e:
            raise OSError(str(e)) from None

    def to_json(self, indent: Optional[int] = 2) -> str:
        return json.dumps(self._document, indent=indent, ensure_ascii=False) + "\n"

    def __str__(self) -> str:
        return self._session.text().rstrip("\n")

    def __repr__(self) -> str:
        return f"<onnx_tidy.FixResult {self.path!r}: {len(self.fixes)} fixed, {len(self.declined)} declined>"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    fix: str  # "safe", "unsafe", "display-only" or "none": the best fix it offers
    summary: str
    since: str

    @property
    def doc(self) -> str:
        return f"docs/rules/{self.id}.md"


def rules() -> List[Rule]:
    """Every rule, as ``onnx-tidy rules`` lists them."""
    return [Rule(r["id"], r["severity"], r["fix"], r["summary"], r["since"])
            for r in json.loads(_core.rules_json())["rules"]]


def _source(model: ModelLike, name: Optional[str], base_dir: Optional[str]) -> Tuple[Optional[str], bytes, str, str]:
    """(path, data, origin, base_dir) for _core: a path is read by the engine itself (large
    weights stay in the file); anything else is bytes."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        return path, b"", path, ""
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    elif hasattr(model, "SerializeToString"):
        data = model.SerializeToString()
    else:
        raise TypeError(f"model must be a path, bytes or an onnx.ModelProto, not {type(model).__name__}")
    return None, data, name or "<memory>", base_dir if base_dir is not None else os.getcwd()


def _config(config: Union[None, bool, str, "os.PathLike[str]"]) -> Tuple[str, bool]:
    if config is None or config is False:
        return "", False
    if config is True:
        return "", True
    return os.fspath(config), False


def _patterns(p: Union[None, str, Sequence[str]]) -> List[str]:
    if p is None:
        return []
    if isinstance(p, str):
        return [s for s in p.split(",") if s]
    return list(p)


def _usage(call: Any) -> Any:
    try:
        return call()
    except _core.UsageError as e:
        raise UsageError(str(e)) from None


def check(model: ModelLike, *, select: Union[None, str, Sequence[str]] = None,
          ignore: Union[None, str, Sequence[str]] = None, target: Optional[str] = None,
          config: Union[None, bool, str, "os.PathLike[str]"] = None, warnings_as_errors: bool = False,
          name: Optional[str] = None, base_dir: Optional[str] = None) -> Report:
    """Checks one model and returns every finding.

    select/ignore: rule ids or globs (a list, or one comma-separated string), as --select
    and --ignore. target: also check kernels of a deployment target ("onnxruntime-cpu").
    config: an onnx-tidy.toml to apply; True looks for one from the current folder up, as
    the command line does; None (the default) uses none. For bytes or a ModelProto, ``name``
    names the model in the report and ``base_dir`` is where its external data would be
    (default: the current folder). Raises LoadError for input that is not a usable model,
    UsageError for bad settings."""
    path, data, origin, base = _source(model, name, base_dir)
    cfg, find = _config(config)
    doc = _usage(lambda: _core.check(path, data, origin, base, _patterns(select), _patterns(ignore), target or "",
                                     cfg, find, warnings_as_errors))
    document = json.loads(doc)
    error = document["models"][0].get("error")
    if error:
        raise LoadError(error)
    return Report(document)


def fix(model: ModelLike, *, precision: Optional[str] = None, keep_io_types: bool = False,
        target: Optional[str] = None, unsafe_fixes: bool = False, select: Union[None, str, Sequence[str]] = None,
        ignore: Union[None, str, Sequence[str]] = None, config: Union[None, bool, str, "os.PathLike[str]"] = None,
        saturate: bool = False, name: Optional[str] = None, base_dir: Optional[str] = None) -> FixResult:
    """Fixes one model in memory, as ``onnx-tidy fix`` does, and verifies the result (our
    lint and onnx's checker) before it may be used. Nothing is written until save().

    precision: convert the whole model to "float32", "bfloat16" or "float16";
    keep_io_types keeps graph inputs and outputs as they are. target: parts without a
    kernel there stay wider. unsafe_fixes: also apply fixes that may change values.
    Raises FixError (with the findings that stopped it) when the result fails
    verification, LoadError for input that is not a usable model, UsageError for bad
    settings."""
    path, data, origin, base = _source(model, name, base_dir)
    cfg, find = _config(config)
    session = _usage(lambda: _core.fix(path, data, origin, base, precision or "", keep_io_types, target or "",
                                       unsafe_fixes, saturate, _patterns(select), _patterns(ignore), cfg, find))
    if session.error:
        raise LoadError(session.error)
    result = FixResult(session)
    if session.verify_error:
        raise FixError(str(result), result.report.findings, result)
    return result
