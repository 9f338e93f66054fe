"""Regenerate reports/: the reference server's own reports in both profiles, and the README screenshot.

    python -m hec_conformance.reports.reference reports/ [--screenshot]

Runs `hecc run --profile P --report-dir reports/P` for humio and splunk (the bundled reference
server), then, with --screenshot, photographs reports/humio/report.html with Debian's headless
Chromium (Playwright; a dev dependency) into reports/screenshot.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PROFILES = ("humio", "splunk")
RUN_TIMEOUT = 1800
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_profile(out: Path, profile: str) -> int:
    """`hecc run` against the bundled reference server in `profile`; 0 or 1 (a finding) are fine."""
    argv = [
        sys.executable,
        "-m",
        "hec_conformance.cli",
        "run",
        "--profile",
        profile,
        "--report-dir",
        str(out / profile),
    ]
    return subprocess.run(argv, timeout=RUN_TIMEOUT, check=False).returncode


def screenshot(report: Path, png: Path) -> None:
    """The top of the HTML report (summary, areas x levels, requirement matrix) at 1280x900."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
            )
            page.goto(report.resolve().as_uri())
            page.screenshot(path=str(png))
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit code is the worst of the runs (2 or 3 stop it)."""
    parser = argparse.ArgumentParser(
        prog="python -m hec_conformance.reports.reference",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="the reports directory (reports/)")
    parser.add_argument("--screenshot", action="store_true", help="also write OUT/screenshot.png")
    args = parser.parse_args(argv)
    worst = 0
    for profile in PROFILES:
        rc = run_profile(args.out, profile)
        if rc not in (0, 1):
            print(f"hecc run --profile {profile} exited with {rc}", file=sys.stderr)
            return rc
        worst = max(worst, rc)
    if args.screenshot:
        screenshot(args.out / "humio" / "report.html", args.out / "screenshot.png")
    return worst


if __name__ == "__main__":
    sys.exit(main())
