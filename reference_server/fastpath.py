"""The per-event path the server runs: compiled (``_fastpath.c``) when that extension was built and
imports, else the Python of translate.py and kv.py (and envelopes.py's integer walk), which defines it.

``HECC_PURE_PYTHON=1`` in the environment chooses the Python path (tests/mutants/run_mutmut.sh sets
it, so mutmut's mutants of translate.py and kv.py are what runs). tests/server/test_fastpath.py
proves both paths equal.
"""

from __future__ import annotations

import os
from types import ModuleType

from . import translate

__all__ = ["COMPILED", "PATH", "translate_events", "translate_raw"]


def _compiled() -> tuple[ModuleType | None, str]:
    if os.environ.get("HECC_PURE_PYTHON"):
        return None, "pure Python (HECC_PURE_PYTHON is set)"
    try:
        from . import _fastpath
    except ImportError as exc:
        return None, f"pure Python (the compiled path is not available: {exc})"
    return _fastpath, "compiled"


COMPILED, PATH = _compiled()
"""The compiled module or None, and how the start-up line names the path."""
translate_events = COMPILED.translate_events if COMPILED else translate.translate_events
translate_raw = COMPILED.translate_raw if COMPILED else translate.translate_raw
