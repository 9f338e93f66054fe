"""The HEC protocol's names, spelled once: endpoint kinds and their paths per profile (SPEC §0, §1),
the headers and the authorization scheme the suite sends, the query API's path (SPEC §9)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PROFILES = ("humio", "splunk")

# The kinds of endpoint a case sends to (SPEC §0 "Endpoints by kind").
EVENT, RAW, ACK, HEALTH = "event", "raw", "ack", "health"
KINDS = (EVENT, RAW, ACK, HEALTH)
# The capability a kind needs (the event endpoint needs none).
KIND_CAPABILITY: Mapping[str, str] = MappingProxyType({RAW: "raw", ACK: "ack", HEALTH: "health"})

COLLECTOR = "/services/collector"
HUMIO_HEC = "/api/v1/ingest/hec"
# Where a case of each kind goes when the target file names no path for it (SPEC §0).
_BOTH = {ACK: f"{COLLECTOR}/ack", HEALTH: f"{COLLECTOR}/health"}
DEFAULT_PATHS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "humio": MappingProxyType({EVENT: HUMIO_HEC, RAW: f"{HUMIO_HEC}/raw", **_BOTH}),
        "splunk": MappingProxyType({EVENT: f"{COLLECTOR}/event", RAW: f"{COLLECTOR}/raw", **_BOTH}),
    }
)
# Every path of SPEC §1 and the kind it serves (EP cases send to them literally).
PATH_KINDS: Mapping[str, str] = MappingProxyType(
    {
        HUMIO_HEC: EVENT,
        COLLECTOR: EVENT,
        f"{COLLECTOR}/event": EVENT,
        f"{COLLECTOR}/event/1.0": EVENT,
        f"{HUMIO_HEC}/raw": RAW,
        f"{COLLECTOR}/raw": RAW,
        f"{COLLECTOR}/raw/1.0": RAW,
        f"{COLLECTOR}/health": HEALTH,
        f"{COLLECTOR}/health/1.0": HEALTH,
        f"{COLLECTOR}/ack": ACK,
    }
)
# The trees of ingest paths: only EP cases name a path in them (docs/cases.md).
INGEST_TREES = (COLLECTOR, HUMIO_HEC)

QUERY_PATH = "/api/v1/repositories/{repository}/query"

CHANNEL_HEADER = "X-Splunk-Request-Channel"
SPLUNK_SCHEME = "Splunk"


def method_for(kind: str | None) -> str:
    """The method a request of this kind is sent with unless the case names one."""
    return "GET" if kind == HEALTH else "POST"


def splunk_authorization(token: str) -> str:
    """The `Authorization` value every Splunk client sends (AUTH-2)."""
    return f"{SPLUNK_SCHEME} {token}"


def ingest_tree(path: str) -> str | None:
    """The ingest tree `path` lies in (`/services/collector/x` → `/services/collector`), or None."""
    bare = path.split("?", 1)[0]
    return next((tree for tree in INGEST_TREES if bare == tree or bare.startswith(tree + "/")), None)
