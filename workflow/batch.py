"""Work on many thousands of rows at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk job builds its rows.

    Each collection rescans every live object, and 100,000 rows held in memory made the
    collector run often enough to take a third of an import. Nothing built here forms
    a reference cycle, so reference counting alone frees it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
