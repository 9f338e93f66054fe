"""TLS on both sides of the recorder and on replay; --no-upstream answers; HAR 1.2 import."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
import trustme
from prerequisites import CURL, need
from replaykit import Recording, RunningServer, fresh_server, hecc, query, replay_json, target_of


def test_tls_client_to_recorder_to_tls_upstream_then_replay_over_tls(tmp_path: Path) -> None:
    ca = trustme.CA()
    pem, ca_pem = tmp_path / "server.pem", tmp_path / "ca.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    ca.cert_pem.write_to_path(str(ca_pem))
    upstream = fresh_server(
        tmp_path / "up", "--tls-cert", str(pem), "--tls-key", str(pem), "--tls-ca", str(ca_pem)
    )
    try:
        url = target_of(upstream)["url"]
        assert url.startswith("https://")
        capture = tmp_path / "tls.jsonl"
        recording = Recording(
            tmp_path,
            "--upstream",
            url,
            "--upstream-ca",
            str(ca_pem),
            "--cert",
            str(pem),
            "--key",
            str(pem),
            "--out",
            str(capture),
            "--roles",
            str(upstream.target),
        )
        try:
            assert recording.url.startswith("https://")
            answer = httpx.post(
                f"{recording.url}/services/collector/event",
                verify=ssl.create_default_context(cafile=str(ca_pem)),
                content=b'{"event": "over tls", "time": 1795707001}',
                headers={"Authorization": f"Splunk {target_of(upstream)['tokens']['default']['token']}"},
            )
            assert answer.status_code == 200 and answer.json() == {"text": "Success", "code": 0}
        finally:
            recording.stop()
        assert len(query(upstream, '@rawstring="over tls"')) == 1
        rc, summary = replay_json(
            str(capture), "--target", str(upstream.target), "--speed", "max", "--mark", "--readback"
        )
        assert rc == 0 and summary["compared"] == 1 and summary["events"] == 1, summary
        assert len(query(upstream, '@rawstring="over tls"')) == 2
    finally:
        upstream.stop()


def test_no_upstream_answers_like_a_permissive_splunk(tmp_path: Path) -> None:
    capture = tmp_path / "alone.jsonl"
    recording = Recording(tmp_path, "--no-upstream", "--out", str(capture))
    try:
        with httpx.Client(base_url=recording.url) as client:
            auth = {"Authorization": "Splunk some-token", "X-Splunk-Request-Channel": "c1"}
            assert client.get("/services/collector/health").json()["code"] == 17
            assert client.post(
                "/services/collector/event", content=b'{"event":"x"}', headers=auth
            ).json() == {"text": "Success", "code": 0, "ackId": 0}
            assert client.post("/services/collector/ack", content=b'{"acks":[0]}', headers=auth).json() == {
                "acks": {"0": True}
            }
            empty = client.post("/services/collector/event", content=b"", headers=auth)
            assert (empty.status_code, empty.json()["code"]) == (400, 5)
    finally:
        recording.stop()
    lines = [json.loads(line) for line in capture.read_text().splitlines()]
    assert [(x["seq"], x["method"], x["response"]["status"]) for x in lines] == [
        (1, "GET", 200),
        (2, "POST", 200),
        (3, "POST", 200),
        (4, "POST", 400),
    ]
    assert ["Authorization", "Splunk ${token:default}"] in lines[1]["headers"]
    assert lines[0]["offset_ms"] == 0 and lines[3]["offset_ms"] >= lines[1]["offset_ms"] > 0


def _har(token: str) -> dict:
    gz = base64.b64encode(b'{"text":"Success","code":0}').decode()
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                {
                    "startedDateTime": "2026-11-26T10:00:00.000Z",
                    "time": 3,
                    "connection": "443",
                    "request": {
                        "method": "POST",
                        "url": "https://hec.example/services/collector/event?source=har",
                        "httpVersion": "HTTP/2",
                        "headers": [
                            {"name": ":authority", "value": "hec.example"},
                            {"name": "authorization", "value": f"Bearer {token}"},
                            {"name": "content-type", "value": "application/json"},
                        ],
                        "postData": {"mimeType": "application/json", "text": '{"event": "from a browser"}'},
                    },
                    "response": {
                        "status": 200,
                        "httpVersion": "HTTP/2",
                        "headers": [],
                        "content": {"mimeType": "application/json", "text": '{"text":"Success","code":0}'},
                    },
                },
                {
                    "startedDateTime": "2026-11-26T10:00:00.250Z",
                    "time": 3,
                    "request": {
                        "method": "POST",
                        "url": "http://hec.example/services/collector/event",
                        "httpVersion": "HTTP/1.1",
                        "headers": [
                            {"name": "Authorization", "value": f"Splunk {token}"},
                            {"name": "Content-Encoding", "value": "gzip"},
                        ],
                        "postData": {"mimeType": "", "text": '{"event": "from mitmproxy, gzip on the wire"}'},
                    },
                    "response": {
                        "status": 200,
                        "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "Content-Encoding", "value": "gzip"}],
                        "content": {"mimeType": "application/json", "text": gz, "encoding": "base64"},
                    },
                },
            ],
        }
    }


def test_har_import_then_replay(tmp_path: Path, server: RunningServer) -> None:
    har = tmp_path / "browser.har"
    har.write_text(json.dumps(_har(target_of(server)["tokens"]["default"]["token"])))
    capture = tmp_path / "har.jsonl"
    done = hecc("capture", "import", str(har), "--out", str(capture), "--roles", str(server.target))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in capture.read_text().splitlines()]
    assert [x["offset_ms"] for x in lines] == [0, 250]
    assert lines[0]["query"] == "source=har" and lines[0]["http_version"] == "1.1"
    assert ["authorization", "Bearer ${token:default}"] in lines[0]["headers"]
    assert all(not name.startswith(":") for name, _ in lines[0]["headers"])
    assert "base64" in lines[1]["body"]  # decoded by the HAR writer, compressed again for the wire
    rc, summary = replay_json(
        str(capture), "--target", str(server.target), "--speed", "max", "--mark", "--readback"
    )
    assert rc == 0 and summary["compared"] == 2 and summary["events"] == 2, summary
    stored = query(server, f'hec_case="{summary["run_id"]}-1"')
    assert [(e["@rawstring"], e["@source"]) for e in stored] == [("from a browser", "har")]
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {}}')
    failed = hecc("capture", "import", str(bad), "--out", str(tmp_path / "x.jsonl"))
    assert (
        failed.returncode == 2 and "not a HAR 1.2 file" in failed.stderr and "Traceback" not in failed.stderr
    )


@pytest.mark.needs(CURL)
def test_expect_100_continue_is_answered_and_recorded(tmp_path: Path) -> None:
    capture = tmp_path / "expect.jsonl"
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"event": "z" * 3000}))
    recording = Recording(tmp_path, "--no-upstream", "--out", str(capture))
    try:
        done = subprocess.run(
            [
                need(CURL),
                "-sS",
                "-w",
                " %{time_total}",
                "-H",
                "Authorization: Splunk t",
                "-H",
                "Expect: 100-continue",
                "--data-binary",
                f"@{body}",
                f"{recording.url}/services/collector/event",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        recording.stop()
    answer, seconds = done.stdout.rsplit(" ", 1)
    assert answer == '{"text":"Success","code":0}', done.stderr
    assert float(seconds) < 0.9  # curl waits 1 s for a `100 Continue` that never comes
    line = json.loads(capture.read_text())
    assert ["Expect", "100-continue"] in line["headers"] and line["body"]["text"] == body.read_text()
