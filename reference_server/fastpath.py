"""The compiled paths the server runs, chosen here and nowhere else.

The per-event path: compiled (``_fastpath.c``) when that extension was built and imports, else the
Python of translate.py and kv.py (and envelopes.py's integer walk), which defines it.
The store's rows: written by ``_rowwriter.c`` on SQLite's C API (its own connection to the data file,
without the GIL) when that extension was built and imports (it refuses to where its SQLite is not
the copy Python's sqlite3 runs), else by the store's executemany, which defines them. The in-memory
store always writes in Python (a second connection cannot share ``:memory:``).

``HECC_PURE_PYTHON=1`` in the environment chooses the Python for both (tests/mutants/run_mutmut.sh
sets it, so mutmut's mutants of translate.py and kv.py are what runs); ``HECC_PYTHON_ROWS=1`` for the
rows only. tests/server/test_fastpath.py and tests/server/test_rowwriter.py prove the paths equal.
"""

from __future__ import annotations

import os
from types import ModuleType

from . import translate

__all__ = ["COMPILED", "PATH", "ROWS", "ROW_WRITER", "translate_events", "translate_raw"]


def _compiled() -> tuple[ModuleType | None, str]:
    if os.environ.get("HECC_PURE_PYTHON"):
        return None, "pure Python (HECC_PURE_PYTHON is set)"
    try:
        from . import _fastpath
    except ImportError as exc:
        return None, f"pure Python (the compiled path is not available: {exc})"
    return _fastpath, "compiled"


def _row_writer() -> tuple[ModuleType | None, str]:
    for switch in ("HECC_PURE_PYTHON", "HECC_PYTHON_ROWS"):
        if os.environ.get(switch):
            return None, f"Python ({switch} is set)"
    try:
        from . import _rowwriter
    except ImportError as exc:
        return None, f"Python (the compiled row writer is not available: {exc})"
    return _rowwriter, "compiled"


COMPILED, PATH = _compiled()
"""The compiled module or None, and how the start-up line names the path."""
ROW_WRITER, ROWS = _row_writer()
"""The compiled row writer or None, and how the start-up line names it (``rows: ...``)."""
translate_events = COMPILED.translate_events if COMPILED else translate.translate_events
translate_raw = COMPILED.translate_raw if COMPILED else translate.translate_raw
