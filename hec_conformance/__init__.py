"""HEC conformance suite: run the case corpus against an HTTP Event Collector endpoint.

The public API: load a target file, run cases with the engine, listen to result events.

    from hec_conformance import Engine, load_target, load_cases, load_catalogue
    engine = Engine(load_target("target.yaml"), load_catalogue(), listeners=[print])
    for case in load_cases():
        for variant in engine.variants(case):
            engine.run(case, variant)
"""

from hec_conformance.catalogue import load_catalogue
from hec_conformance.corpus import Case, CorpusError, load_cases
from hec_conformance.engine import Engine
from hec_conformance.matchers import FieldDiff
from hec_conformance.readback import ReadbackError
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    Diff,
    EventsRead,
    RequestSent,
    ResponseReceived,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.target import Target, TargetError, load_target
from hec_conformance.transport import HttpRequest, HttpResponse, Transport, TransportError
from hec_conformance.waivers import suite_version

__version__ = suite_version()  # from the package metadata: pyproject.toml holds the one version

__all__ = [
    "Case",
    "CaseFinished",
    "CaseStarted",
    "CorpusError",
    "Diff",
    "Engine",
    "EventsRead",
    "FieldDiff",
    "HttpRequest",
    "HttpResponse",
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
