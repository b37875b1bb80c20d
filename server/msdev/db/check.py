"""`msdev db check`: validate the mapping database (and a project's overlay) with file:line problems.

The engine trusts the database; a typo in a field name or an `api` that is not a MindSpore
name would silently produce wrong rewrites. Checking walks the composed YAML node tree so
every problem points at the line that needs editing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import yaml

from ..findings import Status
from .loader import META_FILE, OVERLAY_NAME, entry_files
from .model import KINDS, PROFILES, RETURNS
from ..rewrite.calls import NAMED_TRANSFORMS
from ..rewrite.file_definitions import DEFINITIONS, ROOT as DEFINITIONS_ROOT
from ..rewrite.fixes import CONDITIONS, PLACEHOLDER
from .yamlio import ARG_ORDER, ENTRY_ORDER, TARGET_ORDER, compose

SOURCES = ("curated", "table-2024", "table-2025", "signature")
CALL_STYLES = ("same", "function")
BACKENDS = ("CPU", "GPU", "Ascend")
VERIFIED_KEYS = ("profile", "backend", "mindspore", "torch", "date", "result", "reason", "variants",
                 "variants_failing")
RESULTS = ("pass", "fail", "not-run")
META_KEYS = ("torch_version", "modules", "tensor_members", "tensor_attributes", "tensor_non_tensor_returns",
             "namespace_apis")
STATUSES = tuple(s.value for s in Status if s is not Status.UNKNOWN)
NULL_API_STATUSES = ("unsupported", "manual")

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
MS_API_RE = re.compile(rf"^(mindspore|builtins|math|operator|functools|os|types)(\.{_IDENT})+$")  # or a standard-library name
TORCH_API_RE = re.compile(rf"^{_IDENT}(\.{_IDENT})+$")
PARAM_RE = re.compile(rf"^(\*{{0,2}}{_IDENT}|\*)$")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen: dict[str, tuple[str, int]] = {}
        #: api -> (file, entry node, the float kinds its portable target computes in another dtype)
        self.float_casts: dict[str, tuple[str, yaml.Node, frozenset[str]]] = {}
        self._constructor = yaml.constructor.SafeConstructor()

    # -- helpers
    def compose(self, path: Path) -> tuple[bool, yaml.Node | None]:
        """The file's node tree; a file that cannot be read or parsed is reported and gives False."""
        try:
            return True, compose(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.add(str(path), mark.line + 1 if mark is not None else 1, f"malformed YAML: {problem}")
        except OSError as exc:
            self.add(str(path), 1, f"cannot read: {exc.strerror}")
        return False, None

    def add(self, file: str, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.problems.append(Problem(file, line, message))

    def value(self, node: yaml.Node) -> Any:
        return self._constructor.construct_document(node)

    @staticmethod
    def items(node: yaml.MappingNode) -> list[tuple[str, yaml.Node, yaml.Node]]:
        return [(str(k.value), k, v) for k, v in node.value]

    def mapping(self, file: str, node: yaml.Node, what: str) -> bool:
        if not isinstance(node, yaml.MappingNode):
            self.add(file, node, f"{what} must be a mapping")
            return False
        seen: set[str] = set()
        for key, knode, _ in self.items(node):
            if key in seen:
                self.add(file, knode, f"{what}: key '{key}' appears twice")
            seen.add(key)
        return True

    def string(self, file: str, node: yaml.Node, what: str, allow_null: bool = False) -> str | None:
        v = self.value(node)
        if v is None and allow_null:
            return None
        if not isinstance(v, str) or not v.strip():
            self.add(file, node, f"{what} must be a non-empty string")
            return None
        return v

    def string_list(self, file: str, node: yaml.Node, what: str) -> list[str] | None:
        v = self.value(node)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.add(file, node, f"{what} must be a list of strings")
            return None
        return v

    # -- files
    def check_file(self, path: Path, overlay: bool = False, seen: dict[str, tuple[str, int]] | None = None) -> None:
        file = str(path)
        ok, root = self.compose(path)
        if not ok:
            return
        if root is None:
            return  # an empty file holds no entries
        seq = root
        if overlay and isinstance(root, yaml.MappingNode):
            entries = [v for k, v in root.value if k.value == "entries"]
            for k, _ in root.value:
                if k.value != "entries":
                    self.add(file, k, f"unknown top-level field '{k.value}' (an overlay holds `entries:`)")
            if not entries:
                self.add(file, root, "overlay has no `entries:` list")
                return
            seq = entries[0]
        if not isinstance(seq, yaml.SequenceNode):
            self.add(file, seq, "expected a list of entries")
            return
        table = self.seen if seen is None else seen
        for node in seq.value:
            self.check_entry(file, node, table)

    def check_entry(self, file: str, node: yaml.Node, seen: dict[str, tuple[str, int]]) -> None:
        if not self.mapping(file, node, "entry"):
            return
        fields = {k: (kn, vn) for k, kn, vn in self.items(node)}
        for key, (kn, _) in fields.items():
            if key not in ENTRY_ORDER:
                self.add(file, kn, f"unknown entry field '{key}'")
        if "api" not in fields:
            self.add(file, node, "entry has no 'api'")
            return
        api = self.string(file, fields["api"][1], "api")
        if api is None:
            return
        if not TORCH_API_RE.match(api):
            self.add(file, fields["api"][1], f"api '{api}' is not a dotted Python name")
        where = (file, node.start_mark.line + 1)
        if api in seen:
            f0, l0 = seen[api]
            self.add(file, node, f"duplicate entry for {api} (first at {f0}:{l0})")
        else:
            seen[api] = where
        if "kind" in fields:
            kind = self.value(fields["kind"][1])
            if kind not in KINDS:
                self.add(file, fields["kind"][1], f"kind '{kind}' is not one of {', '.join(KINDS)}")
        if "returns" in fields:
            ret = self.value(fields["returns"][1])
            if ret not in RETURNS:
                self.add(file, fields["returns"][1], f"returns '{ret}' is not one of {', '.join(RETURNS)}")
        if "summary" not in fields:
            self.add(file, node, f"{api}: no summary")
        else:
            self.string(file, fields["summary"][1], "summary")
        if "note_url" in fields:
            self.check_url(file, fields["note_url"][1])
        params: list[str] | None = None
        if "params" in fields and self.value(fields["params"][1]) is not None:
            params = self.check_params(file, fields["params"][1], "params")
        if "forward" in fields:
            self.check_params(file, fields["forward"][1], "forward")
        if "targets" not in fields:
            self.add(file, node, f"{api}: no targets (a portable target is required)")
        else:
            self.check_targets(file, fields["targets"][1], params, api)
            self.float_casts[api] = (file, node, _float_cast_kinds(self.value(fields["targets"][1])))
        if "verified" in fields:
            self.check_verified(file, fields["verified"][1])
        if "official" in fields and self.value(fields["official"][1]) is not None:
            self.mapping(file, fields["official"][1], "official")
        if "example" in fields and self.value(fields["example"][1]) is not None:
            self.mapping(file, fields["example"][1], "example")

    def check_url(self, file: str, node: yaml.Node) -> None:
        url = self.value(node)
        if url is None:
            return
        if not isinstance(url, str):
            self.add(file, node, "note_url must be a string")
            return
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or " " in url or "." not in parts.netloc:
            self.add(file, node, f"note_url '{url}' is not a well-formed https URL")

    def check_params(self, file: str, node: yaml.Node, what: str) -> list[str] | None:
        params = self.string_list(file, node, what)
        if params is None:
            return None
        for p in params:
            if not PARAM_RE.match(p):
                self.add(file, node, f"{what}: '{p}' is not a parameter name")
        dup = {p for p in params if params.count(p) > 1}
        if dup:
            self.add(file, node, f"{what}: repeated {', '.join(sorted(dup))}")
        return params

    def check_targets(self, file: str, node: yaml.Node, params: list[str] | None, api: str) -> None:
        if not self.mapping(file, node, "targets"):
            return
        profiles = {k: (kn, vn) for k, kn, vn in self.items(node)}
        if "portable" not in profiles:
            self.add(file, node, f"{api}: no portable target")
        for prof, (kn, vn) in profiles.items():
            if prof not in PROFILES:
                self.add(file, kn, f"unknown profile '{prof}' (expected {', '.join(PROFILES)})")
                continue
            self.check_target(file, vn, params, prof)

    def check_target(self, file: str, node: yaml.Node, params: list[str] | None, prof: str) -> None:
        if not self.mapping(file, node, f"target {prof}"):
            return
        fields = {k: (kn, vn) for k, kn, vn in self.items(node)}
        for key, (kn, _) in fields.items():
            if key not in TARGET_ORDER:
                self.add(file, kn, f"unknown target field '{key}'")
        status = None
        if "status" not in fields:
            self.add(file, node, f"target {prof} has no status")
        else:
            status = self.value(fields["status"][1])
            if status not in STATUSES:
                self.add(file, fields["status"][1], f"status '{status}' is not one of {', '.join(STATUSES)}")
        if "api" not in fields:
            self.add(file, node, f"target {prof} has no api (write `api: null` when there is no counterpart)")
        else:
            ms = self.value(fields["api"][1])
            if ms is None:
                if status not in NULL_API_STATUSES and "templates" not in fields:
                    self.add(file, fields["api"][1], f"api is null but status is '{status}' "
                             "(only unsupported/manual, or a target with templates, may omit it)")
            elif not isinstance(ms, str) or not MS_API_RE.match(ms):
                self.add(file, fields["api"][1], f"api '{ms}' is not a mindspore.* dotted name")
        if "source" in fields and self.value(fields["source"][1]) not in SOURCES:
            self.add(file, fields["source"][1], f"source '{self.value(fields['source'][1])}' is not one of {', '.join(SOURCES)}")
        if "call_style" in fields and self.value(fields["call_style"][1]) not in CALL_STYLES:
            self.add(file, fields["call_style"][1], f"call_style must be one of {', '.join(CALL_STYLES)}")
        if "reason" in fields:
            self.string(file, fields["reason"][1], "reason", allow_null=True)
        ms_params = None
        if "params" in fields and self.value(fields["params"][1]) is not None:
            ms_params = self.check_params(file, fields["params"][1], "target params")
        if "backends" in fields:
            backends = self.string_list(file, fields["backends"][1], "backends")
            for b in backends or []:
                if b not in BACKENDS:
                    self.add(file, fields["backends"][1], f"unknown backend '{b}' (expected {', '.join(BACKENDS)})")
        if "insert" in fields and self.value(fields["insert"][1]) is not None:
            ins = fields["insert"][1]
            if self.mapping(file, ins, "insert"):
                for key, kn, vn in self.items(ins):
                    if not isinstance(self.value(vn), (str, int, float, bool)):
                        self.add(file, vn, f"insert.{key} must be source text")
                    elif ms_params and key not in _names(ms_params):
                        self.add(file, kn, f"insert.{key} is not a parameter of the target")
        for key in ("templates", "fallback_templates"):
            if key not in fields:
                continue
            for template in self.string_list(file, fields[key][1], key) or []:
                for name, _ in PLACEHOLDER.findall(template):
                    if name.startswith("@") and not MS_API_RE.match(name[1:]) and not re.match(
                            rf"^(math|numpy|os)(\.{_IDENT})+$", name[1:]) and not (
                            name[1:].partition(".")[0] == DEFINITIONS_ROOT and name[1:].partition(".")[2] in DEFINITIONS):
                        self.add(file, fields[key][1], f"template name {{{name}}} is not a mindspore.*, standard-library (math, os, types, ...), numpy.* name or a msdev.* definition")
                    elif not name.startswith("@") and name != "self" and params is not None \
                            and re.sub(rf"\.({'|'.join(CONDITIONS)}|is_\w+)$", "", name) not in _names(params):
                        self.add(file, fields[key][1], f"template placeholder {{{name}}} is not a PyTorch parameter")
        if "casts" in fields:
            from ..rewrite.casts import problems as cast_problems

            for problem in cast_problems(yaml.safe_load(yaml.serialize(fields["casts"][1]))):
                self.add(file, fields["casts"][1], problem)
        if "unbatched" in fields and (not isinstance(self.value(fields["unbatched"][1]), int)
                                      or not 2 <= self.value(fields["unbatched"][1]) <= 5):
            self.add(file, fields["unbatched"][1], "unbatched must be the rank of a batched input (2 to 5)")
        if "attributes" in fields and self.mapping(file, fields["attributes"][1], "attributes"):
            for key, kn, vn in self.items(fields["attributes"][1]):
                if not isinstance(self.value(vn), str) or not re.fullmatch(_IDENT, self.value(vn)):
                    self.add(file, vn, f"attributes.{key} must name a MindSpore attribute")
        if "keeps" in fields and self.mapping(file, fields["keeps"][1], "keeps"):
            for key, kn, vn in self.items(fields["keeps"][1]):
                if params is not None and key not in _names(params):
                    self.add(file, kn, f"keeps.{key} is not a PyTorch parameter of this API")
                elif not isinstance(self.value(vn), str):
                    self.add(file, vn, f"keeps.{key} must be PyTorch's default as source text")
        if "args" in fields and self.value(fields["args"][1]) is not None:
            self.check_args(file, fields["args"][1], params)

    def check_args(self, file: str, node: yaml.Node, params: list[str] | None) -> None:
        if not self.mapping(file, node, "args"):
            return
        known = _names(params) if params else None
        for name, kn, vn in self.items(node):
            if known is not None and name not in known and name != "self":  # self: a method's receiver
                self.add(file, kn, f"args.{name}: '{name}' is not a PyTorch parameter of this API")
            if isinstance(vn, yaml.ScalarNode):
                v = self.value(vn)
                if not isinstance(v, str) or not re.match(rf"^{_IDENT}$", v):
                    self.add(file, vn, f"args.{name}: shorthand must be a MindSpore parameter name")
                continue
            if not self.mapping(file, vn, f"args.{name}"):
                continue
            spec = {k: (kn2, vn2) for k, kn2, vn2 in self.items(vn)}
            for key, (kn2, _) in spec.items():
                if key not in ARG_ORDER:
                    self.add(file, kn2, f"args.{name}: unknown field '{key}'")
            for key in ("to",):
                if key in spec:
                    v = self.value(spec[key][1])
                    if not isinstance(v, str) or not re.match(rf"^{_IDENT}$", v):
                        self.add(file, spec[key][1], f"args.{name}.to must be a parameter name")
            for key in ("drop", "unsupported", "transform", "required"):
                if key in spec:
                    self.string(file, spec[key][1], f"args.{name}.{key}")
            if "transform" in spec:
                t = self.value(spec["transform"][1])
                if t not in NAMED_TRANSFORMS and isinstance(t, str) and "{}" not in t:
                    self.add(file, spec["transform"][1], f"args.{name}.transform must contain {{}} for the value")
            if "pack" in spec and not isinstance(self.value(spec["pack"][1]), bool):
                self.add(file, spec["pack"][1], f"args.{name}.pack must be true or false")
            if "allowed" in spec and not isinstance(self.value(spec["allowed"][1]), list):
                self.add(file, spec["allowed"][1], f"args.{name}.allowed must be a list of literals")
            if "literal_map" in spec:
                lm = spec["literal_map"][1]
                if self.mapping(file, lm, f"args.{name}.literal_map"):
                    for lit, _, out in self.items(lm):
                        if not isinstance(self.value(out), dict):
                            self.add(file, out, f"args.{name}.literal_map[{lit}] must map to keyword arguments")
            if "drop" in spec and "unsupported" in spec:
                self.add(file, vn, f"args.{name}: drop and unsupported exclude each other")

    def check_verified(self, file: str, node: yaml.Node) -> None:
        v = self.value(node)
        if v is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.add(file, node, "verified must be a list of records")
            return
        for rec in node.value:
            if not self.mapping(file, rec, "verified record"):
                continue
            for key, kn, vn in self.items(rec):
                if key not in VERIFIED_KEYS:
                    self.add(file, kn, f"verified: unknown field '{key}'")
                elif key == "result" and self.value(vn) not in RESULTS:
                    self.add(file, vn, f"verified: result must be one of {', '.join(RESULTS)}")
                elif key == "profile" and self.value(vn) not in PROFILES:
                    self.add(file, vn, f"verified: unknown profile '{self.value(vn)}'")

    def check_meta(self, path: Path) -> None:
        file = str(path)
        ok, root = self.compose(path)
        if not ok or root is None:
            return
        if not self.mapping(file, root, META_FILE):
            return
        for key, kn, vn in self.items(root):
            if key not in META_KEYS:
                self.add(file, kn, f"unknown field '{key}' in {META_FILE}")
            elif key == "namespace_apis":
                if self.mapping(file, vn, key):
                    for ns, _, names in self.items(vn):
                        self.string_list(file, names, f"namespace_apis.{ns}")
            elif key != "torch_version":
                self.string_list(file, vn, key)


def _float_cast_kinds(targets) -> frozenset[str]:
    """The float kinds (`float32`, ...) the portable target's `casts` computes in another dtype."""
    casts = ((targets or {}).get("portable") or {}).get("casts") if isinstance(targets, dict) else None
    return frozenset(k for k in casts if k.startswith("float")) if isinstance(casts, dict) else frozenset()


def _check_method_casts(c: _Checker) -> None:
    """A Tensor method computes as its function does: `x.exp()` and `torch.exp(x)` are the same kernel,
    so a float kind the function casts (MindSpore's float32 `exp` is 1e-5 off, computed in float64 it is
    PyTorch's) must be cast by the method too, or the two spellings of one call give different values."""
    for api, (file, node, kinds) in c.float_casts.items():
        if not api.startswith("torch.Tensor.") or api.count(".") != 2:
            continue
        name = api.rsplit(".", 1)[1]
        name = name[:-1] if name.endswith("_") and not name.endswith("__") else name  # `x.exp_()` too
        function = c.float_casts.get(f"torch.{name}")
        missing = sorted(function[2] - kinds) if function else []
        if missing:
            c.add(file, node, f"{api}: casts lacks {', '.join(missing)}, which torch.{name} "
                  "computes in another dtype (the method and the function run the same kernel)")


def _names(params: Iterable[str]) -> set[str]:
    return {p.lstrip("*") for p in params if p != "*"}


def overlay_paths(paths: list[str], cwd: Path) -> list[Path]:
    """Overlay files named on the command line (files or project dirs), else ./msdev_mappings.yaml."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            path = path / OVERLAY_NAME
        out.append(path)
    if not paths and (cwd / OVERLAY_NAME).is_file():
        out.append(cwd / OVERLAY_NAME)
    return out


def _check_side_files(c: _Checker, db_dir: Path) -> None:
    """examples/*.yaml and verified/*.yaml: known APIs, well-formed examples and records."""
    from ..dbverify.examples import validate_example
    from .loader import EXAMPLES_DIR, VERIFIED_DIR

    for path in sorted(db_dir.glob(f"{EXAMPLES_DIR}/*.yaml")) + sorted(db_dir.glob(f"{VERIFIED_DIR}/*.yaml")):
        file = str(path)
        ok, root = c.compose(path)
        if not ok or root is None:
            continue
        if not isinstance(root, yaml.MappingNode):
            c.add(file, root, "must be a mapping")
            continue
        if path.parent.name == EXAMPLES_DIR:
            for api, kn, vn in c.items(root):
                if api not in c.seen:
                    c.add(file, kn, f"example for '{api}', which has no entry")
                for problem in validate_example(c.value(vn)):
                    c.add(file, vn, f"{api}: example: {problem}")
            continue
        top = {k: (kn, vn) for k, kn, vn in c.items(root)}
        if "profile" in top and c.value(top["profile"][1]) not in PROFILES:
            c.add(file, top["profile"][1], f"unknown profile '{c.value(top['profile'][1])}'")
        results = top.get("results")
        if results is None or not isinstance(results[1], yaml.MappingNode):
            c.add(file, root, "verified records need a `results:` mapping of API to {result, reason}")
            continue
        for api, kn, vn in c.items(results[1]):
            rec = c.value(vn)
            if api not in c.seen:
                c.add(file, kn, f"record for '{api}', which has no entry")
            if not isinstance(rec, dict) or rec.get("result") not in RESULTS:
                c.add(file, vn, f"{api}: result must be one of {', '.join(RESULTS)}")
            elif set(rec) - set(VERIFIED_KEYS):
                c.add(file, vn, f"{api}: unknown field(s) {', '.join(sorted(set(rec) - set(VERIFIED_KEYS)))}")


def check_database(db_dir: Path, overlays: list[Path] = ()) -> tuple[list[Problem], int, int]:
    """(problems, entry files checked, entries checked)."""
    c = _Checker()
    files = entry_files(db_dir)
    for path in files:
        c.check_file(path)
    if (db_dir / META_FILE).is_file():
        c.check_meta(db_dir / META_FILE)
    db_entries = len(c.seen)
    _check_method_casts(c)
    _check_side_files(c, db_dir)
    for path in overlays:
        if not path.is_file():
            c.add(str(path), 1, "overlay file not found")
            continue
        c.check_file(path, overlay=True, seen={})  # an overlay may redefine database entries
    order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in c.problems))}
    problems = sorted(c.problems, key=lambda p: (order[p.file], p.line))  # stable within a line
    return problems, len(files) + len(overlays), db_entries
