"""The `hecc` command line: exit codes for usage and harness problems, target init, cases commands."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml
from suitekit import health_case, hecc, write_cases

from hec_conformance.cli.errors import EXIT_HARNESS, EXIT_NONCONFORMANCE, EXIT_OK, EXIT_USAGE


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text(f"url: http://127.0.0.1:{closed_port()}\ntokens: {{default: {{token: x}}}}\n")
    done = hecc("run", "--target", str(target))
    assert done.returncode == EXIT_HARNESS, done.stderr
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr


def test_bad_target_files_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text('url: http://127.0.0.1:1\ntokens: {default: {token: "${HECC_TEST_UNSET_VAR}"}}\n')
    done = hecc("run", "--target", str(target))
    assert done.returncode == EXIT_USAGE
    assert "tokens.default.token" in done.stderr and "HECC_TEST_UNSET_VAR" in done.stderr
    assert "Traceback" not in done.stderr
    target.write_text("url: 12\n")
    assert hecc("run", "--target", str(target)).returncode == EXIT_USAGE
    assert hecc("run", "--target", str(tmp_path / "missing.yaml")).returncode == EXIT_USAGE


def test_usage_errors_exit_2() -> None:
    assert hecc("run", "--fail-on", "sometimes").returncode == EXIT_USAGE
    assert hecc("frobnicate").returncode == EXIT_USAGE


def test_help_documents_the_exit_codes() -> None:
    done = hecc("run", "--help")
    assert done.returncode == EXIT_OK
    assert "3  incomplete: the target is unreachable" in done.stdout and "--fail-on" in done.stdout


def test_target_init_writes_a_loadable_example(tmp_path: Path) -> None:
    path = tmp_path / "target.yaml"
    assert hecc("target", "init", str(path)).returncode == EXIT_OK
    assert yaml.safe_load(path.read_text())["tokens"]["default"]["token"] == "${HEC_TOKEN}"
    again = hecc("target", "init", str(path))
    assert again.returncode == EXIT_USAGE and "--force" in again.stderr
    assert hecc("target", "init", str(path), "--force").returncode == EXIT_OK
    assert "url:" in hecc("target", "init").stdout


def test_cases_lint_list_and_coverage(tmp_path: Path) -> None:
    good = write_cases(
        tmp_path / "good",
        "tiny",
        health_case("tiny-health"),
    )
    assert hecc("cases", "lint", str(good)).returncode == EXIT_OK
    listed = hecc("cases", "list", "--json", str(good))
    assert listed.returncode == EXIT_OK and '"id": "tiny-health"' in listed.stdout
    coverage = hecc("cases", "coverage", str(good))
    assert coverage.returncode == EXIT_NONCONFORMANCE and "gap: TIME-1" in coverage.stdout
    bad = write_cases(tmp_path / "bad", "tiny", "  - id: Bad Id\n    title: x\n")
    assert hecc("cases", "lint", str(bad)).returncode == EXIT_NONCONFORMANCE


def test_a_bare_url_runs_response_only_cases(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(
        tmp_path / "c",
        "tiny",
        health_case("tiny-health")
        + """\
  - id: tiny-success
    title: an event is accepted
    requirements: [EP-1]
    requests:
      - endpoint: event
        events: [{event: x}]
        expect: {status: 200, body: {code: 0}}
""",
    )
    target = yaml.safe_load(reference_target.read_text())
    url, token = target["url"], target["tokens"]["default"]["token"]
    done = hecc(
        "run",
        "--cases",
        str(cases),
        "--target",
        str(reference_target),
        "--",
        "-q",
        "--junitxml",
        str(tmp_path / "j.xml"),
    )
    assert done.returncode == EXIT_OK, done.stdout[-2000:]
    junit = (tmp_path / "j.xml").read_text()
    assert 'name="requirements" value="EP-4"' in junit and 'name="level" value="MUST"' in junit
    bare = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--hec-url",
            url,
            "--hec-token",
            token,
            "--hec-cases",
            str(cases),
            "-rs",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert bare.returncode == 0, bare.stdout[-2000:]
    assert "2 passed, 2 skipped" in bare.stdout  # tiny-success base + json-ctype; gzip and health unsupported
    assert "target lacks capability health" in bare.stdout


def test_fail_on_decides_whether_should_and_may_breaks_count(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(
        tmp_path / "c",
        "soft",
        """\
  - id: soft-should
    title: a SHOULD expectation the target does not meet (written wrong on purpose)
    requirements: [TIME-3]
    profiles: [humio]
    variants: false
    requests:
      - endpoint: event
        events: [{time: "1537537729.5", event: s}]
        expect: {status: 200, events: [{"@timestamp": 1}]}
  - id: soft-may
    title: a MAY expectation the target does not meet (written wrong on purpose)
    requirements: [BODY-10]
    profiles: [humio]
    requests:
      - endpoint: event
        text: '{"event":"a","event":"b","fields":{"${marker_field}":"${marker}"}}'
        expect: {status: 200, events: [{"@rawstring": "not b"}]}
""",
    )
    base = ("run", "--cases", str(cases), "--target", str(reference_target))
    lenient = hecc(*base)
    assert lenient.returncode == EXIT_OK, lenient.stdout[-2000:]
    assert re.search(r"^WARN  \S*soft\.yaml::soft-should\[base\] \(TIME-3\)$", lenient.stdout, re.M)
    assert re.search(r"^INFO  \S*soft\.yaml::soft-may\[base\] \(BODY-10\)$", lenient.stdout, re.M)
    should = hecc(*base, "--fail-on", "should")
    assert should.returncode == EXIT_NONCONFORMANCE
    assert "soft-should[base] WARN (level SHOULD; requirements TIME-3)" in should.stdout
    assert "soft-may[base] INFO" not in should.stdout
    strict = hecc(*base, "--fail-on", "may")
    assert strict.returncode == EXIT_NONCONFORMANCE and "soft-may[base] INFO (level MAY" in strict.stdout


def test_selection_by_requirement_marker_keyword_and_level(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(
        tmp_path / "c",
        "pick",
        """\
  - id: pick-health
    title: health answers
    requirements: [EP-4]
    needs: [health]
    tags: [probe]
    requests:
      - endpoint: health
        expect: {status: 200, body: {code: 17}}
  - id: pick-event
    title: an event is accepted
    requirements: [EP-1]
    requests:
      - endpoint: event
        events: [{event: x}]
        expect: {status: 200, body: {code: 0}}
""",
    )
    base = ("run", "--cases", str(cases), "--target", str(reference_target))

    def summary(*extra: str) -> str:
        done = hecc(*base, *extra)
        return done.stdout.strip().splitlines()[-1] if done.returncode == 0 else f"exit {done.returncode}"

    assert "1 passed, 3 deselected" in summary("--req", "EP-4")
    assert "1 passed, 3 deselected" in summary("--", "-m", "probe")
    assert "3 passed, 1 deselected" in summary("--", "-m", "EP-1 and must")
    assert "1 passed, 3 deselected" in summary("--", "-k", "pick-event and gzip")
    assert summary("--level", "should", "--req", "TIME") == f"exit {EXIT_USAGE}"  # nothing selected


def test_xdist_workers_run_cases_in_parallel(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(
        tmp_path / "c",
        "par",
        """\
  - id: par-events
    title: two events in one request are both stored
    requirements: [BODY-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{event: one}, {event: two}]
        expect: {status: 200, events: [{"@rawstring": one}, {"@rawstring": two}]}
""",
    )
    done = hecc("run", "--cases", str(cases), "--target", str(reference_target), "--", "-n", "2")
    assert done.returncode == EXIT_OK, done.stdout[-2000:]
    assert "created: 2/2 workers" in done.stdout and "6 passed" in done.stdout


def test_run_prints_no_assert_rewrite_warning() -> None:
    # The package is imported before pytest starts: pytest must not try (and warn) to rewrite it.
    done = hecc("run", "--req", "AUTH-1")
    assert done.returncode == EXIT_OK, done.stderr
    assert "PytestAssertRewriteWarning" not in done.stdout + done.stderr


def test_serve_hands_the_process_over_to_the_reference_server(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    argv = [sys.executable, "-m", "hec_conformance.cli", "serve", "--port", "0", "--in-memory"]
    proc = subprocess.Popen(
        [*argv, "--write-target", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not target.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert target.exists(), proc.stderr.read() if proc.poll() is not None and proc.stderr else "no target"
        url = yaml.safe_load(target.read_text())["url"]
        with urllib.request.urlopen(f"{url}/services/collector/health", timeout=10) as answer:
            assert json.loads(answer.read()) == {"text": "HEC is healthy", "code": 17}
        proc.send_signal(signal.SIGTERM)  # straight to the server: hecc became it
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    usage = hecc("serve", "--help")
    assert usage.returncode == EXIT_OK and usage.stdout.startswith("usage: hecc serve")
    bad = hecc("serve", "--port", "nope")
    assert bad.returncode == EXIT_USAGE and "Traceback" not in bad.stderr
