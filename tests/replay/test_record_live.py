"""Live recording from real third-party clients (PyPI splunk-handler, npm splunk-logging) through
`hecc record` into a reference server; the capture replayed into a fresh reference server must store
the same events. The same capture becomes a lint-clean case file and a runnable curl script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prerequisites import CURL, NODE, SPLUNK_LOGGING, need
from replaykit import ROOT, Recording, fresh_server, hecc, query, replay_json, target_of

from hec_conformance.corpus import check

PY_CLIENT = """
import logging, sys
from splunk_handler import SplunkHandler, force_flush
h = SplunkHandler(host="127.0.0.1", port=int(sys.argv[1]), token=sys.argv[2], index="main", protocol="http",
                  verify=False, flush_interval=0.1, hostname="live-host", source="live-py", retry_count=0)
log = logging.getLogger("live")
log.addHandler(h)
log.setLevel(logging.INFO)
for i in range(3):
    log.info("live python %d user=u%d", i, i)
force_flush()
"""
NODE_CLIENT = """
const Logger = require("splunk-logging").Logger;
const [port, token] = process.argv.slice(1);  // node -e: argv[1] is the first argument
const logger = new Logger({token: token, url: "http://127.0.0.1:" + port, maxBatchCount: 1});
logger.error = (err) => { console.error("send failed:", err && err.message); process.exitCode = 1; };
logger.send({message: {text: "live node one", n: 1.50}, metadata: {source: "live-node", sourcetype: "json"}});
logger.send({message: "live node two a=b", severity: "warn"});
"""
IGNORED = {"@id", "@ingesttimestamp"}  # every event here carries a time, so @timestamp is compared


def _canonical(events: list[dict[str, Any]]) -> list[str]:
    return sorted(
        json.dumps({k: v for k, v in e.items() if k not in IGNORED}, sort_keys=True) for e in events
    )


@pytest.mark.needs(NODE, SPLUNK_LOGGING, CURL)  # CURL: the capture's curl script
def test_real_clients_recorded_replayed_and_stored_alike(tmp_path: Path) -> None:
    node, node_modules = need(NODE), need(SPLUNK_LOGGING).parent
    first = fresh_server(tmp_path / "first")
    second = fresh_server(tmp_path / "second")
    try:
        token = target_of(first)["tokens"]["default"]["token"]
        capture = tmp_path / "live.jsonl"
        recording = Recording(
            tmp_path,
            "--upstream",
            target_of(first)["url"],
            "--out",
            str(capture),
            "--roles",
            str(first.target),
        )
        try:
            py = subprocess.run(
                [sys.executable, "-c", PY_CLIENT, str(recording.port), token],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert py.returncode == 0, py.stderr
            node = subprocess.run(
                [node, "-e", NODE_CLIENT, str(recording.port), token],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, "NODE_PATH": str(node_modules)},
            )
            assert node.returncode == 0, node.stderr
        finally:
            log = recording.stop()
        assert "written to" in log, log
        lines = [json.loads(line) for line in capture.read_text().splitlines()]
        agents = {
            next(v for k, v in line["headers"] if k.lower() == "user-agent").split("/")[0] for line in lines
        }
        assert agents == {"python-requests", "Needle"}, agents
        assert token not in capture.read_text()
        assert all(line["response"]["status"] == 200 for line in lines)
        recorded_events = query(first, "*")
        assert len(recorded_events) == 5, recorded_events

        rc, summary = replay_json(str(capture), "--target", str(second.target), "--speed", "max")
        assert rc == 0, summary
        assert summary["compared"] == len(lines) and summary["differences"] == 0
        assert _canonical(query(second, "*")) == _canonical(recorded_events)

        cases = tmp_path / "cases" / "recorded.yaml"
        cases.parent.mkdir()
        done = hecc("capture", "to-cases", str(capture), "--out", str(cases))
        assert done.returncode == 0, done.stderr
        loaded, errors = check([cases])
        assert not errors and len(loaded) == 1 and len(loaded[0].requests) == len(lines)

        script = hecc("capture", "curl", str(capture))
        assert script.returncode == 0, script.stderr
        env = {**os.environ, "HEC_URL": target_of(second)["url"], "HEC_TOKEN_DEFAULT": token}
        ran = subprocess.run(
            ["bash", "-c", script.stdout.replace("\ncurl", "\necho; curl")],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.count('{"text":"Success","code":0}') == len(lines), ran.stdout
    finally:
        first.stop()
        second.stop()
