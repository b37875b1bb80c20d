"""The rule options scan and convert share (`--select`, `--ignore`) and how they combine with
the project's `[tool.msdev]` table: a value on the command line replaces the file's."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import UserError


def add_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="report only these rules: codes or prefixes, comma-separated or repeated "
                        "(MS1, MS204; default: every rule, or [tool.msdev] select)")
    parser.add_argument("--ignore", action="append", metavar="CODES",
                        help="never report these rules (convert leaves their uses as they are): codes or "
                        "prefixes; the more specific of --select/--ignore wins")


@dataclass(frozen=True)
class RunSettings:
    """What a scan or conversion runs with, after the command line and pyproject.toml met."""

    profile: str
    selection: object  # rules.selection.RuleSelection
    exclude: tuple[str, ...]
    baseline: Path | None


def project_settings(args: argparse.Namespace, start: str | Path) -> RunSettings:
    """The command line's rule options, profile and baseline over the `[tool.msdev]` table of the
    nearest pyproject.toml at or above `start`."""
    from ..project_config import ConfigError, config_for
    from ..rules.selection import RuleSelection, SelectorError, parse_selectors

    try:
        config = config_for(start)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    for key in config.unknown:
        print(f"msdev: warning: {config.path}: unknown key `{key}` in [tool.msdev]", file=sys.stderr)
    try:
        select = parse_selectors(args.select, "--select") if args.select else None
        ignore = parse_selectors(args.ignore, "--ignore") if args.ignore else None
    except SelectorError as exc:
        raise UserError(str(exc)) from None
    selection = RuleSelection(config.select or (), config.ignore or ()).merged(select, ignore)
    baseline = getattr(args, "baseline", None)
    return RunSettings(
        profile=getattr(args, "profile", None) or config.profile or "portable",
        selection=selection,
        exclude=config.exclude,
        baseline=Path(baseline) if baseline else config.baseline,
    )


__all__ = ["RunSettings", "add_rule_options", "project_settings"]
