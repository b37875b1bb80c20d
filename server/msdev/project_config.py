"""The project's own settings: the `[tool.msdev]` table of its pyproject.toml.

    [tool.msdev]
    select = ["MS1", "MS204"]     # rule codes or prefixes reported (default: all)
    ignore = ["MS107"]            # rule codes or prefixes never reported (nor rewritten by convert)
    exclude = ["legacy/", "*_pb2.py"]   # more paths scan and convert skip (gitignore syntax)
    profile = "portable"          # or "ascend"
    baseline = "msdev-baseline.json"    # scan reports only findings not in this file

`msdev scan`, `msdev convert` and the language server read it from the nearest pyproject.toml
at or above the folder they work on; options given on the command line (or editor settings)
replace the value from the file. A malformed table is a user error, never a traceback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .rules.selection import SelectorError, parse_selectors

PROFILES = ("portable", "ascend")
KEYS = ("select", "ignore", "exclude", "profile", "baseline")


class ConfigError(ValueError):
    """The `[tool.msdev]` table cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ProjectConfig:
    path: Path | None = None  # the pyproject.toml read (None: none found)
    select: tuple[str, ...] | None = None  # None: not set
    ignore: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    profile: str | None = None
    baseline: Path | None = None  # resolved against the pyproject.toml's folder
    unknown: tuple[str, ...] = field(default=())  # keys msdev does not know (warned about)


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a folder)."""
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _strings(table: dict, key: str, where: str) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def read_config(pyproject: Path) -> ProjectConfig:
    """The `[tool.msdev]` table of one pyproject.toml (an empty config when it has none)."""
    where = str(pyproject)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("msdev") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return ProjectConfig(path=pyproject)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.msdev] must be a table")
    try:
        select = parse_selectors(_strings(table, "select", where), f"{where}: select") \
            if table.get("select") is not None else None
        ignore = parse_selectors(_strings(table, "ignore", where), f"{where}: ignore") \
            if table.get("ignore") is not None else None
    except SelectorError as exc:
        raise ConfigError(str(exc)) from None
    profile = table.get("profile")
    if profile is not None and profile not in PROFILES:
        raise ConfigError(f"{where}: `profile` must be one of {', '.join(PROFILES)}, got {profile!r}")
    baseline = table.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise ConfigError(f"{where}: `baseline` must be a file name")
    return ProjectConfig(
        path=pyproject, select=select, ignore=ignore, exclude=_strings(table, "exclude", where) or (),
        profile=profile, baseline=(pyproject.parent / baseline) if baseline else None,
        unknown=tuple(k for k in table if k not in KEYS))


def config_for(start: str | Path) -> ProjectConfig:
    """The configuration that applies to `start` (empty when no pyproject.toml is found)."""
    found = find_pyproject(start)
    return read_config(found) if found is not None else ProjectConfig()


__all__ = ["ConfigError", "ProjectConfig", "config_for", "find_pyproject", "read_config"]
