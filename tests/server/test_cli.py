"""``python -m reference_server``: the target file, start-up errors, data folders, graceful shutdown."""

from __future__ import annotations

import json
import signal
import socket
import time

from serverkit import ALL_CAPS, OK, SUITE, answer, envelope, launch, run_failing

ALWAYS = ["raw", "health", "ack", "gzip", "json-array-batch", "readback"]


def test_target_file_of_the_suite_config(server):
    t = server.target
    assert t["url"].startswith("http://127.0.0.1:") and not t["url"].endswith(":0")
    assert t["profile"] == "humio" and t["capabilities"] == [*ALWAYS, "basic-auth"]
    assert t["marker_field"] == "hec_case"
    assert t["tokens"]["default"] == {"token": "hecc-default-token", "repository": "main"}
    assert t["tokens"]["other_repo"]["repository"] == "audit"
    assert t["tokens"]["regex_parser"] == {
        "token": "hecc-regex-parser-token",
        "repository": "main",
        "parser": "access",
    }
    assert t["tokens"]["json_parser"]["parser"] == "json"
    assert set(t["tokens"]) == {"default", "other_repo", "disabled", "ack", "json_parser", "regex_parser"}
    assert t["readback"] == {"kind": "logscale-query", "url": t["url"], "token": "hecc-read-token"}
    assert "tls" not in t
    assert t["limits"] == {"max_request_bytes": 33554432, "max_pending_acks_per_channel": 20}
    assert "hecc-default-token" in server.log.read_text()  # printed for the user at start


def test_target_file_with_all_capabilities_and_profile_override(caps_server, splunk_server):
    assert caps_server.target["capabilities"] == [
        *ALWAYS,
        "basic-auth",
        "change-repo-on-events",
        "query-string-auth",
    ]
    assert splunk_server.target["profile"] == "splunk"


def test_no_config_in_memory(tmp_path, marker):
    srv = launch(tmp_path, "--in-memory", data_flag=False)
    try:
        assert set(srv.target["tokens"]) == {"default"}
        assert srv.target["capabilities"] == ALWAYS
        assert answer(srv.post("/services/collector", json.dumps(envelope(marker)), scheme="Bearer")) == OK
        assert len(srv.query(f"hec_case={marker}")) == 1
    finally:
        assert srv.stop() == 0
    assert not (tmp_path / "hecc-data").exists()


def test_default_data_folder_is_hecc_data_in_the_working_directory(tmp_path):
    srv = launch(tmp_path, data_flag=False)
    assert srv.stop() == 0
    assert (tmp_path / "hecc-data" / "events.sqlite3").is_file()


def test_start_up_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("repositories: [main]\ntokens:\n  - {token: t, repository: elsewhere}\n")
    assert "bad.yaml:3: tokens[0].repository: unknown repository 'elsewhere'" in run_failing(
        tmp_path, "--config", str(bad)
    )
    assert "cannot read config" in run_failing(tmp_path, "--config", str(tmp_path / "none.yaml"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_failing(tmp_path, "--port", str(port), "--in-memory")
        assert f"cannot listen on 127.0.0.1:{port}" in refused
    no_cert = ["--tls-cert", str(tmp_path / "no.pem"), "--tls-key", str(tmp_path / "no.key")]
    assert "cannot load TLS certificate" in run_failing(tmp_path, "--in-memory", *no_cert)
    assert "--tls-cert and --tls-key go together" in run_failing(tmp_path, "--tls-cert", "x.pem")
    assert "cannot listen on 127.0.0.1:70000" in run_failing(tmp_path, "--port", "70000", "--in-memory")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert "cannot open the data folder" in run_failing(tmp_path, "--port", "0", "--data", str(a_file))
    target = tmp_path / "a-file" / "target.yaml"
    assert "cannot write the target file" in run_failing(
        tmp_path, "--port", "0", "--in-memory", "--write-target", str(target)
    )


def test_sigterm_finishes_the_request_in_flight(tmp_path, marker):
    srv = launch(tmp_path, config=SUITE)
    body = json.dumps(envelope(marker)).encode()
    host, port = srv.url.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /services/collector HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk "
            f"{srv.token()}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.3)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        sock.sendall(body[10:])
        reply = b""
        while chunk := sock.recv(65536):  # the server closes the connection as it shuts down
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(b'{"text":"Success","code":0}')
    assert srv.proc.wait(timeout=15) == 0
    again = launch(tmp_path, config=ALL_CAPS, data=srv.data)
    try:
        assert len(again.query(f"hec_case={marker}")) == 1
    finally:
        assert again.stop(signal.SIGINT) == 0
