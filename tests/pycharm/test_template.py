"""The LSP4IJ template: its files, and a replay of what LSP4IJ 0.20.1 sends, through the
template's own command (split the way LSP4IJ splits it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from msdev.cli.pycharm import TEMPLATE_FILES, template_files
from tests.lsp.conftest import LSP4IJ, ROOT, TEST_DB, fixture_payload
from tests.lsp.rawclient import RawClient

REPO_TEMPLATE = ROOT / "pycharm-client" / "msdev"


def lsp4ij_split(command: str) -> list[str]:
    """LSP4IJ's command-line split: on spaces outside double quotes; the quotes are dropped."""
    args, current, quoted, started = [], [], False, False
    for ch in command:
        if ch == '"':
            quoted = not quoted
            started = True
        elif ch == " " and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
    if started:
        args.append("".join(current))
    return args


def test_split_like_lsp4ij():
    assert lsp4ij_split('bash -lc "python3 -m msdev lsp"') == ["bash", "-lc", "python3 -m msdev lsp"]
    assert lsp4ij_split('"/opt/my env/python" -m msdev  lsp') == ["/opt/my env/python", "-m", "msdev", "lsp"]


@pytest.mark.parametrize("folder", ["repo", "generated"])
def test_template_files(folder: str, tmp_path: Path):
    if folder == "repo":
        root = REPO_TEMPLATE
    else:
        root = tmp_path / "tpl"
        out = subprocess.run([sys.executable, "-m", "msdev", "pycharm-template", "-o", str(root)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in root.iterdir())
    assert names == sorted(TEMPLATE_FILES), "LSP4IJ only knows these names"
    for p in root.glob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))  # every JSON parses
    template = json.loads((root / "template.json").read_text(encoding="utf-8"))
    assert template["id"] == "msdev" and template["name"]
    args = template["programArgs"]
    assert isinstance(args, dict) and set(args) >= {"default", "windows", "mac", "unix"}
    assert all(isinstance(v, str) and "-m msdev lsp" in v for v in args.values())
    assert {m["languageId"] for m in template["languageMappings"]} == {"python"}
    assert {m["languageId"] for m in template["fileTypeMappings"]} == {"python"}
    assert template["languageMappings"][0]["language"] == "Python"
    settings = json.loads((root / "settings.json").read_text(encoding="utf-8"))
    assert set(settings["msdev"]) == {"profile", "severity", "ignore", "showLikelyTensorMethods"}
    init = json.loads((root / "initializationOptions.json").read_text(encoding="utf-8"))
    assert init == settings["msdev"]


def test_generic_template_uses_a_login_shell():
    program = json.loads(template_files(None)["template.json"])["programArgs"]
    assert lsp4ij_split(program["unix"])[:2] == ["bash", "-lc"] and lsp4ij_split(program["mac"])[:2] == ["bash", "-lc"]
    assert "pip install msdev-migrate" in template_files(None)["README.md"]


def test_repo_template_is_the_generated_one():
    for name, text in template_files(None).items():
        assert (REPO_TEMPLATE / name).read_text(encoding="utf-8") == text, f"regenerate {name}"


def test_bad_python_is_a_user_error(tmp_path: Path):
    out = subprocess.run([sys.executable, "-m", "msdev", "pycharm-template", "-o", str(tmp_path / "t"),
                          "--python", str(tmp_path / "nope")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "not an executable file" in out.stderr and "Traceback" not in out.stderr


def _unix_command(root: Path) -> list[str]:
    template = json.loads((root / "template.json").read_text(encoding="utf-8"))
    return lsp4ij_split(template["programArgs"]["unix"])


@pytest.mark.parametrize("which", ["generated", "repo"])
def test_replay_lsp4ij(which: str, tmp_path: Path):
    source = (ROOT / "tests" / "fixtures" / "lsp" / "sample.py").read_text(encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "model.py").write_text(source, encoding="utf-8")
    env = dict(os.environ, MSDEV_DB=str(TEST_DB))
    if which == "generated":
        tpl = tmp_path / "tpl"
        subprocess.run([sys.executable, "-m", "msdev", "pycharm-template", "-o", str(tpl)], check=True,
                       capture_output=True, timeout=60)
    else:
        # `bash -lc "python3 -m msdev lsp"`: a login shell, so the user's profile puts this
        # interpreter first on PATH (a PATH merely inherited from the IDE is not relied on)
        tpl = REPO_TEMPLATE
        home = tmp_path / "home"
        home.mkdir()
        (home / ".bash_profile").write_text(f'export PATH="{os.path.dirname(sys.executable)}:$PATH"\n',
                                            encoding="utf-8")
        env["HOME"] = str(home)
    argv = _unix_command(tpl)
    settings = json.loads((tpl / "settings.json").read_text(encoding="utf-8"))
    init_options = json.loads((tpl / "initializationOptions.json").read_text(encoding="utf-8"))
    client = RawClient(argv, env=env, cwd=str(project))
    # LSP4IJ answers workspace/configuration from settings.json, by section
    client.responders["workspace/configuration"] = lambda p: [settings.get(i.get("section")) for i in p["items"]]
    try:
        result = client.request("initialize", fixture_payload(LSP4IJ, project, init_options), timeout=30)
        caps = result["capabilities"]
        assert caps["codeActionProvider"]["resolveProvider"] is True
        client.notify("initialized", {})
        client.notify("workspace/didChangeConfiguration", {"settings": settings})
        uri = (project / "model.py").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": source}})
        # LSP4IJ advertises pull diagnostics, so it is pulled
        assert "diagnosticProvider" in caps
        report = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        diags = report["items"]
        assert len(diags) == 11
        first = diags[0]
        assert first["code"] == "MS101" and first["source"] == "msdev"
        cat = next(d for d in diags if d["message"].startswith("torch.cat → mindspore.ops.cat"))
        hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                      "position": cat["range"]["start"]})
        assert hover["contents"]["kind"] == "markdown" and "`mindspore.ops.cat`" in hover["contents"]["value"]
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": cat["range"],
            "context": {"diagnostics": [cat], "only": ["quickfix"], "triggerKind": 2}})
        assert actions and all(a["kind"].startswith("quickfix") for a in actions)
        action = actions[0]
        if "edit" not in action:
            action = client.request("codeAction/resolve", action)
        [change] = action["edit"]["documentChanges"]
        lines = source.split("\n")
        for e in sorted(change["edits"], key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                        reverse=True):
            s, t = e["range"]["start"], e["range"]["end"]
            assert s["line"] == t["line"] or e["newText"] == ""
            line = lines[s["line"]]

            def cp(units: int, text: str) -> int:  # UTF-16 units → code points
                n = 0
                for i, ch in enumerate(text):
                    if n >= units:
                        return i
                    n += 2 if ord(ch) > 0xFFFF else 1
                return len(text)

            a, b = cp(s["character"], line), cp(t["character"], line)
            lines[s["line"]] = line[:a] + e["newText"] + line[b:]
        fixed = "\n".join(lines).split("\n")
        assert '        label = "ünïcödé 😀"; z = ops.cat([y, y], axis=1)' in fixed
        assert "from mindspore import ops" in fixed
        # the convert action's raw JSON keeps its kind and command
        source_actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": cat["range"], "context": {"diagnostics": [], "only": ["source"]}})
        kinds = {a["kind"] for a in source_actions}
        assert kinds == {"source.fixAll.msdev", "source.convertToMindSpore.msdev"}
        code = client.shutdown()
        assert code == 0
    finally:
        client.kill()
