"""The whole corpus against a receiver that behaves as Fluent Bit 5.1.1's `in_splunk` does (issue 10).

`broken_servers/fluentbit_like.py` is the receiver (its own HTTP server, run as a process here);
`hecc run` goes through its target file: profile splunk, command read-back. Verdicts are attributed
per check (issue 10): a requirement is broken only through a failed check attributed to it, and the
set of broken requirements is exactly EXPECTED_FAIL, written by hand from SPEC below.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from suitekit import hecc

from hec_conformance import load_catalogue
from hec_conformance.protocol import DEFAULT_PATHS

RECEIVER = Path(__file__).resolve().parent / "broken_servers" / "fluentbit_like.py"
START_TIMEOUT = 30.0

# Requirements (profile splunk) the receiver breaks, by SPEC, each with the reason.
EXPECTED_FAIL = {
    "ORD-1": "POSTs are authenticated before the path is looked at (unknown path, no token: 401, not 404);"
    " Content-Encoding br is never refused (step 4) and raw never asks for a channel (step 5)",
    "EP-4": "health answers 200 {'text':'Success','code':200}, not code 17; /health/1.0 answers 400 text",
    "EP-6": "unknown paths and wrong methods answer 400 'error: invalid HTTP endpoint|method' in plain"
    " text, not 404 / 405 JSON with Allow (SHOULD)",
    "EP-7": "/services/collector/raw/1.0 answers 400 'invalid HTTP endpoint' (SHOULD)",
    "AUTH-8": "a token query parameter is cut off unread: 401 code 2 without a header, 200 with one, never"
    " 400 code 16",
    "BODY-3": "with the cap json-array-batch declared, `[]` and `[..]{..}` answer 200 (a body not starting"
    " with `{` is one raw record) where BODY-3 asks 400 code 5 / code 6",
    "BODY-4": "a whitespace-only body answers 200 and is stored as one {'log': ...} record, not 400 code 5",
    "BODY-5": "invalid JSON answers 400 code 6 without invalid-event-number; a non-object value after an"
    " envelope answers 200",
    "BODY-6": "invalid UTF-8 and a lone surrogate escape answer 200 (stored with U+FFFD), not 400 code 6",
    "BODY-8": "a corrupt or truncated gzip stream and bytes after the last member answer 200 (the bytes"
    " stored as they came); br answers 200, not 415; x-gzip is not decoded",
    "BODY-12": "path and method errors and the missing Content-Type of raw answer in plain text without"
    " Content-Type application/json; health's code is 200",
    "IDX-3": "the envelope's index is never compared with the token's: 200, not 400 code 7",
    "EVT-5": "no event, null or '' answer 200 and are stored, not 400 code 12 / 13",
    "FLD-4": "object or nested-array fields values answer 200, not 400 code 15",
    "FLD-5": "fields that is not an object answers 200, not 400 code 6",
    "SPL-2": "non-string host, source, sourcetype or index answer 200, not 400 code 6",
    "RAW-4": "raw requests need no channel: 200, not 400 code 10 (none) or 11 (not a GUID)",
    "RAW-6": "a whitespace-only or invalid-UTF-8 raw body answers 200; without Content-Type raw answers a"
    " text 400 and then a second JSON 400 code 6 on the same connection",
}
# Requirements (profile splunk) it meets: no check attributed to them may fail.
EXPECTED_MEET = {
    "ORD-2": "nothing is stored with any non-200 answer (each 400 comes before a record is appended)",
    "EP-1": "POST /services/collector accepts envelopes: 200 code 0 (its same-error case's missing"
    " invalid-event-number is BODY-5's check)",
    "EP-2": "/services/collector/event and /event/1.0 answer exactly as /services/collector",
    "EP-3": "POST /services/collector/raw accepts a raw body with 200 code 0 (the same-error case's"
    " 200 for invalid UTF-8 is RAW-6's check)",
    "AUTH-1": "splunk: Bearer is no 'Splunk ' prefix: 401 code 3",
    "AUTH-2": "'Splunk <token>' is accepted; several spaces answer 403 code 4, which issue 10 does not"
    " count against AUTH-2 (SPEC §2's 'one or more spaces' has no id): auth-several-spaces needs its own"
    " attribution",
    "AUTH-3": "without basic-auth declared, Basic is an unknown scheme: 401 code 3",
    "AUTH-4": "the scheme is compared ignoring case (SPLUNK, splunk accepted; bearer 401 code 3)",
    "AUTH-5": "no Authorization: 401 code 2, before the path and the Content-Type of raw",
    "AUTH-6": "an unknown scheme, 'Splunk' alone or malformed Basic: 401 code 3",
    "AUTH-7": "an unknown token: 403 code 4 (no disabled role is declared)",
    "AUTH-9": "an authentication failure stores nothing",
    "BODY-1": "envelopes separated by any JSON whitespace answer 200 code 0",
    "BODY-2": "envelopes with nothing between them answer 200 code 0",
    "BODY-7": "every Content-Type gets the same answers for a body starting with `{` (issue 10 counts"
    " BODY-7 as met; the whitespace and number checks of framing-content-type-errors-unchanged are BODY-4's"
    " and BODY-5's)",
    "BODY-10": "duplicate members: 200 code 0 (MAY; splunk checks the answer only)",
    "BODY-11": "unknown top-level members: 200 code 0 (MAY in splunk)",
    "SPL-1": "query host/source/sourcetype/index defaults and envelope overrides answer 200 code 0",
}
# Not judged on this target: BODY-9 (no max_request_bytes declared), EP-5 and ACK-* (no ack),
# QRY-* (a command read-back, SPEC §9).
SPLUNK_PATHS = set(DEFAULT_PATHS["splunk"].values())


def start_receiver(tmp: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """The receiver as a process on a free port; its target file once it listens."""
    target = tmp / "fluentbit-like.yaml"
    log = open(tmp / "receiver.log", "wb")  # noqa: SIM115 - the process owns it until it ends
    command = [sys.executable, str(RECEIVER), "--records", str(tmp / "records.jsonl"), "--write-target"]
    proc = subprocess.Popen([*command, str(target)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while not target.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"receiver did not start: {(tmp / 'receiver.log').read_text()[-2000:]}")
        time.sleep(0.05)
    return proc, target


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(target file, records file) of a running receiver."""
    tmp = tmp_path_factory.mktemp("fluentbit")
    proc, target = start_receiver(tmp)
    yield target, tmp / "records.jsonl"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def results(receiver: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """results.json of `hecc run` through the receiver's target file."""
    reports = tmp_path_factory.mktemp("fluentbit-reports")
    done = hecc("run", "--target", str(receiver[0]), "--report-dir", str(reports), timeout=600)
    assert done.returncode == 1, (done.stdout + done.stderr)[-3000:]  # non-conformance, not a harness error
    return json.loads((reports / "results.json").read_text("utf-8"))


def ep_case(case: dict[str, Any]) -> bool:
    return any(r.startswith("EP-") for r in case["requirements"])


def test_the_whole_corpus_runs_without_an_error(results: dict[str, Any]) -> None:
    assert results["target"]["profile"] == "splunk"
    assert results["counts"]["error"] == 0
    assert [c["id"] for c in results["cases"] if c["outcome"] == "error"] == []
    assert results["counts"]["fail"] > 0 and results["counts"]["pass"] > 0


COUNTED = ("fail", "warn")  # a failed check at MUST or SHOULD counts against its requirement; MAY is info


def outcomes_by_requirement(results: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """requirement id -> outcome -> the case ids where the requirement's checks came to it."""
    out: dict[str, dict[str, set[str]]] = {}
    for case in results["cases"]:
        for rid, outcome in case["requirement_outcomes"].items():
            out.setdefault(rid, {}).setdefault(outcome, set()).add(case["id"])
    return out


def test_the_broken_requirements_are_exactly_those_written_from_spec(results: dict[str, Any]) -> None:
    by_req = outcomes_by_requirement(results)
    broken = {rid for rid, outcomes in by_req.items() if set(outcomes) & set(COUNTED)}
    assert broken == set(EXPECTED_FAIL), {
        rid: sorted(set().union(*(by_req[rid].get(o, set()) for o in COUNTED)))
        for rid in broken ^ set(EXPECTED_FAIL)
        if rid in by_req
    }
    for rid in EXPECTED_MEET:
        assert not set(by_req.get(rid, {})) & set(COUNTED), (rid, by_req.get(rid))
    # Only auth-several-spaces is informational: SPEC §2's "one or more spaces" has no id (issue 10).
    informational = {rid: cases for rid, o in by_req.items() if (cases := o.get("info"))}
    assert informational == {"AUTH-2": {"auth-several-spaces"}}


def test_every_failed_check_names_its_requirement_and_the_counts_agree(results: dict[str, Any]) -> None:
    failed_for: dict[str, int] = {}
    for case in results["cases"]:
        for check in case["checks"]:
            assert check["requirements"], (case["id"], check)
            if check["result"] == "fail":
                for rid in check["requirements"]:
                    failed_for[rid] = failed_for.get(rid, 0) + 1
    by_id = {r["id"]: r for r in results["requirements"]}
    for rid, n in failed_for.items():
        assert by_id[rid]["checks"]["fail"] == n, rid
    assert by_id["ORD-2"]["checks"]["fail"] == 0 and by_id["ORD-2"]["checks"]["pass"] > 50


def test_no_check_counts_for_a_requirement_outside_the_profile(results: dict[str, Any]) -> None:
    """IDX-2, SRC-1, TIME-1, SCOPE-1 are humio rules: a check a case shares with a splunk rule (e.g.
    index-near-miss-name-rejected: IDX-3 and IDX-2) counts for the splunk rule only."""
    catalogue = load_catalogue()
    outside = {rid for rid, r in catalogue.items() if r.level_for("splunk") is None}
    assert {"IDX-2", "SRC-1", "TIME-1", "SCOPE-1"} <= outside
    counted = {
        rid
        for case in results["cases"]
        for check in case["checks"]
        if check["result"] != "not_checked"
        for rid in check["requirements"]
    }
    assert not counted & outside, sorted(counted & outside)
    for row in results["requirements"]:
        if row["id"] in outside:
            assert row["checks"] == {"pass": 0, "fail": 0, "not_checked": 0}, row


def test_the_second_answer_is_reported_on_the_case_that_caused_it(results: dict[str, Any]) -> None:
    """raw without Content-Type is answered twice: the stray answer is a failed check of that request
    (RAW-6), and the case after it on the same run is judged on its own answers."""
    raw = [c for c in results["cases"] if c["id"] == "raw-content-type-ignored"]
    assert raw
    for case in raw:
        (stray,) = [k for k in case["checks"] if k["part"] == "unrequested"]
        assert stray["index"] == 2 and stray["requirements"] == ["RAW-6"]
        assert stray["reason"] == "target sent an unrequested response after request 2"
        assert stray["actual"].startswith("HTTP/1.1 400")
    gzip_body = [c for c in results["cases"] if c["id"] == "raw-gzip-body"]
    assert gzip_body and all(c["outcome"] == "pass" for c in gzip_body)


def test_nothing_stored_is_not_claimed_without_the_positive_control(results: dict[str, Any]) -> None:
    """The receiver keeps no channel: a raw absence claim cannot rest on a control found by channel,
    so it is not checked (never passed), and the reason says so (SPEC §9)."""
    raw_absence = [
        check
        for case in results["cases"]
        for check in case["checks"]
        if check["part"] in ("stored-count", "nothing-stored") and "raw" in case["file"]
    ]
    assert raw_absence and all(c["result"] != "pass" for c in raw_absence)
    unchecked = [c for c in raw_absence if c["result"] == "not_checked"]
    assert unchecked and all("positive control" in c["reason"] for c in unchecked)


def test_cases_reach_the_receiver_on_its_own_paths(results: dict[str, Any]) -> None:
    """Only EP cases name a path; every other request goes to the splunk path of its kind, which
    the receiver serves, so no answer is its 'invalid HTTP endpoint'."""
    sent: dict[str, int] = {}
    for case in (c for c in results["cases"] if not ep_case(c)):
        for exchange in case["exchanges"]:
            path = exchange["request"]["target"].split("?", 1)[0]
            sent[path] = sent.get(path, 0) + 1
            assert "invalid HTTP endpoint" not in exchange["response"]["body"]["text"], case["id"]
    assert set(sent) <= SPLUNK_PATHS, sent
    assert sent["/services/collector/event"] > 100 and sent["/services/collector/raw"] > 10


def test_query_api_and_undeclared_limit_cases_are_unsupported(results: dict[str, Any]) -> None:
    base = {c["id"]: (c["outcome"], c["messages"]) for c in results["cases"] if c["variant"] == "base"}
    assert all(base[i][0] == "unsupported" for i in base if i.startswith("query-"))
    assert "need readback kind logscale-query" in base["query-unauthorised"][1][0]
    for case_id in ("limits-gzip-bomb-too-large", "limits-plain-body-at-and-over-limit"):
        assert base[case_id] == ("unsupported", ["target declares no limit max_request_bytes"])


def test_the_expectations_are_splunk_requirements_each_listed_once() -> None:
    catalogue = load_catalogue()
    assert not set(EXPECTED_FAIL) & set(EXPECTED_MEET)
    for rid in {**EXPECTED_FAIL, **EXPECTED_MEET}:
        assert catalogue[rid].level_for("splunk") is not None, rid


def test_the_receiver_answers_as_fluent_bit_does(receiver: tuple[Path, Path]) -> None:
    """The facts of issue 10 the receiver is written from, checked over HTTP."""
    target = yaml.safe_load(receiver[0].read_text("utf-8"))
    token = target["tokens"]["default"]["token"]
    auth = {"Authorization": f"Splunk {token}"}
    with httpx.Client(base_url=target["url"], timeout=10) as client:
        health = client.get("/services/collector/health")
        assert (health.status_code, health.json()) == (200, {"text": "Success", "code": 200})
        for path in ("/services/collector/health/1.0", "/services/collector/ack", "/api/v1/ingest/hec"):
            answer = client.post(path, headers=auth, content=b'{"event":"x"}')
            assert (answer.status_code, answer.text) == (400, "error: invalid HTTP endpoint\n"), path
        assert client.post("/nope", content=b"{}").json() == {"text": "Token is required", "code": 2}
        query = client.post(f"/services/collector?token={token}", content=b'{"event":"q"}')
        assert (query.status_code, query.json()["code"]) == (401, 2)
        spaces = client.post("/services/collector", headers={"Authorization": f"Splunk   {token}"})
        assert (spaces.status_code, spaces.json()) == (403, {"text": "Invalid token", "code": 4})
        garbage = client.post("/services/collector/event", headers=auth, content=b"garbage{")
        assert (garbage.status_code, garbage.json()) == (200, {"text": "Success", "code": 0})
    last = json.loads(receiver[1].read_text("utf-8").splitlines()[-1])
    assert {k: v for k, v in last.items() if k != "date"} == {"log": "garbage{"}


def test_raw_without_content_type_answers_twice(receiver: tuple[Path, Path]) -> None:
    target = yaml.safe_load(receiver[0].read_text("utf-8"))
    host, port = target["url"].removeprefix("http://").split(":")
    request = (
        f"POST /services/collector/raw HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Splunk {target['tokens']['default']['token']}\r\nContent-Length: 4\r\n\r\nline"
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode())
        received = b""
        while received.count(b"HTTP/1.1 400") < 2 or not received.endswith(b'"code":6}'):
            chunk = conn.recv(4096)
            assert chunk, received
            received += chunk
    first, second = received.split(b"HTTP/1.1 400")[1:]
    assert first.endswith(b"error: header 'Content-Type' is not set\n")
    assert second.endswith(b'{"text":"Invalid data format","code":6}')
