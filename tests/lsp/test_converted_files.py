"""Issue 21 item 12: after conversion the editor shows what is left to do, and nothing of msdev's own.

A converted file keeps `# msdev: [UnConvert]` markers above what msdev could not convert: each
is a diagnostic. The MindSpore code msdev wrote (`self.weight.reshape(...)` on a converted Cell)
is not flagged. A fix-all that cannot apply says so in the editor.
"""

from __future__ import annotations

import sys

from msdev.lsp.converted import UNCONVERT_TAG
from msdev.rewrite import UNCONVERT_TAG as WRITTEN_TAG

from .conftest import LSP4IJ, ROOT, fixture_payload
from .rawclient import RawClient

CONVERTED = f'''import mindspore
from mindspore import nn
from mindspore import ops as F


class FrozenNorm(nn.Cell):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("weight", F.ones(n))

    def construct(self, x):
        w = self.weight.reshape(1, -1, 1, 1)
        print(self.weight.shape[0], x.view(-1))
        {UNCONVERT_TAG} torch.Tensor.storage: msdev's database has no entry for it; see the MindSpore API mapping tables.
        s = x.storage()
        return x * w
'''


def _server(tmp_path) -> RawClient:
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(ROOT / "mapping_db"), "--diagnostics", "push",
                        "--debounce-ms", "10"])
    client.responders["workspace/configuration"] = lambda p: [None]
    client.request("initialize", fixture_payload(LSP4IJ, tmp_path), timeout=60)
    client.notify("initialized", {})
    return client


def _open(client, uri, text):
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": text}})
    return client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, 30)["diagnostics"]


def test_the_tag_is_the_one_convert_writes():
    assert UNCONVERT_TAG == WRITTEN_TAG


def test_markers_are_diagnostics_and_msdev_output_is_not(tmp_path):
    client = _server(tmp_path)
    try:
        diags = _open(client, (tmp_path / "conv.py").as_uri(), CONVERTED)
        marker_line = CONVERTED.split("\n").index(next(l for l in CONVERTED.split("\n") if UNCONVERT_TAG in l))
        assert [(d["range"]["start"]["line"], d["data"]["api"]) for d in diags] == [
            (marker_line, "torch.Tensor.storage")], diags
        assert "left for you by msdev" in diags[0]["message"]
        assert client.shutdown() == 0
    finally:
        client.kill()


def test_plain_pytorch_code_keeps_its_member_findings(tmp_path):
    client = _server(tmp_path)
    try:
        text = CONVERTED.replace("import mindspore\nfrom mindspore import nn\nfrom mindspore import ops as F\n",
                                 "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n")
        text = text.replace("nn.Cell", "nn.Module").replace("def construct", "def forward")
        apis = {d["data"]["api"] for d in _open(client, (tmp_path / "torch_code.py").as_uri(), text)}
        assert "torch.Tensor.reshape" in apis
        assert client.shutdown() == 0
    finally:
        client.kill()


def test_fix_all_that_cannot_apply_tells_the_user(tmp_path):
    client = _server(tmp_path)
    try:
        uri = (tmp_path / "m.py").as_uri()
        text = "import torch\n\nx = torch.zeros(3)\ny = torch.flatten(x)\n"
        _open(client, uri, text)
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll.msdev"]}})
        (fix_all,) = actions
        # the user types where msdev would edit, leaving a syntax error: the analysis cannot follow
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 4}}, "text": "("}]})
        client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and p.get("version") == 2, 30)
        resolved = client.request("codeAction/resolve", fix_all)
        assert "edit" not in resolved or not resolved["edit"]
        shown = client.wait_notification("window/showMessage", timeout=10)
        assert shown["type"] == 2 and "fix-all was not applied to m.py" in shown["message"]
        assert client.shutdown() == 0
    finally:
        client.kill()
