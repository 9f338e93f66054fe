"""The pytest11 entry point: the `--hec-*` options and the level markers. The suite (engine, corpus,
reports) is imported only when a target is given, so plain pytest sessions stay as fast as without it.

    pytest --hec-target target.yaml                 # every case against that target
    pytest --hec-url https://h:8088 --hec-token T   # a bare endpoint: no read-back, no capabilities
    pytest --hec-target t.yaml -m must -k kv --hec-req TIME-1

Items are named `file::case-id[variant]`. `unsupported` is a skip with its reason; `warn` (SHOULD)
and `info` (MAY) pass unless `--hec-fail-on` says otherwise; a harness problem (unreachable target,
read-back failure) is an error in setup, never a failure of the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from hec_conformance.pytest import DEFAULT_MAX_ERRORS

if TYPE_CHECKING:
    from hec_conformance.pytest.suite import Suite

OPTIONS = {
    "target": "target file (docs/targets.md); turns the conformance suite on",
    "url": "base URL of a bare HEC endpoint (with --hec-token); turns the conformance suite on",
    "token": "ingest token of role `default` (overrides the target file's)",
    "profile": "humio or splunk (overrides the target file's)",
    "level": "run only cases at this level or stricter: must, should or may (default may: all)",
    "fail_on": "what fails an item: must (default: only MUST breaks), should (also SHOULD), may (all)",
    "req": "run only cases checking these requirement ids (comma-separated; `TIME` selects TIME-*)",
    "cases": "directory of case files (default: the bundled corpus)",
    "report_dir": "write results.json, junit.xml, report.html and badges in this directory (docs/results.md)",
    "timeout": "seconds to wait for each answer of the target (overrides the target file's; default 30)",
    "max_errors": f"stop after this many harness errors (default {DEFAULT_MAX_ERRORS}; 0: never)",
    "preflight": "on (default) or off: check the URL, the default token and the read-back before the "
    "first case, and stop with exit status 3 when one fails",
    "vendor_profile": "vendor profile of known deviations (docs/vendor-profiles.md; default: "
    "<target>.vendor-profile.yaml beside the target file, if any)",
}
STATE: pytest.StashKey[Suite] = pytest.StashKey()  # the running suite, once a target is given


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hec", "HEC conformance suite")
    for name, text in OPTIONS.items():
        group.addoption(f"--hec-{name.replace('_', '-')}", dest=f"hec_{name}", default=None, help=text)
        parser.addini(f"hec_{name}", text)


def option(config: pytest.Config, name: str) -> str | None:
    """An `--hec-*` option's value, else the `hec_*` ini value, else None."""
    value = config.getoption(f"hec_{name}")
    if value is None:
        value = config.getini(f"hec_{name}") or None
    return None if value is None else str(value)


def pytest_configure(config: pytest.Config) -> None:
    for level in ("must", "should", "may"):
        config.addinivalue_line("markers", f"{level}: case at level {level.upper()} in the target's profile")
    if option(config, "target") is None and option(config, "url") is None:
        return
    from hec_conformance.pytest.harness import HarnessErrors
    from hec_conformance.pytest.suite import start  # the engine and the corpus load only now

    start(config)
    max_errors = _count(config, "max_errors", DEFAULT_MAX_ERRORS)
    config.pluginmanager.register(HarnessErrors(max_errors), "hec-harness")
    if not hasattr(config, "workerinput") and (option(config, "preflight") or "on") != "off":
        from hec_conformance.preflight import PreflightError, preflight

        try:
            preflight(config.stash[STATE].engine.target)
        except PreflightError as exc:
            pytest.exit(str(exc), returncode=3)


def _count(config: pytest.Config, name: str, default: int) -> int:
    value = option(config, name)
    if value is None:
        return default
    if not value.isdigit():
        raise pytest.UsageError(f"--hec-{name.replace('_', '-')} must be a whole number, not {value!r}")
    return int(value)
