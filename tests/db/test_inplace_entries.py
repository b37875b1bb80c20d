"""An in-place Tensor method (`x.name_()`) whose out-of-place method has a MindSpore target converts: the
converter falls back to storing the out-of-place result, so its own entry must not tell `msdev scan` (and
the editor) it is unsupported while `msdev convert` writes it out."""

from __future__ import annotations

from msdev.db.loader import load_database


def test_inplace_methods_with_a_converted_base_are_not_unsupported():
    db = load_database()
    refused = []
    for api, entry in db.entries.items():
        if not api.startswith("torch.Tensor.") or not api.endswith("_") or api.endswith("__"):
            continue
        base = db.entries.get(api[:-1])
        if base is None or base.target("portable").status in ("unsupported", "manual"):
            continue
        if entry.target("portable").status in ("unsupported", "manual"):
            refused.append(api)
    assert refused == []
