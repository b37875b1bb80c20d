"""`getattr(nn, name)` with a name known only at run time: adapters for the layers the file names in
strings, and a report note saying what the lookup does not cover."""

from __future__ import annotations

from msdev.rewrite import convert_text
from tests.conftest import FIXTURES


def test_lookup_note_names_the_adapted_layers(db):
    conv = convert_text((FIXTURES / "convert" / "layer_by_name.in.py").read_text(encoding="utf-8"), db)
    notes = [n for n in conv.notes if "getattr(nn" in n]
    assert sorted(n.split(":")[0] for n in notes) == ["line 13", "line 15", "line 27"]
    assert all(", GELU, " in n and ", LayerNorm, " in n for n in notes)


def test_lookup_covers_the_layers_model_configs_name(db):
    conv = convert_text("import torch.nn as nn\n\ndef make(kind, *args):\n    return getattr(nn, kind)(*args)\n", db)
    assert "(lambda name_: {" in conv.text and "'ConvTranspose2d': " in conv.text and "'Upsample': " in conv.text
    assert "or getattr(nn, name_))(kind)(*args)" in conv.text  # names outside the table: mindspore.nn's
    assert any("takes MindSpore's arguments, except for" in n and "Upsample" in n for n in conv.notes)
