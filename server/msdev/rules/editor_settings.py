"""The VS Code extension's rule settings, generated from the registry.

`vscode-client/package.json` (the `msdev.severity.<status>` settings: default and description;
`msdev.select` and `msdev.ignore`: the rule codes they accept) and the DEFAULT_SEVERITY table of
`vscode-client/src/settings.ts` are rewritten from the registry. Run after editing a rule:

    python -m msdev.rules.editor_settings [REPO_ROOT]

(tests/rules checks that both files match the registry).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from . import BY_STATUS, REGISTRY

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


#: a rule code or prefix as `msdev.select` / `--select` accept it (`MS103`, `MS2`)
CODE_PATTERN = "^[Mm][Ss][0-9]*$"


def _codes_text() -> str:
    """The registry's codes, grouped by hundred (`MS100`–`MS107`, `MS200`–`MS226`)."""
    groups: dict[str, list[str]] = {}
    for code in REGISTRY:
        groups.setdefault(code[:3], []).append(code)
    return ", ".join(f"`{c[0]}`–`{c[-1]}`" if len(c) > 1 else f"`{c[0]}`" for c in groups.values())


def select_setting() -> dict:
    """`msdev.select`: the rules reported in the editor, by code or prefix (as `--select`)."""
    return {"type": "array", "items": {"type": "string", "pattern": CODE_PATTERN}, "default": [],
            "scope": "resource",
            "markdownDescription": f"Rules reported, by code or prefix (`MS2`, `MS103`); empty: every rule, or "
                                   f"`[tool.msdev] select` of the project. Codes: {_codes_text()} "
                                   "(`msdev rule --all` lists them)."}


def ignore_description() -> str:
    return ("PyTorch APIs (`torch.manual_seed`, `torch.Tensor.*`) and rules (by code or prefix, e.g. `MS107`) "
            f"that msdev does not report; added to `[tool.msdev] ignore`. Codes: {_codes_text()}.")


def package_json_text(text: str) -> str:
    data = json.loads(text)
    config = data["contributes"]["configuration"]
    props = config["properties"]
    for status in BY_STATUS:
        key = f"msdev.severity.{status}"
        if key in props:
            props[key].update(severity_setting(status))
    if "msdev.ignore" in props:
        props["msdev.ignore"]["markdownDescription"] = ignore_description()
        if "msdev.select" not in props:  # placed before msdev.ignore
            props = {k: v for key, value in props.items()
                     for k, v in ((("msdev.select", {}),) if key == "msdev.ignore" else ()) + ((key, value),)}
            config["properties"] = props
    props["msdev.select"] = select_setting()
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
