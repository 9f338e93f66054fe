"""The mutant catalogue: every broken HEC behaviour the corpus must detect (`hecc mutants`).

Each is a proxy in front of the real reference server (test-only code, never in the server's
shipped code paths) breaking one SPEC rule the way an implementer plausibly would, most of them a
divergence recorded in research/hec-sources.md §10-11.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "suite")]  # these modules, and tests/suite/broken_servers

from broken_servers import ALL as SUITE_BROKEN_SERVERS  # noqa: E402
from mutant_proxy import ProxyMutant  # noqa: E402
from mutant_requests import (  # noqa: E402
    ArrayBatchRejected,
    BearerRefused,
    BlankEventRejected,
    FormBodyRefused,
    GzipIgnored,
    HealthAliasMissing,
    IndexMismatchStored,
    NestedFieldsRejected,
    PackedRejected,
    QueryTokenIgnored,
    StringTimeIgnored,
    TimeUnitGuess,
    UnknownMemberRejected,
)
from mutant_responses import AckIdsGlobal, AckTrueTwice, EmptyHealthBody, NoInvalidEventNumber  # noqa: E402
from mutant_stored import KvQuotesKept, TagsDropped, TimezoneShifts  # noqa: E402

MUTANTS = tuple(
    ProxyMutant(b)
    for b in (
        *SUITE_BROKEN_SERVERS,  # unknown token 401, partial batch, float time, sticky time, no alias, 202
        BearerRefused,
        UnknownMemberRejected,
        GzipIgnored,
        TimeUnitGuess,
        BlankEventRejected,
        NestedFieldsRejected,
        ArrayBatchRejected,
        PackedRejected,
        FormBodyRefused,
        QueryTokenIgnored,
        IndexMismatchStored,
        StringTimeIgnored,
        HealthAliasMissing,
        NoInvalidEventNumber,
        EmptyHealthBody,
        AckTrueTwice,
        AckIdsGlobal,
        KvQuotesKept,
        TagsDropped,
        TimezoneShifts,
    )
)
