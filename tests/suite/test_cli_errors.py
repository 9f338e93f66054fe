"""Errors that name the place, and the small edges of the command line (issue 11): target files and
vendor profiles as `file:line: key: message`, --req, `| head`, serve's help, mutants outside the
clone, replay's summary in a log, hecc --version, gzip bodies in hecc report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from suitekit import ROOT, hecc, write_cases

GOOD_TOKENS = "tokens:\n  default: {token: abc}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "url: http://127.0.0.1:1\ntokens: [\n  default: {token: a}\n",
            ":4: YAML syntax: while parsing a flow",
        ),
        (f"url: http://127.0.0.1:1\n{GOOD_TOKENS}colour: blue\n", ":4: colour: unknown key 'colour'"),
        (
            f"url: ftp//example.com\n{GOOD_TOKENS}",
            ":1: url: not an http:// or https:// URL with a host (and no query or fragment)",
        ),
        (
            'url: http://127.0.0.1:1\ntokens:\n  default: {token: "${HECC_TEST_SURELY_UNSET}"}\n',
            ":3: tokens.default.token: environment variable HECC_TEST_SURELY_UNSET is not set",
        ),
    ],
    ids=["yaml-syntax", "unknown-key", "bad-url", "unset-variable"],
)
def test_target_file_errors_name_file_line_and_key(text: str, message: str, tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text(text, "utf-8")
    done = hecc("run", "--target", str(target))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [f"hecc: {target}{message}"] or (
        len(done.stderr.splitlines()) == 1 and done.stderr.startswith(f"hecc: {target}{message}")
    ), done.stderr


@pytest.mark.parametrize(
    ("deviation", "message"),
    [
        (
            "  - case: kv-pair-inside-prose\n    reason: known\n    expires: 2027-02-30\n",
            ":4: deviations[0].expires: '2027-02-30' is not a calendar date",
        ),
        (
            "  - case: kv-pair-inside-prose\n    reason: known\n    expires: 2027-02-10\n    colour: blue\n",
            ":5: deviations[0].colour: unknown key 'colour'",
        ),
        (
            "  - requirement: TIME-99\n    reason: known\n    expires: 2027-02-10\n",
            ":2: deviations[0].requirement: unknown requirement id 'TIME-99'",
        ),
    ],
    ids=["impossible-date", "unknown-key", "unknown-requirement"],
)
def test_vendor_profile_errors_name_file_line_and_key(deviation: str, message: str, tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text(f"url: http://127.0.0.1:1\n{GOOD_TOKENS}", "utf-8")
    profile = tmp_path / "t.vendor-profile.yaml"
    profile.write_text(f"deviations:\n{deviation}", "utf-8")
    done = hecc("run", "--target", str(target))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [f"hecc: {profile}{message}"]


def test_req_names_only_spec_ids() -> None:
    done = hecc("run", "--req", "BOGUS-9")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("hecc: --req BOGUS-9: not a SPEC requirement id (like TIME-1) or prefix;")


def _capture(path: Path, requests: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for seq in range(1, requests + 1):
            body = json.dumps({"event": f"event number {seq} " + "x" * 60})
            line = {
                "seq": seq,
                "offset_ms": float(seq),
                "method": "POST",
                "path": "/services/collector/event",
                "query": None,
                "http_version": "1.1",
                "headers": [
                    ["authorization", "Splunk ${token:default}"],
                    ["content-type", "application/json"],
                ],
                "body": {"text": body},
                "response": {
                    "status": 200,
                    "headers": [["content-type", "application/json"]],
                    "body": {"text": '{"text":"Success","code":0}'},
                },
            }
            out.write(json.dumps(line) + "\n")
    return path


def _piped(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def test_output_into_head_ends_quietly(tmp_path: Path) -> None:
    hecc_cmd = f"{sys.executable} -m hec_conformance.cli"
    capture = _capture(tmp_path / "cap.jsonl", 400)
    for command in (f"{hecc_cmd} cases list | head -1", f"{hecc_cmd} capture curl {capture} | head -1"):
        done = _piped(command)
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert len(done.stdout.splitlines()) == 1
    done = _piped(f"timeout -s TERM 20 {hecc_cmd} serve --port 0 --in-memory | head -1")
    assert done.stdout.startswith("HEC reference server listening on http://127.0.0.1:"), done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def test_serve_help_is_hecc_serves_with_exit_codes() -> None:
    done = hecc("serve", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: hecc serve [-h] [--config FILE]")
    assert "reference_server [" not in done.stdout
    assert "exit codes:\n  0  stopped by SIGINT or SIGTERM" in done.stdout


def test_capture_to_cases_has_a_description() -> None:
    done = hecc("capture", "to-cases", "--help")
    assert "Write one case holding every request of the capture" in done.stdout


def test_the_documented_to_cases_examples_write_outside_the_bundled_corpus() -> None:
    """A case recorded from one shipper is the user's, not the suite's: every `hecc capture to-cases`
    example in README.md and docs/ writes its --out outside cases/ (hecc run would otherwise load it as
    part of the bundled corpus)."""
    outs: dict[str, list[str]] = {}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text("utf-8").splitlines():
            if "hecc capture to-cases" in line:
                outs.setdefault(doc.relative_to(ROOT).as_posix(), []).extend(
                    re.findall(r"--out\s+(\S+)", line)
                )
    assert outs.get("README.md"), "README.md has no `hecc capture to-cases ... --out` example"
    cases = (ROOT / "cases").resolve()
    inside = [
        f"{doc}: --out {out}"
        for doc, paths in outs.items()
        for out in paths
        if (ROOT / out.strip("`'\"")).resolve().is_relative_to(cases)
    ]
    assert inside == []


def test_mutants_needs_no_clone_and_lists_the_names(tmp_path: Path) -> None:
    outside = subprocess.run(
        [sys.executable, "-m", "hec_conformance.cli", "mutants", "--only", "NoSuchMutant"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert outside.returncode == 2 and "the following arguments are required: --catalogue" in outside.stderr
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hec_conformance.cli",
            "mutants",
            "--catalogue",
            str(ROOT / "tests" / "mutants"),
            "--only",
            "NoSuchMutant",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert re.fullmatch(
        r"hecc: --only: no mutant named NoSuchMutant; the catalogue has: \w+(, \w+)+\n", done.stderr
    ), done.stderr
    assert "GzipIgnored" in done.stderr


def test_replay_without_answers_shows_no_rate_and_does_not_wrap(tmp_path: Path) -> None:
    capture = _capture(tmp_path / "cap.jsonl", 3)
    target = tmp_path / "closed.yaml"
    target.write_text(f"url: http://127.0.0.1:9\n{GOOD_TOKENS}", "utf-8")
    done = hecc("replay", str(capture), "--target", str(target))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "requests/s" not in done.stdout
    assert re.search(r"^throughput +- \(no answers, over [\d.]+ s\)", done.stdout, re.MULTILINE), done.stdout
    listed = [line for line in done.stdout.splitlines() if line.startswith("  #1 ")]
    assert listed and len(listed[0]) > 80 and listed[0].rstrip().endswith("Connection refused"), done.stdout


def test_version() -> None:
    done = hecc("--version")
    assert done.returncode == 0
    assert re.fullmatch(r"hecc \d+\.\d+\.\d+\S*\n", done.stdout), done.stdout


GZIP_FAILING = """\
  - id: kv-gzip-shown
    title: an accepted event (the case expects a code it never gets)
    requirements: [BODY-1]
    requests:
      - endpoint: event
        events:
          - event: "the plain text of a gzip body"
        expect: {status: 200, body: {code: 99}}
"""


def test_report_shows_gzip_bodies_decoded(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", GZIP_FAILING)
    run = hecc("run", "--target", str(reference_target), "--cases", str(cases), "--report-dir", str(tmp_path))
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr
    assert "bytes gzip," in run.stdout and "the plain text of a gzip body" in run.stdout
    done = hecc("report", str(tmp_path / "results.json"))
    assert done.returncode == 0, done.stderr
    gzip_panel = done.stdout[done.stdout.index("kv-gzip-shown[gzip]") :]
    assert re.search(r"body \(\d+ bytes gzip, \d+ decompressed\): \{\"event\":\"the plain text", gzip_panel)
