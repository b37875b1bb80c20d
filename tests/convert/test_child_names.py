"""Parameters of children added by name (tests/fixtures/convert/named_children.*) carry the names
PyTorch's state_dict gives them once converted: MindSpore's `load_param_into_net` matches a
checkpoint by `Parameter.name`, which MindSpore sets when a child is set as an attribute."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from tests.conftest import FIXTURES  # noqa: E402

CASE = FIXTURES / "convert" / "named_children"
CLASSES = ("Net", "Stages")

_MS_NAMES = """
import importlib.util, json, sys
sys.path.insert(0, {runner_dir!r})
from constructs_runner import _NoTorch
sys.meta_path.insert(0, _NoTorch())
spec = importlib.util.spec_from_file_location("named_children_ms", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({{c: [p.name for p in getattr(module, c)().get_parameters()] for c in {classes!r}}}))
"""


def _layers(names) -> list[str]:
    """The owning layer of each parameter (MindSpore renames the last part: weight → gamma)."""
    return sorted({n.rsplit(".", 1)[0] for n in names if not n.endswith("num_batches_tracked")})


def test_children_added_by_name_keep_pytorch_parameter_paths():
    import importlib.util

    spec = importlib.util.spec_from_file_location("named_children_torch", f"{CASE}.in.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = {c: _layers(getattr(module, c)().state_dict()) for c in CLASSES}
    code = _MS_NAMES.format(runner_dir=os.path.dirname(__file__), path=f"{CASE}.out.py", classes=CLASSES)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, GLOG_v="3"))
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    for c in CLASSES:
        assert _layers(got[c]) == expected[c], c
