"""torch.load converts to a reader of what the converted torch.save pickled; a file PyTorch wrote (a zip
archive) is refused with the way to convert it, not misread."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from msdev.rewrite import convert_text  # noqa: E402

SOURCE = '''
import torch


def read(path):
    return torch.load(path, map_location="cpu")
'''


def test_pytorch_file_is_refused_with_the_conversion_advice(db, tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"w": torch.ones(2)}, path)
    text = convert_text(SOURCE, db).text
    assert "[UnConvert]" not in text and "import torch" not in text, text
    namespace = {"__name__": "converted"}
    exec(compile(text, "converted", "exec"), namespace)
    with pytest.raises(RuntimeError, match="msdev weights convert"):
        namespace["read"](str(path))
