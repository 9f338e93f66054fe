"""A real report generation (the reference server with every capability, real cases through the engine):
no token of the target appears in any report file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from hec_conformance import Engine, load_cases, load_catalogue, load_target
from hec_conformance.cli.server import reference_server
from hec_conformance.reports import Collector, render_terminal, write_reports
from hec_conformance.waivers import Deviation, VendorProfile

AREAS = {"auth", "ack", "query", "endpoints"}  # the areas that put tokens on the wire in every way


def test_no_token_in_any_report_file(tmp_path: Path) -> None:
    cases = [c for c in load_cases() if c.area in AREAS]
    with reference_server("humio", all_caps=True) as target_file:
        target = load_target(target_file)
        profile = VendorProfile((Deviation(None, "AUTH-1", "a waiver in the reports", "2999-01-01"),))
        collector = Collector(cases=cases, vendor_profile=profile, secrets=target.secrets())
        engine = Engine(target, load_catalogue(), listeners=[collector], readback_timeout=5.0)
        try:
            for _ in engine.execute((case, variant) for case in cases for variant in engine.variants(case)):
                pass
        finally:
            engine.close()
    doc = collector.document()
    assert len(doc["cases"]) > 100 and doc["counts"]["pass"] > 100
    files = write_reports(doc, tmp_path / "reports")
    console = Console(record=True, width=200, file=(tmp_path / "terminal.txt").open("w"))
    render_terminal(doc, console)
    console.file.close()
    files.append(tmp_path / "terminal.txt")
    secrets = list(target.secrets())
    assert {"hecc-default-token", "hecc-read-token", "hecc-disabled-token"} <= set(secrets)
    for path in files:
        data = path.read_text("utf-8")
        found = [s for s in secrets if s in data]
        assert not found, f"{path.name} holds {found}"
    wire = (tmp_path / "reports" / "results.json").read_text("utf-8")
    for form in ('"Splunk ***"', '"Basic ***"', "token=***"):  # the tokens did go on the wire
        assert form in wire
