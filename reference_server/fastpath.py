"""The per-event path the server runs: compiled (``_fastpath.c``) when that extension was built and
imports, else the Python of translate.py and kv.py, which defines it.

``HECC_PURE_PYTHON=1`` in the environment chooses the Python path (tests/mutants/run_mutmut.sh sets
it, so mutmut's mutants of translate.py and kv.py are what runs). tests/server/test_fastpath.py
proves both paths equal.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from . import translate
from .translate import IngestContext, StoredEvent

__all__ = ["PATH", "translate_events", "translate_raw"]

TranslateEvents = Callable[[list[object], IngestContext], list[StoredEvent]]
TranslateRaw = Callable[[list[str], IngestContext], list[StoredEvent]]


def _choose() -> tuple[TranslateEvents, TranslateRaw, str]:
    if os.environ.get("HECC_PURE_PYTHON"):
        return translate.translate_events, translate.translate_raw, "pure Python (HECC_PURE_PYTHON is set)"
    try:
        from . import _fastpath
    except ImportError as exc:
        reason = f"pure Python (the compiled path is not available: {exc})"
        return translate.translate_events, translate.translate_raw, reason
    return _fastpath.translate_events, _fastpath.translate_raw, "compiled"


translate_events, translate_raw, PATH = _choose()
"""The chosen functions, and how the start-up line names the path."""
