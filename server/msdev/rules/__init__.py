"""The rule registry: one RuleSpec per code, read by every surface.

The LSP's severities and links, hover wording, SARIF `rules[]` and levels, the HTML and text
reports' labels, `msdev rule`, docs/rules/ and the VS Code extension's setting defaults all
come from here; no surface keeps its own table (tests/rules checks that).
"""

from __future__ import annotations

from .api_rules import API_RULES
from .spec import FIX_KINDS, SARIF_LEVEL, SEVERITIES, RuleSpec
from .statement_rules import STATEMENT_RULES

#: every rule, by code, in code order
REGISTRY: dict[str, RuleSpec] = {r.code: r for r in API_RULES + STATEMENT_RULES}

#: the rule of each status, for findings of single API uses (MS100–MS107)
BY_STATUS: dict[str, RuleSpec] = {r.status: r for r in API_RULES}


class UnknownRule(KeyError):
    """A code or prefix that names no rule."""


def rule(code: str) -> RuleSpec:
    try:
        return REGISTRY[code.upper()]
    except KeyError:
        raise UnknownRule(code) from None


def rule_for_status(status: str) -> RuleSpec:
    return BY_STATUS[str(status)]


def rule_of(finding) -> RuleSpec:
    """The rule a finding is reported under: its statement rule, else its status's."""
    return REGISTRY[finding.pattern] if finding.pattern else BY_STATUS[str(finding.status)]


def matching(selector: str) -> list[RuleSpec]:
    """Rules whose code starts with `selector` (`MS2` → MS200…MS226, `MS103` → MS103)."""
    s = selector.strip().upper()
    return [r for code, r in REGISTRY.items() if code.startswith(s)] if s else []


__all__ = ["FIX_KINDS", "SARIF_LEVEL", "SEVERITIES", "REGISTRY", "BY_STATUS", "RuleSpec", "UnknownRule",
           "rule", "rule_for_status", "rule_of", "matching"]
