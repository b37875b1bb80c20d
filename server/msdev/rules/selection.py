"""Which rules a run reports: `--select` / `--ignore` by code or code prefix, as a linter does.

A selector is a rule code (`MS103`) or a prefix of codes (`MS2` names every statement-level
rule, `MS` every rule). When both lists match a code the longer (more specific) selector wins,
and on a tie the code is ignored: `--select MS2 --ignore MS204` reports MS200…MS226 but MS204,
`--ignore MS2 --select MS204` reports MS204 among the MS2xx. Scan, convert (an ignored rule is
not rewritten) and the language server read the same selection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from . import REGISTRY, rule_of

_SELECTOR = re.compile(r"^MS\d{0,3}$")


class SelectorError(ValueError):
    """A selector that names no rule; the message is meant for the user."""


def parse_selectors(values: Iterable[str] | str | None, option: str = "--select") -> tuple[str, ...]:
    """Selectors from the command line or a configuration (comma- or list-separated), checked
    against the registry: `MS1,MS204` → ("MS1", "MS204")."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise SelectorError(f"{option}: {value!r} is not a rule code")
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not _SELECTOR.match(code) or not any(c.startswith(code) for c in REGISTRY):
                raise SelectorError(f"{option}: {part.strip()!r} is not a rule code or prefix "
                                    f"(e.g. MS103, MS2; `msdev rule --all` lists them)")
            if code not in out:
                out.append(code)
    return tuple(out)


def _longest(code: str, selectors: tuple[str, ...]) -> int:
    return max((len(s) for s in selectors if code.startswith(s)), default=-1)


@dataclass(frozen=True, slots=True)
class RuleSelection:
    """The rules a run reports. Empty `select`: every rule; empty `ignore`: none ignored."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.select and not self.ignore

    def enabled(self, code: str) -> bool:
        chosen = _longest(code, self.select) if self.select else 0
        return chosen >= 0 and chosen > _longest(code, self.ignore)

    def keeps(self, finding) -> bool:
        """Whether a finding's rule is reported."""
        return self.everything or self.enabled(rule_of(finding).code)

    def filter(self, findings: list) -> list:
        return findings if self.everything else [f for f in findings if self.keeps(f)]

    def merged(self, select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> "RuleSelection":
        """This selection with the lists a higher layer gives replacing its own (None: kept)."""
        return RuleSelection(self.select if select is None else select, self.ignore if ignore is None else ignore)


__all__ = ["RuleSelection", "SelectorError", "parse_selectors"]
