"""Reading mapping YAML with line numbers, and writing it in one stable, diff-friendly layout.

Both the importer (which rewrites entry files) and `msdev db check` (which reports
`file:line` problems) need the same two things: a parse that remembers where every node
came from, and a dump whose key order never changes between runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    _Loader = yaml.CSafeLoader
    _Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

#: key order of an entry, then of a target, then of an argument spec (unknown keys go last)
ENTRY_ORDER = ("api", "kind", "returns", "summary", "note_url", "params", "forward", "targets", "official",
               "verified", "example")
TARGET_ORDER = ("api", "status", "source", "params", "args", "insert", "call_style", "templates", "fallback_templates",
                "casts", "unbatched",
                "attributes", "keeps", "reason", "backends")
ARG_ORDER = ("to", "transform", "default", "literal_map", "allowed", "drop", "unsupported",
             "torch_default", "pack", "required")
PROFILE_ORDER = ("portable", "ascend")


def _ordered(d: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: d[k] for k in order if k in d}
    out.update((k, v) for k, v in d.items() if k not in out)
    return out


def normalise_entry(raw: dict[str, Any]) -> dict[str, Any]:
    """The entry with keys in canonical order at every level (values are not changed)."""
    entry = _ordered(raw, ENTRY_ORDER)
    targets = entry.get("targets")
    if isinstance(targets, dict):
        new_targets = {}
        for prof, t in _ordered(targets, PROFILE_ORDER).items():
            if isinstance(t, dict):
                t = _ordered(t, TARGET_ORDER)
                if isinstance(t.get("args"), dict):
                    t["args"] = {k: (_ordered(v, ARG_ORDER) if isinstance(v, dict) else v)
                                 for k, v in t["args"].items()}
            new_targets[prof] = t
        entry["targets"] = new_targets
    return entry


class _Dump(_Dumper):  # type: ignore[misc, valid-type]
    pass


def _repr_list(dumper: yaml.Dumper, data: list) -> yaml.Node:
    # short lists of scalars read best inline: `params: [input, dim]`
    flow = all(isinstance(x, (str, int, float, bool)) or x is None for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _repr_dict(dumper: yaml.Dumper, data: dict) -> yaml.Node:
    # argument specs and literal maps are tiny: keep them on one line when they are flat
    flat = 0 < len(data) <= 3 and all(isinstance(v, (str, int, float, bool)) or v is None
                                     for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flat and
                                    sum(len(str(k)) + len(str(v)) for k, v in data.items()) < 70)


_Dump.add_representer(list, _repr_list)
_Dump.add_representer(dict, _repr_dict)


def dump_entries(entries: list[dict[str, Any]], header: str = "") -> str:
    """Entries as a YAML list: one blank line between entries, canonical key order."""
    chunks = []
    for e in entries:
        text = yaml.dump([normalise_entry(e)], Dumper=_Dump, sort_keys=False, allow_unicode=True,
                         width=100, default_flow_style=False)
        chunks.append(text)
    body = "\n".join(chunks)
    return (header + body) if entries else header + "[]\n"


def load_plain(path: Path) -> Any:
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=_Loader)


def compose(path: Path) -> yaml.Node | None:
    """The node tree of a YAML file (raises yaml.YAMLError with a mark on bad syntax)."""
    with path.open("rb") as fh:
        return yaml.compose(fh, Loader=_Loader)


def node_value(node: yaml.Node) -> Any:
    """Plain Python value of a composed node (scalars resolved like safe_load would)."""
    return yaml.load(yaml.serialize(node), Loader=_Loader) if node is not None else None


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically; returns whether the file changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True
