"""Issue 21 item 7: every command that loads a database checks it first.

A malformed database or project `msdev_mappings.yaml` gives `file:line: problem` and exit 2
(never a traceback); the language server says so in the editor and keeps serving with the
database it can use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from msdev.db.loader import DatabaseInvalid, load_database
from tests.conftest import FIXTURES, ROOT
from tests.lsp.conftest import LSP4IJ, fixture_payload
from tests.lsp.rawclient import RawClient

BAD_OVERLAYS = {
    "malformed yaml": ("- api: torch.foo\n  kind: [function\n", ":3: malformed YAML"),
    "unknown field": ("- api: torch.zeros\n  kindx: function\n", ":2: unknown entry field 'kindx'"),
    "not a list": ("entries: 3\n", ":1:"),
}


def _msdev(*args, cwd, home):
    env = dict(os.environ, XDG_CACHE_HOME=str(home))  # no database pickle from another run
    return subprocess.run([sys.executable, "-m", "msdev", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.fixture
def project(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "model.py").write_text("import torch\nx = torch.zeros(3)\n")
    return proj


@pytest.mark.parametrize("case", sorted(BAD_OVERLAYS))
@pytest.mark.parametrize("command", ["scan", "convert", "db show"])
def test_bad_overlay_is_reported_with_file_and_line(case, command, project, tmp_path):
    text, where = BAD_OVERLAYS[case]
    (project / "msdev_mappings.yaml").write_text(text)
    args = {"scan": ["scan", project], "convert": ["convert", project, "-o", tmp_path / "out"],
            "db show": ["db", "show", "torch.zeros"]}[command]
    r = _msdev(*args, cwd=project, home=tmp_path / "cache")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    overlay = project / "msdev_mappings.yaml"
    assert r.stderr.startswith(f"msdev: error: {overlay}:"), r.stderr
    assert f"{overlay}{where}" in r.stderr
    assert not (tmp_path / "out").exists()


def test_broken_database_directory(tmp_path):
    r = _msdev("scan", tmp_path, "--db", FIXTURES / "db" / "broken", cwd=tmp_path, home=tmp_path / "cache")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"msdev: error: {FIXTURES / 'db' / 'broken'}"), r.stderr


def test_the_loader_itself_refuses_what_db_check_refuses(tmp_path):
    with pytest.raises(DatabaseInvalid) as info:
        load_database(FIXTURES / "db" / "broken", use_cache=False)
    assert info.value.problems and str(info.value).splitlines()[0] == str(info.value.problems[0])


def test_language_server_shows_the_problem_and_keeps_serving(project, tmp_path):
    (project / "msdev_mappings.yaml").write_text(BAD_OVERLAYS["malformed yaml"][0])
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(ROOT / "mapping_db"),
                        "--diagnostics", "push", "--debounce-ms", "10"], env=env)
    try:
        client.responders["workspace/configuration"] = lambda p: [None]
        result = client.request("initialize", fixture_payload(LSP4IJ, project), timeout=60)
        assert result["capabilities"].get("textDocumentSync")  # a real server, not an empty one
        shown = client.wait_notification("window/showMessage", timeout=10)
        assert shown["type"] == 1 and f"{project / 'msdev_mappings.yaml'}:3: malformed YAML" in shown["message"]
        client.notify("initialized", {})
        uri = (project / "model.py").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": (project / "model.py").read_text()}})
        diags = client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, 20)
        assert any(d["data"]["api"] == "torch.zeros" for d in diags["diagnostics"])
        assert client.shutdown() == 0
    finally:
        client.kill()
