"""Loading the mapping database: YAML files → indexed `Database`.

Parsing ~900 entries with libyaml takes a fraction of a second; the parsed database is
additionally pickled in the user cache keyed by the files' content hash, so the language
server and every scan worker start fast.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..findings import Status
from .model import ArgSpec, Entry, Target


def _load_yaml(fh):
    """One YAML document. yaml is imported here, on the first parse: a cached scan or a
    database read from its pickle never parses YAML and need not pay for the import."""
    import yaml

    try:  # libyaml is ~10x faster; fall back to the pure-Python loader when it is missing
        loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover
        loader = yaml.SafeLoader
    return yaml.load(fh, Loader=loader)

OVERLAY_NAME = "msdev_mappings.yaml"
META_FILE = "_torch_names.yaml"
EXAMPLES_DIR = "examples"  # examples/*.yaml: {api: example} for `msdev db verify`
#: fields of one result line kept on `Entry.verified` (`variants`: call variants run, and
#: `variants_failing`: the forms among them that failed; both absent in older records)
RECORD_KEYS = ("result", "reason", "date", "variants", "variants_failing")
VERIFIED_DIR = "verified"  # verified/<profile>-<backend>.yaml: results written by `msdev db verify --record`
_CACHE_FORMAT = 13  # 9: only databases that pass `db check` are cached; 10: target casts; 11: fallback_templates; 12: unbatched; 13: star exports index


class DatabaseError(Exception):
    """The database directory is missing or unreadable (a user error, not a crash)."""


class DatabaseInvalid(DatabaseError):
    """The database or a project overlay fails `msdev db check`: one `file:line: problem` a line."""

    SHOWN = 10

    def __init__(self, problems: list):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            lines.append(f"... and {len(self.problems) - self.SHOWN} more (`msdev db check` lists them all)")
        super().__init__("\n".join(lines))


def validate(db_path: Path, overlays: list[Path]) -> None:
    """Raise DatabaseInvalid when `msdev db check` finds any problem (the same checks, the same words).

    Run before parsing whenever the database is not in the pickle cache; only databases that
    passed are cached, so every load is of a checked database.
    """
    from .check import check_database  # the checker imports the rewrite engine: load it only here

    problems, _, _ = check_database(db_path, overlays)
    if problems:
        raise DatabaseInvalid(problems)


def default_db_dir() -> Path:
    """`$MSDEV_DB`, else the copy shipped in the wheel, else the source tree's `mapping_db/`."""
    env = os.environ.get("MSDEV_DB")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    shipped = here / "mapping_db"
    if shipped.is_dir():
        return shipped
    return here.parent.parent / "mapping_db"


def entry_files(db_dir: Path) -> list[Path]:
    return sorted(p for p in db_dir.glob("*.yaml") if not p.name.startswith("_"))


def side_files(db_dir: Path) -> list[Path]:
    """The example and verification files kept beside the entry files (own files, fewer merge conflicts)."""
    return sorted(db_dir.glob(f"{EXAMPLES_DIR}/*.yaml")) + sorted(db_dir.glob(f"{VERIFIED_DIR}/*.yaml"))


def _attach_side_files(db_dir: Path, entries: dict[str, Entry]) -> None:
    """Examples fill `Entry.example` (unless the entry has its own); records extend `Entry.verified`."""
    for path in sorted(db_dir.glob(f"{EXAMPLES_DIR}/*.yaml")):
        with path.open("rb") as fh:
            data = _load_yaml(fh) or {}
        for api, example in (data.items() if isinstance(data, dict) else ()):
            entry = entries.get(api)
            if entry is not None and entry.example is None and isinstance(example, dict):
                entry.example = example
    for path in sorted(db_dir.glob(f"{VERIFIED_DIR}/*.yaml")):
        with path.open("rb") as fh:
            data = _load_yaml(fh) or {}
        if not isinstance(data, dict):
            continue
        common = {k: data[k] for k in ("profile", "backend", "mindspore", "torch", "date") if k in data}
        for api, rec in (data.get("results") or {}).items():
            entry = entries.get(api)
            if entry is None or not isinstance(rec, dict):
                continue
            record = {**common, **{k: v for k, v in rec.items() if k in RECORD_KEYS}}
            entry.verified.append(record)


def _arg_from(name: str, raw: Any) -> ArgSpec:
    if raw is None:
        raw = {}
    elif isinstance(raw, str):  # shorthand: `dim: axis`
        raw = {"to": raw}
    return ArgSpec(
        name=name,
        to=raw.get("to"),
        drop=raw.get("drop"),
        transform=raw.get("transform"),
        default=None if raw.get("default") is None else str(raw.get("default")),
        literal_map=raw.get("literal_map"),
        allowed=raw.get("allowed"),
        unsupported=raw.get("unsupported"),
        torch_default=None if raw.get("torch_default") is None else str(raw.get("torch_default")),
        pack=bool(raw.get("pack", False)),
        required=raw.get("required"),
    )


def target_from(profile: str, raw: dict[str, Any]) -> Target:
    return Target(
        profile=profile,
        api=raw.get("api"),
        status=Status(raw.get("status", "unknown")),
        params=raw.get("params"),
        args={k: _arg_from(k, v) for k, v in (raw.get("args") or {}).items()},
        insert={k: str(v) for k, v in (raw.get("insert") or {}).items()},
        call_style=raw.get("call_style", "same"),
        templates=list(raw.get("templates") or []),
        fallback_templates=list(raw.get("fallback_templates") or []),
        attributes={str(k): str(v) for k, v in (raw.get("attributes") or {}).items()},
        keeps={str(k): str(v) for k, v in (raw.get("keeps") or {}).items()},
        reason=raw.get("reason"),
        source=raw.get("source", "curated"),
        backends=list(raw.get("backends") or []),
        casts=dict(raw["casts"]) if isinstance(raw.get("casts"), dict) else None,
        unbatched=raw.get("unbatched"),
    )


def entry_from(raw: dict[str, Any], file: str = "", line: int = 0) -> Entry:
    targets = {p: target_from(p, t) for p, t in (raw.get("targets") or {}).items() if isinstance(t, dict)}
    return Entry(
        api=raw["api"],
        kind=raw.get("kind", "function"),
        summary=raw.get("summary", ""),
        targets=targets,
        note_url=raw.get("note_url"),
        params=raw.get("params"),
        forward=raw.get("forward"),
        returns=raw.get("returns", "tensor"),
        verified=list(raw.get("verified") or []),
        example=raw.get("example"),
        official=raw.get("official") or {},
        file=file,
        line=line,
    )


@dataclass
class Database:
    """All entries, indexed by PyTorch API, plus the name lists the finder needs."""

    entries: dict[str, Entry]
    version: str
    directory: Path
    torch_modules: frozenset[str] = frozenset()
    tensor_members: frozenset[str] = frozenset()
    tensor_non_tensor_returns: frozenset[str] = frozenset()
    #: public API names of torch 2.13 per namespace (relative to it), the universe coverage is measured on
    namespace_apis: dict[str, frozenset[str]] = field(default_factory=dict)
    overlays: list[Path] = field(default_factory=list)
    _by_ms: dict[str, list[str]] | None = None
    _by_module: dict[str, set[str]] | None = None

    def get(self, api: str) -> Entry | None:
        entry = self.entries.get(api)
        if entry is None and api.startswith(_DISTRIBUTION_MODULES):
            entry = self.entries.get(_distribution_export(api))
        if entry is None and api.startswith(_ATEN):
            entry = next((e for e in map(self.entries.get, _aten_functions(api)) if e is not None
                          and e.kind == "function"), None)
        if entry is None and _is_plain_torch_function(api):
            # `torch.native_layer_norm` binds the ATen operator of its name with the same arguments
            entry = self.entries.get(f"{_ATEN}{api[len('torch.'):]}.default")
        return entry

    def __contains__(self, api: str) -> bool:
        return self.get(api) is not None

    def __len__(self) -> int:
        return len(self.entries)

    def by_mindspore(self) -> dict[str, list[str]]:
        """MindSpore API → the PyTorch APIs that map to it (any profile)."""
        if self._by_ms is None:
            index: dict[str, list[str]] = {}
            for e in self.entries.values():
                for t in e.targets.values():
                    if t.api and e.api not in index.setdefault(t.api, []):
                        index[t.api].append(e.api)
            self._by_ms = index
        return self._by_ms

    def is_module(self, dotted: str) -> bool:
        return dotted in self.torch_modules

    def star_exports(self, module: str) -> frozenset[str]:
        """The names `from MODULE import *` binds that msdev can speak for: torch's public names of the
        namespace where torch lists them (its `__all__`: `from torch import *` binds `max`, not `unique`),
        else every entry directly under it (`torch.distributions.utils.lazy_property`)."""
        listed = self.namespace_apis.get(module)
        if listed is not None:
            return listed
        if self._by_module is None:
            index: dict[str, set[str]] = {}
            for api in self.entries:
                parent, _, name = api.rpartition(".")
                if not name.startswith("_"):
                    index.setdefault(parent, set()).add(name)
            self._by_module = index
        return frozenset(self._by_module.get(module, ()))


#: `torch.distributions.<module>.<Name>`: every class of a distributions submodule is also exported as
#: `torch.distributions.<Name>`, the name entries are kept under (one entry, however the code imports it)
_DISTRIBUTION_MODULES = "torch.distributions."


def _distribution_export(api: str) -> str:
    parts = api.split(".")
    if len(parts) == 4 and parts[2].islower() and parts[3][:1].isupper():
        return "torch.distributions." + parts[3]
    return ""


_ATEN = "torch.ops.aten."
#: ATen name prefixes of the public namespaces their functions live in (`aten.linalg_vector_norm`)
_ATEN_NAMESPACES = (("linalg_", "torch.linalg."), ("special_", "torch.special."), ("fft_", "torch.fft."))


def _aten_functions(api: str) -> list[str]:
    """The public functions an ATen operator without an entry of its own is bound to, by name
    (`torch.ops.aten.gather.default` → `torch.gather`): a PyTorch function is a thin binding of the
    ATen operator of its name and takes its arguments in the same order. In-place (`add_`) and
    private (`_softmax`) operators have no such function."""
    parts = api.split(".")
    if len(parts) != 5 or parts[3].startswith("_") or parts[3].endswith("_"):
        return []
    op = parts[3]
    for prefix, namespace in _ATEN_NAMESPACES:
        if op.startswith(prefix):
            return [namespace + op[len(prefix):]]
    return [f"torch.{op}", f"torch.nn.functional.{op}"]


def _is_plain_torch_function(api: str) -> bool:
    """`torch.<op>` for a public, out-of-place op name (the binding of `torch.ops.aten.<op>.default`)."""
    op = api[len("torch."):] if api.startswith("torch.") else ""
    return bool(op) and "." not in op and not op.startswith("_") and not op.endswith("_")


def _hash_files(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "msdev"


def _parse_dir(db_dir: Path, files: list[Path], overlays: list[Path], version: str) -> Database:
    entries: dict[str, Entry] = {}
    for path in files + overlays:
        with path.open("rb") as fh:
            data = _load_yaml(fh) or []
        if isinstance(data, dict):  # overlay files may wrap the list in `entries:`
            data = data.get("entries") or []
        for raw in data:
            if isinstance(raw, dict) and "api" in raw:
                entries[raw["api"]] = entry_from(raw, file=str(path))
    _attach_side_files(db_dir, entries)
    meta: dict[str, Any] = {}
    meta_path = db_dir / META_FILE
    if meta_path.is_file():
        with meta_path.open("rb") as fh:
            meta = _load_yaml(fh) or {}
    return Database(
        entries=entries,
        version=version,
        directory=db_dir,
        torch_modules=frozenset(meta.get("modules") or ()),
        tensor_members=frozenset(meta.get("tensor_members") or ()),
        tensor_non_tensor_returns=frozenset(meta.get("tensor_non_tensor_returns") or ()),
        namespace_apis={ns: frozenset(names) for ns, names in (meta.get("namespace_apis") or {}).items()},
        overlays=overlays,
    )


def load_database(db_dir: str | Path | None = None, overlay_root: str | Path | None = None,
                  use_cache: bool = True) -> Database:
    """Load (and cache) the database in `db_dir`, plus a project's `msdev_mappings.yaml` overlay."""
    db_path = Path(db_dir) if db_dir else default_db_dir()
    if not db_path.is_dir():
        raise DatabaseError(f"mapping database not found: {db_path} is not a directory")
    files = entry_files(db_path)
    if not files:
        raise DatabaseError(f"mapping database {db_path} holds no *.yaml entry files")
    overlays: list[Path] = []
    if overlay_root is not None:
        candidate = Path(overlay_root) / OVERLAY_NAME
        if candidate.is_file():
            overlays.append(candidate)
    meta = [db_path / META_FILE] if (db_path / META_FILE).is_file() else []
    version = _hash_files(files + meta + side_files(db_path) + overlays)
    cache_file = _cache_dir() / f"db-{_CACHE_FORMAT}-{version}.pickle"
    if use_cache and cache_file.is_file():
        try:
            with cache_file.open("rb") as fh:
                db = pickle.load(fh)
            db.directory = db_path
            return db
        except Exception:  # a stale or truncated cache is rebuilt
            pass
    validate(db_path, overlays)
    db = _parse_dir(db_path, files, overlays, version)
    if use_cache:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(db, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return db
