"""The VS Code extension's severity settings, generated from the registry.

`vscode-client/package.json` (the `msdev.severity.<status>` settings: default and description)
and the DEFAULT_SEVERITY table of `vscode-client/src/settings.ts` are rewritten from each
status rule's default severity. Run after editing a rule:

    python -m msdev.rules.editor_settings [REPO_ROOT]

(tests/rules checks that both files match the registry).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from . import BY_STATUS

PACKAGE_JSON = Path("vscode-client") / "package.json"
SETTINGS_TS = Path("vscode-client") / "src" / "settings.ts"
_TS_TABLE = re.compile(r"(export const DEFAULT_SEVERITY: Readonly<Record<Status, Severity>> = Object\.freeze\(\{\n)"
                       r"(.*?)(\n\}\);)", re.S)


def severity_setting(status: str) -> dict:
    """The `default` and `markdownDescription` of `msdev.severity.<status>`."""
    spec = BY_STATUS[status]
    return {"default": spec.severity,
            "markdownDescription": f"Severity of `{status}` findings: {spec.summary.rstrip('.')} ({spec.code}). "
                                   "`off` hides them."}


def package_json_text(text: str) -> str:
    data = json.loads(text)
    props = data["contributes"]["configuration"]["properties"]
    for status in BY_STATUS:
        key = f"msdev.severity.{status}"
        if key in props:
            props[key].update(severity_setting(status))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _ts_key(status: str) -> str:
    return status if status.isidentifier() else json.dumps(status)


def settings_ts_text(text: str) -> str:
    body = "\n".join(f"  {_ts_key(s)}: {json.dumps(r.severity)}," for s, r in BY_STATUS.items())
    new, n = _TS_TABLE.subn(lambda m: m.group(1) + body + m.group(3), text, count=1)
    if n != 1:
        raise ValueError(f"{SETTINGS_TS}: DEFAULT_SEVERITY table not found")
    return new


def sync(root: Path) -> list[Path]:
    changed = []
    for rel, render in ((PACKAGE_JSON, package_json_text), (SETTINGS_TS, settings_ts_text)):
        path = root / rel
        old = path.read_text(encoding="utf-8")
        new = render(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # pragma: no cover
    top = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]
    for p in sync(top):
        print(p)
