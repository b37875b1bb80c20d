"""`msdev db verify`: every rewrite in the mapping database executed on PyTorch and MindSpore.

examples.py turns an entry's example (PyTorch terms only) into a PyTorch program and, through
msdev's own converter, into the MindSpore program; worker.py runs both and compare.py judges
the outputs; runner.py spreads examples over worker processes that may crash; records.py keeps
the results in mapping_db/verified/. Only worker.py (and gen.py) import torch or mindspore.
"""

INSTALL_HINT = "msdev db verify needs torch and mindspore: pip install 'msdev-migrate[verify]'"
