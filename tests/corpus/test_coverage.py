"""coverage(): requirement -> profile -> case ids, with a gap wherever no case checks a pair."""

from __future__ import annotations

from hec_conformance.catalogue import load_catalogue
from hec_conformance.corpus import Expect, Request, coverage, gaps, load_cases

CASES = """
area: mix
cases:
  - id: body-both
    title: empty body
    requirements: [BODY-4, BODY-11]
    requests:
      - {endpoint: event, expect: {status: 400}}
  - id: body-splunk
    title: unknown members, splunk
    requirements: [BODY-11, SPL-2]
    profiles: [splunk]
    requests:
      - {endpoint: event, events: [{event: x, host: 1}], expect: {status: 400}}
  - id: time-humio
    title: decimal time
    requirements: [TIME-1]
    profiles: [humio]
    level: SHOULD
    requests:
      - {endpoint: event, events: [{time: 1.5, event: x}], expect: {events: [{"@timestamp": 1500}]}}
"""


def test_coverage_table_and_gaps(case_files):
    catalogue = load_catalogue()
    cases = load_cases([case_files.write("mix.yaml", CASES)])
    table = coverage(cases, catalogue)
    assert set(table) == set(catalogue)
    assert table["BODY-4"] == {"humio": ["body-both"], "splunk": ["body-both"]}
    assert table["BODY-11"] == {"humio": ["body-both"], "splunk": ["body-both", "body-splunk"]}
    assert table["SPL-2"] == {"splunk": ["body-splunk"]}
    assert table["TIME-1"] == {"humio": ["time-humio"]}
    assert table["KV-1"] == {"humio": []}
    missing = gaps(table)
    assert ("KV-1", "humio") in missing and ("BODY-4", "splunk") not in missing
    assert ("SPL-2", "humio") not in missing and ("TIME-1", "splunk") not in missing
    pairs = sum(len(req.levels) for req in catalogue.values())
    assert len(missing) == pairs - 6


def test_case_fields_and_levels(case_files):
    catalogue = load_catalogue()
    path = case_files.write("mix.yaml", CASES)
    both, splunk, humio = load_cases([path])
    assert (both.area, both.file, both.line, both.profiles) == ("mix", path, 3, ("humio", "splunk"))
    assert both.variants is True and both.readback_start is None and both.needs == frozenset()
    assert both.requests == (Request(endpoint="event", expect=Expect(status=(400,))),)
    assert both.level_for("humio", catalogue) == "MUST"
    assert both.level_for("splunk", catalogue) == "MUST"
    assert splunk.level_for("splunk", catalogue) == "MUST"
    assert humio.level_for("humio", catalogue) == "SHOULD"
    assert len({both.content_hash, splunk.content_hash, humio.content_hash}) == 3
    again = load_cases(
        [case_files.write("mix.yaml", CASES.replace("title: empty body", "title: 'empty body'"))]
    )
    assert again[0].content_hash == both.content_hash, "the hash is of the data, not the spelling"
    changed = load_cases(
        [
            case_files.write(
                "mix.yaml", CASES.replace("status: 400}}\n  - id: body-s", "status: 401}}\n  - id: body-s")
            )
        ]
    )
    assert changed[0].content_hash != both.content_hash
