"""Worker processes leave Ctrl-C to their parent.

A terminal sends SIGINT to its whole process group: without this, every pool worker prints its
own KeyboardInterrupt traceback before the parent reports `msdev: error: interrupted`. Workers
ignore the signal; the parent stops the pool (terminate) and reports once.
"""

from __future__ import annotations

import signal


def ignore_interrupts() -> None:
    """Call first in every pool initializer."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread of the worker: nothing to do
        pass
