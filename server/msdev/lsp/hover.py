"""Hover: what a PyTorch API becomes in MindSpore, as Markdown.

Shown for every PyTorch use the finder saw (also the ones hidden by settings) and for names in
`import` statements, so a user can ask about any API in the file.
"""

from __future__ import annotations

import re

from ..db.loader import Database
from ..db.model import ArgSpec, Entry, Target, mindspore_api_page
from ..findings import Finding, Status
from ..rules import rule, rule_for_status

def _label(status) -> str:
    """The status's wording in every surface: its rule's label (msdev.rules)."""
    return rule_for_status(status).label


def _code(text: str) -> str:
    text = text.replace("|", "\\|")
    return f"`{text}`" if "`" not in text else f"``{text}``"


def _md(text: str) -> str:
    """Escape table-breaking characters in free text."""
    return text.replace("|", "\\|").replace("\n", " ")


def _arg_row(arg: ArgSpec) -> tuple[str, str, str]:
    torch_side = _code(arg.name)
    ms_side = _code(arg.target_name)
    notes: list[str] = []
    if arg.to and arg.to != arg.name:
        notes.append("renamed")
    if arg.transform:
        notes.append("value becomes " + _code(arg.transform.replace("{}", arg.name)))
    if arg.default is not None:
        notes.append(f"when omitted, msdev writes {_code(arg.target_name + '=' + arg.default)} (the defaults differ)")
    if arg.literal_map:
        parts = []
        for literal, kws in arg.literal_map.items():
            parts.append(_code(literal) + " → " + ", ".join(_code(f"{k}={v}") for k, v in kws.items()))
        notes.append("; ".join(parts))
    if arg.allowed:
        notes.append("only " + ", ".join(_code(v) for v in arg.allowed) + " convert")
    if arg.drop:
        ms_side = "—"
        default = f" (harmless when {_code(arg.torch_default)})" if arg.torch_default else ""
        notes.append(f"dropped: {_md(arg.drop)}{default}")
    if arg.unsupported:
        ms_side = "—"
        notes.append(f"not supported: {_md(arg.unsupported)}")
    return torch_side, ms_side, "; ".join(notes) or "—"


def _verified(entry: Entry, target: Target, profile: str) -> str:
    from ..db.verification import verification_state

    parts = [verification_state(entry, target.profile)[1]]
    if target.backends:
        parts.append("documented for " + ", ".join(target.backends))
    return "; ".join(parts)


def entry_markdown(entry: Entry, profile: str) -> str:
    target = entry.target(profile)
    status = target.status
    spec = rule_for_status(status)
    lines: list[str] = []
    if target.api:
        lines.append(f"**{_code(entry.api)} → {_code(target.api)}**")
    else:
        lines.append(f"**{_code(entry.api)}** has no MindSpore counterpart")
    lines.append("")
    shown_profile = target.profile
    fallback = " (no ascend-specific mapping; portable used)" if profile != shown_profile else ""
    lines.append(f"{spec.label} · {spec.code} {spec.name} · profile {profile}{fallback}")
    if entry.summary:
        lines += ["", _md(entry.summary)]
    if target.reason and target.reason != entry.summary:
        lines += ["", f"*What to do:* {_md(target.reason)}"]
    differing = target.differing_args()
    if differing or target.insert:
        lines += ["", "| PyTorch | MindSpore | difference |", "|---|---|---|"]
        for arg in differing:
            lines.append("| %s | %s | %s |" % _arg_row(arg))
        for key, value in target.insert.items():
            lines.append(f"| — | {_code(key + '=' + value)} | always added |")
    other = [t for p, t in entry.targets.items() if p != shown_profile and t.api and t.api != target.api]
    for t in other:
        lines += ["", f"With the {t.profile} profile: {_code(t.api)} ({_label(t.status)})"]
    v = _verified(entry, target, profile)
    lines += ["", v[:1].upper() + v[1:] + "."]
    links = []
    if entry.note_url:
        links.append(f"[Official difference note]({entry.note_url})")
    if target.api:
        links.append(f"[MindSpore API: {target.api}]({mindspore_api_page(target.api)})")
    if links:
        lines += ["", " · ".join(links)]
    return "\n".join(lines)


def unknown_markdown(api: str) -> str:
    spec = rule_for_status(Status.UNKNOWN)
    return (f"**{_code(api)}**\n\nA PyTorch API msdev's mapping database has no entry for "
            f"({spec.code} {spec.name}). Search the MindSpore API reference, or add a mapping to "
            f"`msdev_mappings.yaml` in the project root.")


def api_markdown(api: str, db: Database, profile: str) -> str:
    entry = db.get(api)
    return entry_markdown(entry, profile) if entry is not None else unknown_markdown(api)


_IMPORT_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+(.*)$")
_IMPORT = re.compile(r"^\s*import\s+(.*)$")
_WORD = re.compile(r"[\w.]+")


def import_api_at(line: str, column: int, db: Database) -> tuple[str, int, int] | None:
    """The PyTorch API named at `column` of an import statement line: (api, start, end)."""
    m = _IMPORT_FROM.match(line)
    if m:
        module = m.group(1)
        if not module.split(".")[0].startswith("torch"):
            return None
        for w in _WORD.finditer(line, m.start(2)):
            if w.start() <= column <= w.end() and w.group() != "as":
                api = f"{module}.{w.group()}"
                # `from torch.nn import Conv2d as C`: the alias is not an API
                before = line[m.start(2):w.start()].rstrip()
                if before.endswith(" as") or before == "as":
                    return None
                if api in db.entries:
                    return api, w.start(), w.end()
        return None
    m = _IMPORT.match(line)
    if m:
        for w in _WORD.finditer(line, m.start(1)):
            if w.start() <= column <= w.end() and w.group() in db.entries:
                return w.group(), w.start(), w.end()
    return None


def pattern_markdown(finding: Finding) -> str:
    """Hover of a statement-level rule (MS2xx): what differs at run time and what the fix does."""
    spec = rule(finding.pattern)
    detail = finding.explanation
    return "\n".join([f"**{_code(finding.torch_api)}** · {spec.code} {spec.name}", "", _md(detail), "",
                      _md(spec.why), "", f"*Fix:* {_md(spec.fix_detail)}", "",
                      f"{spec.label} · profile-independent rule · `msdev rule {spec.code}`"])
