"""Exit codes and verdicts that do not lie (issue 11): MUST failures beside harness errors are exit 1,
`hecc compare` calls unsupported -> fail a regression, and masking a token leaves case ids whole."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from suitekit import CONFIGS, ROOT, edited_target, hecc, start_reference_server, write_cases

from hec_conformance.redaction import Redactor

FAILING_AND_ERRORING = """\
  - id: kv-health-wrong-code
    title: health answers (the case expects a code it never gets)
    requirements: [EP-4]
    needs: [health]
    requests:
      - endpoint: health
        expect: {status: 200, body: {code: 99}}
  - id: kv-reads-back
    title: an event is stored (the read-back of this target is refused)
    requirements: [KV-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events:
          - event: "name=webserver"
        expect:
          status: 200
          events:
            - name: webserver
"""


def test_must_failures_exit_1_even_when_other_cases_errored(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", FAILING_AND_ERRORING)
    target = edited_target(reference_target, tmp_path, "t.yaml", {"readback.token": "not-a-read-token"})
    done = hecc("run", "--target", str(target), "--cases", str(cases), "--no-preflight")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert "3 error, 1 fail; does not conform at fail-on must (incomplete: 3 harness errors)" in done.stdout


def test_compare_calls_unsupported_to_fail_a_regression(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", FAILING_AND_ERRORING.split("  - id: kv-reads-back")[0])
    caps = yaml.safe_load(reference_target.read_text("utf-8"))["capabilities"]
    without = edited_target(
        reference_target, tmp_path, "a.yaml", {"capabilities": [c for c in caps if c != "health"]}
    )
    first = hecc("run", "--target", str(without), "--cases", str(cases), "--report-dir", str(tmp_path / "a"))
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    second = hecc(
        "run", "--target", str(reference_target), "--cases", str(cases), "--report-dir", str(tmp_path / "b")
    )
    assert second.returncode == 1, second.stdout[-2000:] + second.stderr
    done = hecc("compare", str(tmp_path / "a" / "results.json"), str(tmp_path / "b" / "results.json"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "REGRESSION       kv-health-wrong-code[base]: unsupported -> fail" in done.stdout
    assert "NOW SUPPORTED" not in done.stdout


def test_a_token_inside_a_case_id_is_masked_only_where_it_is_the_token(tmp_path: Path) -> None:
    token = "t-ack"  # a substring of ack-no-ackid-without-acknowledgement
    config = (CONFIGS / "suite.yaml").read_text("utf-8").replace("hecc-default-token", token)
    (tmp_path / "config.yaml").write_text(config, "utf-8")
    server = start_reference_server(tmp_path, "humio", str(tmp_path / "config.yaml"))
    try:
        (tmp_path / "cases").mkdir()
        shutil.copy(ROOT / "cases" / "ack.yaml", tmp_path / "cases")
        runs = []
        for name in ("one", "two"):
            done = hecc(
                "run",
                "--target",
                str(server.target),
                "--cases",
                str(tmp_path / "cases"),
                "--report-dir",
                str(tmp_path / name),
                "-k",
                "ack-no-ackid or ack-event-without-channel",
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr
            runs.append(tmp_path / name)
    finally:
        server.stop()
    case_id = "ack-no-ackid-without-acknowledgement"
    for report in ("results.json", "junit.xml", "report.html"):
        text = (runs[0] / report).read_text("utf-8")
        assert case_id in text, report
        assert "withou***" not in text, report
    results = json.loads((runs[0] / "results.json").read_text("utf-8"))
    assert case_id in {c["id"] for c in results["cases"]}
    wire = json.dumps(results["cases"])
    assert f"Splunk {token}" not in wire and "Splunk ***" in wire  # the credential itself is masked
    done = hecc("compare", str(runs[0] / "results.json"), str(runs[1] / "results.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ADDED" not in done.stdout and "REMOVED" not in done.stdout
    assert done.stdout.rstrip().endswith("no change")


def test_the_redactor_masks_whole_tokens_only() -> None:
    redact = Redactor(["t-ack", "abc"])
    assert redact("Authorization: Splunk t-ack") == "Authorization: Splunk ***"
    assert redact("/services/collector?token=t-ack&x=1") == "/services/collector?token=***&x=1"
    assert redact(b'{"text":"Invalid token abc"}') == b'{"text":"Invalid token ***"}'
    assert redact({"id": "ack-no-ackid-without-acknowledgement", "abc": ["abcd", "xabc", "t-ack"]}) == {
        "id": "ack-no-ackid-without-acknowledgement",
        "***": ["abcd", "xabc", "***"],
    }
