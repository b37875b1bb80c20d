"""The names torch.fx and dynamo print for public functions (`torch.functional.<name>` for `torch.<name>`,
`torch._C._special.special_<name>` for `torch.special.<name>`, likewise `_linalg` and `_fft`) bind the same
functions with the same arguments: their entries convert alike."""

from __future__ import annotations

from msdev.db.loader import load_database


#: printed prefix → the public namespace it binds
_ALIASES = {"torch.functional.": "torch.", "torch._C._special.special_": "torch.special.",
            "torch._C._linalg.linalg_": "torch.linalg.", "torch._C._fft.fft_": "torch.fft."}


def test_printed_names_convert_as_their_public_functions():
    db = load_database()
    differ = []
    for api, entry in db.entries.items():
        prefix = next((p for p in _ALIASES if api.startswith(p)), None)
        if prefix is None:
            continue
        public = db.entries.get(_ALIASES[prefix] + api[len(prefix):])
        if public is None:
            continue
        mine, theirs = entry.target("portable"), public.target("portable")
        if (entry.params, mine.api, mine.status, mine.templates, mine.args) != (
                public.params, theirs.api, theirs.status, theirs.templates, theirs.args):
            differ.append(api)
    assert differ == []
