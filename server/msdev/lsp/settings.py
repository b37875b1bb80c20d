"""The server's settings: one shape for initializationOptions, the `msdev` configuration section
and LSP4IJ's settings.json.

Parsing is lenient on purpose: an editor sends whatever the user typed, and a bad value must
cost that value (with a warning in the log), never the whole configuration or the server.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from ..findings import Confidence, Finding, Kind, Status
from ..rules import BY_STATUS, REGISTRY
from ..rules.selection import RuleSelection, SelectorError, parse_selectors

SECTION = "msdev"
PROFILES = ("portable", "ascend")

#: severity names accepted in settings → LSP severity (None: the finding is not shown)
SEVERITY_NAMES: dict[str, types.DiagnosticSeverity | None] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
    "off": None,
    "none": None,
}

#: status → severity name, the default of the `severity` setting: each status's rule's default
DEFAULT_SEVERITY: dict[str, str] = {status: r.severity for status, r in BY_STATUS.items()}
#: statement-level rule code → its default severity (settings may override a code: {"MS204": "off"})
RULE_SEVERITY: dict[str, str] = {r.code: r.severity for r in REGISTRY.values() if r.statement_level}

_TENSOR_KINDS = (Kind.TENSOR_METHOD, Kind.TENSOR_ATTRIBUTE)


@dataclass(frozen=True)
class Settings:
    """What the user chose; immutable so a snapshot can be shared with the analysis thread."""

    profile: str = "portable"
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    ignore: tuple[str, ...] = ()  # API names and globs, and rule codes or prefixes (MS103, MS2)
    show_likely_tensor_methods: bool = True
    select: tuple[str, ...] = ()  # rule codes or prefixes shown (empty: every rule)

    def __post_init__(self) -> None:
        codes = tuple(p.upper() for p in self.ignore if _is_code(p))
        object.__setattr__(self, "_selection", RuleSelection(self.select, codes))
        exact = frozenset(p for p in self.ignore if not any(c in p for c in "*?[") and not _is_code(p))
        globs = tuple(p for p in self.ignore if p not in exact)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_globs", globs)
        levels = {Status(k): SEVERITY_NAMES[v] for k, v in self.severity.items() if k in DEFAULT_SEVERITY}
        codes = {k: SEVERITY_NAMES[v] for k, v in {**RULE_SEVERITY, **self.severity}.items() if k in RULE_SEVERITY}
        object.__setattr__(self, "_levels", levels)
        object.__setattr__(self, "_codes", codes)

    def severity_of(self, status: Status) -> types.DiagnosticSeverity | None:
        return self._levels.get(status, types.DiagnosticSeverity.Warning)

    def severity_of_finding(self, finding: Finding) -> types.DiagnosticSeverity | None:
        """A statement-level finding has its rule's severity; others their status's."""
        if finding.pattern and finding.pattern in self._codes:
            return self._codes[finding.pattern]
        return self.severity_of(finding.status)

    def ignored(self, api: str) -> bool:
        """`torch.cuda` ignores `torch.cuda` and everything under it; globs (`torch.Tensor.*`) work too."""
        if api in self._exact:
            return True
        cut = api.rfind(".")
        while cut > 0:
            if api[:cut] in self._exact:
                return True
            cut = api.rfind(".", 0, cut)
        return any(fnmatch.fnmatchcase(api, g) for g in self._globs)

    def shows(self, finding: Finding) -> bool:
        """Whether a finding becomes a diagnostic (hover shows every finding regardless)."""
        if self.severity_of_finding(finding) is None:
            return False
        if (not self.show_likely_tensor_methods and finding.confidence == Confidence.LIKELY
                and finding.kind in _TENSOR_KINDS):
            return False
        return self._selection.keeps(finding) and not self.ignored(finding.torch_api)

    @property
    def selection(self) -> RuleSelection:
        """The rule codes selected and ignored (what fix-all may rewrite too)."""
        return self._selection

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "severity": dict(self.severity),
            "select": list(self.select),
            "ignore": list(self.ignore),
            "showLikelyTensorMethods": self.show_likely_tensor_methods,
        }


def _is_code(selector: str) -> bool:
    """`MS103`, `ms2`: a rule code or prefix (anything else in `ignore` is an API name or glob)."""
    s = selector.strip().upper()
    return s.startswith("MS") and s[2:].isdigit() or s == "MS"


def unwrap(raw: Any) -> Any:
    """Accept `{"msdev": {...}}` (didChangeConfiguration, settings.json) as well as `{...}`."""
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        return raw[SECTION]
    return raw


def looks_like_settings(raw: Any) -> bool:
    return isinstance(raw, dict) and any(
        k in raw for k in ("profile", "severity", "select", "ignore", "showLikelyTensorMethods"))


def parse_settings(raw: Any, base: Settings | None = None, project=None) -> tuple[Settings, list[str]]:
    """Settings from an editor's JSON (None → defaults); bad values are skipped with a warning.

    Keys the editor leaves out keep their default (not the previous value): a configuration
    answer is always the whole section. `project`: the workspace's `[tool.msdev]` table
    (project_config.ProjectConfig): its profile wins (editors always send theirs), its select
    applies unless the editor selects, its ignore adds to the editor's.
    """
    warnings: list[str] = []
    base = base or Settings()
    raw = unwrap(raw)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        warnings.append(f"msdev settings must be an object, got {type(raw).__name__}; using defaults")
        raw = {}

    profile = raw.get("profile", "portable")
    if profile not in PROFILES:
        warnings.append(f"msdev.profile: unknown profile {profile!r} (portable or ascend); using portable")
        profile = "portable"

    severity = dict(DEFAULT_SEVERITY)
    sev_raw = raw.get("severity")
    if isinstance(sev_raw, dict):
        for key, value in sev_raw.items():
            if key not in DEFAULT_SEVERITY and key not in RULE_SEVERITY:
                warnings.append(f"msdev.severity: unknown status or rule code {key!r}; ignored")
            elif not isinstance(value, str) or value.lower() not in SEVERITY_NAMES:
                warnings.append(f"msdev.severity.{key}: {value!r} is not error|warning|information|hint|off; ignored")
            else:
                severity[key] = {"info": "information", "none": "off"}.get(value.lower(), value.lower())
    elif sev_raw is not None:
        warnings.append("msdev.severity must be an object; using the default severities")

    ignore: list[str] = []
    ign_raw = raw.get("ignore")
    if isinstance(ign_raw, str):
        ign_raw = [ign_raw]
    if isinstance(ign_raw, list):
        for item in ign_raw:
            if isinstance(item, str) and item.strip():
                ignore.append(item.strip())
            else:
                warnings.append(f"msdev.ignore: {item!r} is not an API name; ignored")
    elif ign_raw is not None:
        warnings.append("msdev.ignore must be a list of API names; ignored")

    show = raw.get("showLikelyTensorMethods", True)
    if not isinstance(show, bool):
        warnings.append("msdev.showLikelyTensorMethods must be true or false; using true")
        show = True

    select: tuple[str, ...] = ()
    sel_raw = raw.get("select")
    if sel_raw is not None:
        try:
            select = parse_selectors(sel_raw if isinstance(sel_raw, (str, list)) else [sel_raw], "msdev.select")
        except SelectorError as exc:
            warnings.append(f"{exc}; msdev.select ignored")
    for code in ignore:
        if _is_code(code):
            try:
                parse_selectors([code], "msdev.ignore")
            except SelectorError as exc:
                warnings.append(str(exc))
    if project is not None:
        profile = project.profile or profile
        select = select or tuple(project.select or ())
        ignore += [c for c in (project.ignore or ()) if c not in ignore]

    return Settings(profile, severity, tuple(ignore), show, select), warnings
