"""`hecc run` stops early: the preflight (URL, token, read-back), the per-request timeout, --max-errors,
and pytest's -x next to them (issue 11)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from suitekit import edited_target, health_case, hecc, write_cases

RESPONSE_ONLY_CASES = health_case("kv-health")


def _variant(target: Path, tmp: Path, name: str, **changes: object) -> Path:
    return edited_target(target, tmp, name, changes)


def _wrong_token(target: Path, tmp: Path) -> Path:
    return edited_target(target, tmp, "wrong-token.yaml", {"tokens": _tokens(target, "not-the-token")})


def _tokens(target: Path, default_token: str) -> dict[str, object]:
    tokens = yaml.safe_load(target.read_text("utf-8"))["tokens"]
    return {**tokens, "default": {**tokens["default"], "token": default_token}}


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_wrong_token_stops_before_the_first_case(reference_target: Path, tmp_path: Path) -> None:
    done = hecc("run", "--target", str(_wrong_token(reference_target, tmp_path)))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert done.stdout == ""  # pytest never started
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "preflight: the default token was refused" in lines[0] and "403" in lines[0]
    assert "not-the-token" not in lines[0]


def test_a_silent_server_stops_the_preflight_at_the_timeout(
    reference_target: Path, tmp_path: Path, silent_server: str
) -> None:
    target = _variant(
        reference_target, tmp_path, "silent.yaml", url=silent_server, **{"readback.url": silent_server}
    )
    done = hecc("run", "--target", str(target), "--timeout", "1", timeout=120)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert done.stderr.splitlines() == [
        f"hecc: preflight: the target does not answer: POST {silent_server}/api/v1/ingest/hec: "
        "ReadTimeout: no answer within 1s"
    ]


def test_the_target_files_timeout_bounds_each_answer_of_the_run(
    reference_target: Path, tmp_path: Path, silent_server: str
) -> None:
    target = _variant(reference_target, tmp_path, "silent.yaml", url=silent_server, timeout=1)
    done = hecc("run", "--target", str(target), "--no-preflight", "--max-errors", "2", timeout=120)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert re.search(r"^2 × target unreachable: .*no answer within 1s$", done.stdout, re.MULTILINE), (
        done.stdout
    )
    assert "stopping after 2 harness errors (--max-errors 2)" in done.stdout


def test_a_read_back_that_cannot_read_stops_the_preflight(reference_target: Path, tmp_path: Path) -> None:
    target = _variant(reference_target, tmp_path, "bad-read.yaml", **{"readback.token": "not-a-read-token"})
    done = hecc("run", "--target", str(target))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "preflight: the read-back failed: query API answered 401" in done.stderr or (
        "preflight: the read-back failed: query API answered 403" in done.stderr
    ), done.stderr


def _bad_read_token(reference_target: Path, tmp_path: Path) -> Path:
    """A target whose read-back cannot read: every case that reads back is a harness error (a wrong
    ingest token is not: its refused answers and refused positive controls are checks, not errors)."""
    return _variant(reference_target, tmp_path, "bad-read.yaml", **{"readback.token": "not-a-read-token"})


def test_max_errors_stops_a_run_whose_harness_keeps_failing(reference_target: Path, tmp_path: Path) -> None:
    target = _bad_read_token(reference_target, tmp_path)
    done = hecc("run", "--target", str(target), "--no-preflight", "--max-errors", "3")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    # One line per error, grouped by cause in the summary; no pytest traceback.
    assert re.search(r"^3 × read-back failed: .*40[13]", done.stdout, re.MULTILINE), done.stdout
    assert "Traceback" not in done.stdout and "_pytest" not in done.stdout and "pluggy/" not in done.stdout
    assert "incomplete: 3 harness errors" in done.stdout and "does not conform" not in done.stdout
    assert "3 errors" in done.stdout


def test_max_errors_defaults_to_ten(reference_target: Path, tmp_path: Path) -> None:
    """Without --max-errors a run whose harness keeps failing stops after 10 errors (DEFAULT_MAX_ERRORS):
    by then the cause is clear, and the corpus has far more cases that read back."""
    target = _bad_read_token(reference_target, tmp_path)
    done = hecc("run", "--target", str(target), "--no-preflight")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert re.search(r"^10 × read-back failed: .*40[13]", done.stdout, re.MULTILINE), done.stdout
    assert "hecc: stopping after 10 harness errors (--max-errors 10)" in done.stdout
    assert re.search(r"\b10 errors\b", done.stdout.splitlines()[-1]), done.stdout[-500:]


def test_maxfail_is_taken_without_a_double_dash(reference_target: Path, tmp_path: Path) -> None:
    """pytest's --maxfail is one of the options `hecc run` forwards as it is (below --max-errors here)."""
    target = _bad_read_token(reference_target, tmp_path)
    done = hecc("run", "--target", str(target), "--no-preflight", "--maxfail", "4")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert re.search(r"^4 × read-back failed", done.stdout, re.MULTILINE), done.stdout
    assert "stopping after 4 failures" in done.stdout and "--max-errors" not in done.stdout
    assert re.search(r"\b4 errors\b", done.stdout.splitlines()[-1]), done.stdout[-500:]


def test_exitfirst_still_stops_at_the_first_error(reference_target: Path, tmp_path: Path) -> None:
    target = _bad_read_token(reference_target, tmp_path)
    done = hecc("run", "--target", str(target), "--no-preflight", "-x")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert re.search(r"^1 × read-back failed", done.stdout, re.MULTILINE), done.stdout
    assert "1 error" in done.stdout


def test_the_preflight_passes_on_a_good_target(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", RESPONSE_ONLY_CASES)
    done = hecc("run", "--target", str(reference_target), "--cases", str(cases))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "preflight" not in done.stderr


def test_a_long_traceback_style_shows_the_whole_account(reference_target: Path, tmp_path: Path) -> None:
    target = _bad_read_token(reference_target, tmp_path)
    done = hecc("run", "--target", str(target), "--no-preflight", "--max-errors", "1", "--tb", "long")
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert "CaseFailed" in done.stdout and "case file: " in done.stdout


def _errors_section(stdout: str) -> list[str]:
    """The lines of pytest's ERRORS section, without the rules around the titles."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ ERRORS =+", line))
    end = next(i for i, line in enumerate(lines) if line.startswith("=") and i > start)
    return [line.strip("_ ") for line in lines[start + 1 : end]]


def test_verbose_shows_a_harness_errors_traceback(reference_target: Path, tmp_path: Path) -> None:
    """A harness error is one line by default; `hecc run -v` shows its traceback and the case's account."""
    target = _bad_read_token(reference_target, tmp_path)
    one_line = hecc("run", "--target", str(target), "--no-preflight", "--max-errors", "1")
    verbose = hecc("run", "--target", str(target), "--no-preflight", "--max-errors", "1", "-v")
    for done in (one_line, verbose):
        assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    header, line = _errors_section(one_line.stdout)  # one error, one line under its header
    assert re.fullmatch(r"ERROR at setup of [\w-]+\[[\w-]+\]", header), header
    assert re.fullmatch(r"harness error: read-back failed: query API answered 40[13] .*", line), line
    assert "CaseFailed" not in one_line.stdout and "items.py" not in one_line.stdout
    assert "hec_conformance/pytest/items.py:" in verbose.stdout  # a frame of the traceback
    assert "CaseFailed" in verbose.stdout and "case file: " in verbose.stdout


def test_a_read_back_that_never_shows_the_preflight_event_stops_the_run(
    reference_target: Path, tmp_path: Path
) -> None:
    """The read-back answers (a command that prints nothing and exits 0) but never shows the marked
    event: one line and exit 3 before the first case, after the preflight's wait."""
    target = _variant(
        reference_target, tmp_path, "blind.yaml", readback={"kind": "command", "command": ["true"]}
    )
    cases = write_cases(tmp_path / "cases", "kv", RESPONSE_ONLY_CASES)
    done = hecc("run", "--target", str(target), "--cases", str(cases))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert done.stdout == ""  # pytest never started
    assert done.stderr.splitlines() == [
        "hecc: preflight: the read-back (command) did not show the preflight event in repository 'main' "
        "within 15s (check readback and tokens.default.repository)"
    ]
