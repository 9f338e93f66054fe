"""Reports under pytest-xdist: each worker hands its case records to the controller, which writes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hec_conformance.reports.collect import Collector

KEY = "hec_conformance_records"


class WorkerRecords:
    """A pytest plugin object: ships a worker's records at its end, merges them in the controller."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        output = getattr(session.config, "workeroutput", None)
        if output is not None:  # a worker: the controller writes the reports
            output[KEY] = json.dumps(self.collector.records)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        records = getattr(node, "workeroutput", {}).get(KEY)
        if records:
            self.collector.records.extend(json.loads(records))
            self.collector.records.sort(key=lambda r: (r["file"], r["id"], r["variant"]))
