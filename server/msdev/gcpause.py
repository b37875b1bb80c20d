"""Pause the cyclic garbage collector around a file's parse + analysis or conversion.

Parsing allocates millions of AST nodes; each burst of allocations triggers collections that
scan everything alive (the database, the whole tree so far) and find nothing: ASTs hold no
reference cycles and are freed by reference counting. The cost of those scans grows with the
heap, which made converting a file superlinear in its size; paused, it is linear.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def gc_frozen():
    """Keep every object alive on entry out of the collections until exit (`gc.freeze`).

    `msdev convert` holds the parsed trees of the whole project while it converts the files
    one by one, and each older-generation collection scanned all of them again (a third of the
    run's CPU on the corpus). Frozen objects are still freed by reference counting."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
