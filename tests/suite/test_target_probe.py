"""`hecc target probe` and `hecc run --url` (issue 11): the reference server in both profiles, the
all-capabilities config, and the Fluent-Bit-like receiver, each probed into a target file that
`hecc run --target` accepts."""

from __future__ import annotations

from pathlib import Path

import yaml
from broken_servers.fluentbit_like import TOKEN, FluentBitLike
from suitekit import health_case, hecc, start_reference_server, write_cases

HEALTH_CASE = health_case("kv-health")
REFERENCE_CAPS = ["raw", "health", "ack", "gzip", "json-array-batch", "readback", "basic-auth"]


def _probe(url: str, token: str, out: Path, *extra: str) -> dict[str, object]:
    done = hecc("target", "probe", url, "--token", token, "--out", str(out), *extra, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    wrote, secret = done.stderr.splitlines()
    assert wrote == f"wrote {out}; run it with: hecc run --target {out}"
    assert secret.startswith(f"hecc: {out} holds the token as given (mode 0600); with HEC_TOKEN")
    assert out.stat().st_mode & 0o777 == 0o600
    found = yaml.safe_load(out.read_text("utf-8"))
    assert isinstance(found, dict)
    return found


def _reference(tmp: Path, profile: str, config: str = "suite.yaml") -> tuple[str, dict[str, object]]:
    server = start_reference_server(tmp, profile, config)
    written = yaml.safe_load(server.target.read_text("utf-8"))
    try:
        found = _probe(
            written["url"], "hecc-default-token", tmp / "probed.yaml", "--read-token", "hecc-read-token"
        )
        cases = write_cases(tmp / "cases", "kv", HEALTH_CASE)
        run = hecc("run", "--target", str(tmp / "probed.yaml"), "--cases", str(cases))
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    finally:
        server.stop()
    return written["capabilities"], found


def test_probe_the_reference_server_in_profile_humio(tmp_path: Path) -> None:
    declared, found = _reference(tmp_path, "humio")
    assert found["profile"] == "humio"
    assert found["capabilities"] == REFERENCE_CAPS == declared  # what the server says it has
    assert found["readback"] == {"kind": "logscale-query", "url": found["url"], "token": "hecc-read-token"}
    assert "endpoints" not in found
    text = (tmp_path / "probed.yaml").read_text("utf-8")
    assert "#   profile humio: `Authorization: Bearer <token>` is accepted" in text
    assert "#   query-string-auth: no, ?token=<token> without Authorization answered 400" in text


def test_probe_the_reference_server_in_profile_splunk(tmp_path: Path) -> None:
    declared, found = _reference(tmp_path, "splunk")
    assert found["profile"] == "splunk"
    assert found["capabilities"] == REFERENCE_CAPS == declared
    assert "endpoints" not in found  # the splunk paths are the profile's own


def test_probe_finds_query_string_auth(tmp_path: Path) -> None:
    declared, found = _reference(tmp_path, "humio", "suite-all-caps.yaml")
    assert "query-string-auth" in found["capabilities"]  # type: ignore[operator]
    assert set(found["capabilities"]) <= set(declared)  # type: ignore[arg-type]


def test_probe_the_fluentbit_like_receiver(tmp_path: Path) -> None:
    receiver = FluentBitLike(tmp_path / "records.jsonl")
    try:
        found = _probe(receiver.url, TOKEN, tmp_path / "probed.yaml")
    finally:
        receiver.stop()
    assert found["profile"] == "splunk"
    assert found["capabilities"] == ["raw", "health", "gzip", "json-array-batch"]
    assert found["readback"] == {"kind": "none"}
    text = (tmp_path / "probed.yaml").read_text("utf-8")
    assert "#   event endpoint /api/v1/ingest/hec: not served (400 error: invalid HTTP endpoint)" in text
    assert "not the HEC health answer, code 17" in text
    assert "#   ack: no, POST /services/collector/ack: 400 error: invalid HTTP endpoint" in text


def test_run_with_a_url_and_a_token_probes_first(reference_target: Path, tmp_path: Path) -> None:
    url = yaml.safe_load(reference_target.read_text("utf-8"))["url"]
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASE)
    done = hecc("run", "--url", url, "--token", "hecc-default-token", "--cases", str(cases))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert f"hecc: probed {url}: profile humio, capabilities raw, health, ack, gzip" in done.stderr
    assert "1 passed" in done.stdout


def test_probe_of_a_closed_port_is_one_line_exit_3(tmp_path: Path) -> None:
    done = hecc("target", "probe", "http://127.0.0.1:9", "--token", "t")
    assert done.returncode == 3
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("hecc: probe: the target does not answer: POST http://127.0.0.1:9/")


def test_tokens_from_the_environment_are_written_as_variables(reference_target: Path, tmp_path: Path) -> None:
    """With HEC_TOKEN and HEC_READ_TOKEN set instead of the options, the written file names the variables
    and holds no token; `hecc run` reads them from the environment when it loads the file."""
    url = yaml.safe_load(reference_target.read_text("utf-8"))["url"]
    out = tmp_path / "probed.yaml"
    tokens = {"HEC_TOKEN": "hecc-default-token", "HEC_READ_TOKEN": "hecc-read-token"}
    done = hecc("target", "probe", url, "--out", str(out), env=tokens, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.splitlines() == [f"wrote {out}; run it with: hecc run --target {out}"]
    text = out.read_text("utf-8")
    assert "hecc-default-token" not in text and "hecc-read-token" not in text
    found = yaml.safe_load(text)
    assert found["tokens"]["default"]["token"] == "${HEC_TOKEN}"
    assert found["readback"]["token"] == "${HEC_READ_TOKEN}"
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASE)
    run = hecc("run", "--target", str(out), "--cases", str(cases), env=tokens)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr


def test_probe_without_a_token_says_where_one_comes_from() -> None:
    done = hecc("target", "probe", "http://127.0.0.1:9", env={"HEC_TOKEN": ""})
    assert (done.returncode, done.stderr) == (
        2,
        "hecc: target probe needs --token or HEC_TOKEN (the ingest token of role default)\n",
    )
