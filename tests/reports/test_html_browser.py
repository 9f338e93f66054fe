"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright, from disk.

Every test also checks that the page asked for nothing but itself: no request leaves the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from prerequisites import CHROMIUM, need
from reportkit import NO_CONTROL, NO_READBACK, document, unchecked_stream

from hec_conformance.reports import render_html

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
pytestmark = pytest.mark.needs(CHROMIUM)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=need(CHROMIUM), args=ARGS, timeout=60_000)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(document()), "utf-8")
    return path


def _open(browser: Browser, report: Path) -> Iterator[Page]:
    """The report `report` in a fresh browser context; afterwards, that it asked for nothing but itself."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    blocked: list[str] = []
    errors: list[str] = []

    def block(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else block(route)
    )
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(report.as_uri())
    yield page
    context.close()
    assert requests == [report.as_uri()], f"the page made requests: {requests}"
    assert blocked == []
    assert errors == []


@pytest.fixture
def page(browser: Browser, report_file: Path) -> Iterator[Page]:
    yield from _open(browser, report_file)


@pytest.fixture
def unchecked_page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """The report of reportkit's cases whose stored checks were not checked."""
    path = tmp_path / "report.html"
    path.write_text(render_html(document(events=unchecked_stream())), "utf-8")
    yield from _open(browser, path)


def _shown(page: Page) -> list[str]:
    return page.locator("details.case").evaluate_all("els => els.map(e => e.dataset.id)")


def _matrix_rows(page: Page) -> list[str]:
    return page.locator("#matrix-table tr.req-row").evaluate_all("els => els.map(e => e.dataset.req)")


def test_summary_up_top(page: Page) -> None:
    assert page.locator("#verdict").inner_text() == "DOES NOT CONFORM at --fail-on must"
    assert "2 waived" in page.locator("#totals").inner_text()
    assert "1 stale waiver(s)" in page.locator("#summary").inner_text()
    assert page.locator("#shown-count").inner_text() == "10 of 10 case variants shown"


def test_filters_change_what_is_shown(page: Page) -> None:
    assert _matrix_rows(page) == ["EVT-1", "TIME-1", "TIME-9", "KV-3", "ACK-1", "SPL-1"]
    page.select_option("#f-outcome", "fail")
    assert _shown(page) == ["case-2[base]", "case-9[gzip]"]
    assert _matrix_rows(page) == ["EVT-1", "TIME-1"]
    page.select_option("#f-outcome", "")
    page.select_option("#f-level", "SHOULD")
    assert _shown(page) == ["case-3[base]", "case-8[gzip]"]
    assert _matrix_rows(page) == ["TIME-9"]
    page.select_option("#f-level", "")
    page.select_option("#f-area", "kv")
    assert _shown(page) == ["case-4[base]"]
    assert page.locator("#shown-count").inner_text() == "1 of 10 case variants shown"
    page.select_option("#f-area", "")
    page.fill("#f-text", "case-1")
    assert _shown(page) == ["case-1[base]", "case-10[base]"]


def test_a_matrix_row_lists_its_cases(page: Page) -> None:
    page.click("#matrix-table tr[data-req=TIME-9]")
    expect(page.locator("#tab-cases")).to_be_visible()
    assert _shown(page) == ["case-3[base]", "case-8[gzip]"]


def test_failing_case_expands_to_its_diff_and_wire_log(page: Page) -> None:
    page.select_option("#f-outcome", "fail")
    page.click("nav.tabs button[data-tab=cases]")
    case = page.locator("details.case[data-id='case-2[base]']")
    assert not case.locator("table.diff").count()
    case.locator("summary").click()
    diff = case.locator("table.diff")
    expect(diff).to_be_visible()  # rendered on the toggle event, a task after the click: wait for it
    cells = diff.locator("tr").nth(1).inner_text().split("\t")
    assert cells == [
        "0",
        "EVT-1, TIME-1",
        "stored-field",
        "events[0].@timestamp",
        "1500",
        "1000",
        "different value",
    ]
    wire = case.locator("pre.wire").inner_text()
    assert "--> POST /services/collector/event" in wire and '{"event":"b","time":1.5}' in wire
    assert '{"@rawstring":"b","@timestamp":1000}' in wire


def test_hostile_body_is_text_not_markup(page: Page) -> None:
    page.select_option("#f-outcome", "waived")
    page.click("nav.tabs button[data-tab=cases]")
    case = page.locator("details.case[data-id='case-7[base]']")
    case.locator("summary").click()
    assert '<img src="http://127.0.0.1:9/x.png">' in case.locator("pre.wire").inner_text()
    assert "Waived — deviation case-7" in case.locator(".waiver").inner_text()
    assert page.locator("img").count() == 0


def test_coverage_of_spec_ids(page: Page) -> None:
    page.click("nav.tabs button[data-tab=coverage]")
    rows = page.locator("#coverage-table tr[data-coverage]")
    status = dict(
        zip(
            rows.evaluate_all("els => els.map(e => e.children[1].textContent)"),
            rows.evaluate_all("els => els.map(e => e.children[3].textContent)"),
            strict=True,
        )
    )
    assert status == {
        "EVT-1": "verified, 1 not passing",
        "TIME-1": "verified, 3 not passing",
        "TIME-9": "verified",
        "KV-3": "verified, 1 not passing",
        "ACK-1": "unsupported only",
        "RAW-9": "no case",
        "SPL-1": "not applicable",
    }
    assert page.locator("#coverage-summary").inner_text() == (
        "4 verified · 1 unsupported only · 1 no case · 1 not applicable"
    )


def _not_checked_column(page: Page) -> dict[str, str]:
    rows = page.locator("#matrix-table tr.req-row")
    return dict(
        zip(
            rows.evaluate_all("els => els.map(e => e.dataset.req)"),
            rows.evaluate_all("els => els.map(e => e.querySelector('td.why').textContent)"),
            strict=True,
        )
    )


def test_not_checked_stored_checks_are_shown_with_their_reasons(unchecked_page: Page) -> None:
    """A stored check the run could not make (no read-back, no positive control) is never a pass: the
    matrix says per requirement why checks went unchecked, and the case lists them with the reason."""
    page = unchecked_page
    headers = page.locator("#matrix-table tr").first.evaluate("e => [...e.children].map(c => c.textContent)")
    assert headers[-1] == "not checked"
    assert _not_checked_column(page) == {
        "EVT-1": f"{NO_READBACK}; {NO_CONTROL}",
        "TIME-1": NO_READBACK,
        "TIME-9": "",
    }
    # The column follows the cases shown: only case-2 fails.
    page.select_option("#f-outcome", "fail")
    assert _not_checked_column(page) == {"EVT-1": NO_CONTROL}
    page.select_option("#f-outcome", "")
    page.click("nav.tabs button[data-tab=cases]")
    for case_id, lines in (
        ("case-1[base]", [f"request 0 events [EVT-1, TIME-1]: {NO_READBACK}"]),
        ("case-2[base]", [f"request 0 stored [EVT-1]: {NO_CONTROL}"]),
        ("case-3[base]", []),
    ):
        case = page.locator(f"details.case[data-id='{case_id}']")
        case.locator("summary").click()
        expect(case.locator("pre.wire")).to_be_visible()  # the body is rendered on the toggle event
        assert case.locator(".unchecked").all_inner_texts() == lines
        assert case.locator("h3", has_text="Not checked").count() == (1 if lines else 0)
