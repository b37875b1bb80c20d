"""Looking things up in the database: alias resolution, two-way search and statistics.

Pure functions over a loaded `Database`; the CLI (`msdev db show/search/stats`) only formats.
"""

from __future__ import annotations

import csv
import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from .loader import Database
from .model import PROFILES, Entry

#: short spellings people type → the dotted prefix they stand for
ALIASES = (
    ("F.", "torch.nn.functional."),
    ("nn.functional.", "torch.nn.functional."),
    ("nn.init.", "torch.nn.init."),
    ("nn.", "torch.nn."),
    ("optim.", "torch.optim."),
    ("lr_scheduler.", "torch.optim.lr_scheduler."),
    ("Tensor.", "torch.Tensor."),
    ("data.", "torch.utils.data."),
    ("transforms.", "torchvision.transforms."),
    ("T.", "torchvision.transforms."),
    ("cuda.", "torch.cuda."),
    ("dist.", "torch.distributed."),
    ("linalg.", "torch.linalg."),
    ("fft.", "torch.fft."),
)


def candidates(name: str) -> list[str]:
    """Full dotted names a short spelling may stand for, most likely first."""
    name = name.strip()
    out = [name]
    for short, full in ALIASES:
        if name.startswith(short):
            out.append(full + name[len(short):])
    if not name.startswith(("torch", "mindspore")):
        out.append("torch." + name)
    return list(dict.fromkeys(out))


def resolve(db: Database, name: str) -> tuple[Entry | None, list[str]]:
    """The entry a (possibly short) name means, else close matches to suggest."""
    for cand in candidates(name):
        if cand in db.entries:
            return db.entries[cand], []
    leaf = name.rsplit(".", 1)[-1]
    by_leaf = [api for api in db.entries if api.rsplit(".", 1)[-1] == leaf]
    if len(by_leaf) == 1:
        return db.entries[by_leaf[0]], []
    if by_leaf:
        return None, sorted(by_leaf)[:8]
    close: list[str] = []
    for full in candidates(name):
        for m in difflib.get_close_matches(full, list(db.entries), n=6, cutoff=0.8):
            if m not in close:
                close.append(m)
    if not close:
        leaves = {api.rsplit(".", 1)[-1]: api for api in db.entries}
        close = [leaves[m] for m in difflib.get_close_matches(leaf, list(leaves), n=6, cutoff=0.7)]
    return None, close


def entry_dict(e: Entry) -> dict[str, Any]:
    """A JSON-ready view of an entry (what `show --json` prints)."""
    targets = {}
    for prof, t in e.targets.items():
        targets[prof] = {
            "api": t.api, "status": t.status.value, "source": t.source, "params": t.params,
            "args": {a.name: {k: v for k, v in (
                ("to", a.to), ("transform", a.transform), ("default", a.default),
                ("literal_map", a.literal_map), ("allowed", a.allowed), ("drop", a.drop),
                ("unsupported", a.unsupported), ("torch_default", a.torch_default)) if v is not None}
                for a in t.args.values()},
            "insert": t.insert, "call_style": t.call_style, "reason": t.reason, "backends": t.backends,
        }
    return {"api": e.api, "kind": e.kind, "returns": e.returns, "summary": e.summary,
            "note_url": e.note_url, "doc_url": e.doc_url, "params": e.params, "targets": targets,
            "verified": e.verified, "official": e.official, "file": e.file}


def search(db: Database, text: str, limit: int = 200) -> list[dict[str, Any]]:
    """Entries whose PyTorch name, or one of whose MindSpore targets, contains `text`.

    Exact and suffix matches rank first so `relu` shows torch.relu before F.relu6.
    """
    needle = text.strip().lower()
    if not needle:
        return []
    hits: list[tuple[int, str, str]] = []  # (rank, api, matched_on)
    by_ms = db.by_mindspore()
    alias_full = {c.lower() for c in candidates(text)}
    for api, e in db.entries.items():
        low = api.lower()
        if low in alias_full:
            hits.append((0, api, "torch"))
        elif low.endswith("." + needle):
            hits.append((1, api, "torch"))
        elif needle in low:
            hits.append((3, api, "torch"))
    seen = {h[1] for h in hits}
    for ms_api, torch_apis in by_ms.items():
        low = ms_api.lower()
        if needle == low or low.endswith("." + needle) or needle in low:
            rank = 0 if needle == low else (2 if low.endswith("." + needle) else 4)
            for api in torch_apis:
                if api not in seen:
                    seen.add(api)
                    hits.append((rank, api, "mindspore"))
    hits.sort(key=lambda h: (h[0], len(h[1]), h[1]))
    out = []
    for rank, api, on in hits[:limit]:
        e = db.entries[api]
        row: dict[str, Any] = {"api": api, "matched": on, "status": e.status("portable").value}
        for prof in PROFILES:
            t = e.targets.get(prof)
            row[prof] = t.api if t else None
        row["ascend_status"] = e.status("ascend").value
        out.append(row)
    return out


def _target_ns(api: str | None) -> str:
    if not api:
        return "none"
    parts = api.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def union_apis(reference_dir: Path | None) -> list[str] | None:
    """The official API names (misspellings fixed), or None when the reference is not at hand.

    `reference_dir` is the reference directory, or directly a TSV file with a torch_api column.
    """
    from .importer import fixed_name

    if reference_dir is None:
        return None
    path = reference_dir if reference_dir.is_file() else reference_dir / "torch_api_union.tsv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as fh:
        return [fixed_name(r["torch_api"]) for r in csv.DictReader(fh, delimiter="\t") if r.get("torch_api")]


#: top-level packages whose APIs count as PyTorch APIs
PYTORCH_ROOTS = ("torch", "torchvision", "torchaudio", "torchtext")


def coverage_by_namespace(db: Database) -> dict[str, dict[str, Any]]:
    """Per namespace: how many of torch 2.13's public APIs (listed in _torch_names.yaml) have an entry.

    Tensor members come from the `tensor_members` list; the rest from `namespace_apis`."""
    universes = dict(db.namespace_apis)
    if db.tensor_members:
        universes["torch.Tensor"] = db.tensor_members
    out: dict[str, dict[str, Any]] = {}
    for ns in sorted(universes):
        names = universes[ns]
        covered = sum(1 for n in names if f"{ns}.{n}" in db.entries)
        out[ns] = {"entries": covered, "public_apis": len(names),
                   "share": round(covered / len(names), 4) if names else 0.0}
    return out


def stats(db: Database, reference_dir: Path | None = None) -> dict[str, Any]:
    """Counts for `msdev db stats` (portable status unless the key says otherwise)."""
    entries = list(db.entries.values())
    by_status = Counter(e.status("portable").value for e in entries)
    by_status_ascend = Counter(e.status("ascend").value for e in entries)
    by_ns = Counter(e.namespace for e in entries)
    curated = [e for e in entries if any(t.source == "curated" for t in e.targets.values())]
    with_map = [e for e in entries if "portable" in e.targets and e.targets["portable"].source == "curated"
                and (e.targets["portable"].args or e.targets["portable"].insert)]
    by_target: dict[str, Counter] = {p: Counter() for p in PROFILES}
    for e in entries:
        for prof in PROFILES:
            if prof in e.targets or "portable" in e.targets:
                by_target[prof][_target_ns(e.target(prof).api)] += 1
    verified = Counter()
    for e in entries:
        for rec in e.verified:
            verified[str(rec.get("result", "?"))] += 1
    union = union_apis(reference_dir)
    unresolved = by_status.get("manual", 0) + by_status.get("unsupported", 0)
    out: dict[str, Any] = {
        "entries": len(entries),
        "torch_apis": sum(1 for e in entries if e.api.split(".", 1)[0] in PYTORCH_ROOTS),
        "manual_or_unsupported": unresolved,
        "manual_or_unsupported_share": round(unresolved / len(entries), 4) if entries else 0.0,
        "coverage_by_namespace": coverage_by_namespace(db),
        "by_status": dict(sorted(by_status.items())),
        "by_status_ascend": dict(sorted(by_status_ascend.items())),
        "by_namespace": dict(sorted(by_ns.items())),
        "curated": len(curated),
        "with_arg_map": len(with_map),
        "by_profile_target_namespace": {p: dict(c.most_common()) for p, c in by_target.items()},
        "verified_records": dict(sorted(verified.items())),
    }
    if union is not None:
        names = set(union)
        out["official_apis_total"] = len(union)
        out["official_apis_covered"] = sum(1 for api in union if api in db.entries)
        out["official_apis_missing"] = sorted(n for n in names if n not in db.entries)
    else:
        official = [e for e in entries if e.official]
        out["official_apis_covered"] = len(official)
    return out
