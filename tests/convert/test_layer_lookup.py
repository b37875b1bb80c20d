"""`getattr(nn, name)` with a name known only at run time: adapters for the layers the file names in
strings, and a report note saying what the lookup does not cover."""

from __future__ import annotations

from msdev.rewrite import convert_text
from tests.conftest import FIXTURES


def test_lookup_note_names_the_adapted_layers(db):
    conv = convert_text((FIXTURES / "convert" / "layer_by_name.in.py").read_text(encoding="utf-8"), db)
    notes = [n for n in conv.notes if "getattr(nn" in n]
    assert sorted(n.split(":")[0] for n in notes) == ["line 12", "line 14"]
    assert all("except for GELU, LayerNorm" in n for n in notes)


def test_lookup_without_named_layers_stays_mindspore_and_says_so(db):
    conv = convert_text("import torch.nn as nn\n\ndef make(kind, *args):\n    return getattr(nn, kind)(*args)\n", db)
    assert "getattr(nn, kind)(*args)" in conv.text
    assert any("takes MindSpore's arguments" in n and "except" not in n for n in conv.notes)
