"""HEC conformance suite: run the case corpus against an HTTP Event Collector endpoint.

The public API: load a target file, run cases with the engine, listen to result events.

    from hec_conformance import Engine, load_target, load_cases, load_catalogue
    engine = Engine(load_target("target.yaml"), load_catalogue())
    cases = load_cases()
    for event in engine.execute((case, variant) for case in cases for variant in engine.variants(case)):
        print(event.to_dict())

Names load on first use: importing the package (as pytest does for the plugin of every session in an
environment where the suite is installed) costs nothing. PYTEST_DONT_REWRITE: the package is imported
before pytest starts under `hecc run`, and holds no tests whose asserts pytest should rewrite.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.corpus import Case, CorpusError, load_cases
    from hec_conformance.engine import Engine
    from hec_conformance.matchers import FieldDiff
    from hec_conformance.readback import ReadbackError
    from hec_conformance.results import (
        CaseFinished,
        CaseStarted,
        Check,
        EventsRead,
        RequestSent,
        ResponseReceived,
        ResultEvent,
        RunFinished,
        RunStarted,
    )
    from hec_conformance.target import Target, TargetError, load_target
    from hec_conformance.transport import HttpRequest, HttpResponse, Transport, TransportError
    from hec_conformance.verdict import Outcome


_HOMES = {
    "hec_conformance.catalogue": ("load_catalogue",),
    "hec_conformance.corpus": ("Case", "CorpusError", "load_cases"),
    "hec_conformance.engine": ("Engine",),
    "hec_conformance.matchers": ("FieldDiff",),
    "hec_conformance.readback": ("ReadbackError",),
    "hec_conformance.results": (
        "CaseFinished",
        "CaseStarted",
        "Check",
        "EventsRead",
        "RequestSent",
        "ResponseReceived",
        "ResultEvent",
        "RunFinished",
        "RunStarted",
    ),
    "hec_conformance.target": ("Target", "TargetError", "load_target"),
    "hec_conformance.transport": ("HttpRequest", "HttpResponse", "Transport", "TransportError"),
    "hec_conformance.verdict": ("Outcome",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Case",
    "CaseFinished",
    "CaseStarted",
    "CorpusError",
    "Check",
    "Engine",
    "EventsRead",
    "FieldDiff",
    "HttpRequest",
    "HttpResponse",
    "Outcome",
    "ReadbackError",
    "RequestSent",
    "ResponseReceived",
    "ResultEvent",
    "RunFinished",
    "RunStarted",
    "Target",
    "TargetError",
    "Transport",
    "TransportError",
    "load_cases",
    "load_catalogue",
    "load_target",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562)."""
    if name == "__version__":  # from the package metadata: pyproject.toml holds the one version
        from hec_conformance.waivers import suite_version

        return suite_version()
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'hec_conformance' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
