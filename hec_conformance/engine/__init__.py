"""The engine: variants → request bytes → transport → read-back → matchers → result events.

It never imports pytest, a report writer or a front end; it only emits result events.
"""

from hec_conformance.engine.build import BuiltRequest, build_request
from hec_conformance.engine.placeholders import Context
from hec_conformance.engine.runner import Engine
from hec_conformance.engine.variants import VARIANTS, apply_variant, case_variants

__all__ = [
    "VARIANTS",
    "BuiltRequest",
    "Context",
    "Engine",
    "apply_variant",
    "build_request",
    "case_variants",
]
