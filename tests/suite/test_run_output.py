"""What `hecc run` prints (issue 11): pytest's common options without `--`, progress lines in logs and
with -n, no pytest config-file line, the n/a level explained; `hecc cases lint --cases DIR`."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from suitekit import ROOT, health_case, hecc, write_cases

HEALTH_CASES = health_case("kv-health") + health_case("other-health")
PROGRESS = re.compile(r"^hecc: (\d+)/(\d+) \(\d+ %\): .*; \d+:\d\d:\d\d elapsed", re.MULTILINE)


def test_common_pytest_options_work_without_a_double_dash(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASES)
    run = ("run", "--target", str(reference_target), "--cases", str(cases))
    done = hecc(*run, "-k", "not other", "-x", "-v")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "kv-health[base] PASSED" in done.stdout
    assert "other-health" not in done.stdout.replace("deselected", "")
    assert "1 passed, 1 deselected" in done.stdout


def test_an_unknown_option_gets_a_one_line_hint(reference_target: Path) -> None:
    done = hecc("run", "--target", str(reference_target), "--lf")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "hecc: run: unknown option --lf; hecc run takes -k -m -x --maxfail -n -v -q --tb --junitxml as "
        "they are, any other pytest option after `--` (hecc run ... -- --lf)"
    ]


def test_progress_lines_in_a_log_and_no_config_file_line(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASES)
    done = hecc("run", "--target", str(reference_target), "--cases", str(cases))  # stdout is a pipe
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    found = PROGRESS.findall(done.stderr)
    assert found and found[-1] == ("2", "2"), done.stderr
    assert "configfile:" not in done.stdout and "dev/null" not in done.stdout


KEEPS_PLUGINS_IN_A_SET = """\
SEEN = set()


def pytest_plugin_registered(plugin, manager):
    SEEN.add(plugin)  # as pytest 9.0's fixture manager does with every plugin object
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_plugin_that_hashes_every_plugin_object_does_not_break_a_run(
    reference_target: Path, tmp_path: Path, workers: str
) -> None:
    """Environments differ in what else is installed: pytest 9.0.3 (with pytest-benchmark beside it) put
    every registered plugin object in a set, and the unhashable suite object made each run exit 3."""
    (tmp_path / "keeps_plugins.py").write_text(KEEPS_PLUGINS_IN_A_SET, "utf-8")
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASES)
    paths = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    done = hecc(
        "run", "--target", str(reference_target), "--cases", str(cases), "-n", workers,
        env={"PYTEST_PLUGINS": "keeps_plugins", "PYTHONPATH": paths},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "2 passed" in done.stdout


def test_progress_lines_with_xdist_workers(reference_target: Path, tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASES)
    done = hecc("run", "--target", str(reference_target), "--cases", str(cases), "-n", "2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    found = PROGRESS.findall(done.stderr)
    assert found and found[-1] == ("2", "2"), done.stderr


def test_the_not_applicable_level_is_explained(reference_target: Path, tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    shutil.copy(ROOT / "cases" / "splunk.yaml", tmp_path / "cases")
    done = hecc("run", "--target", str(reference_target), "--cases", str(tmp_path / "cases"))
    rows = re.findall(r"^\s+splunk\s+n/a\s", done.stdout, re.MULTILINE)
    assert rows, done.stdout[-3000:]
    assert "level n/a: the area's requirements do not apply in profile humio" in done.stdout
    assert "--hec-fail-on" not in done.stdout


def test_cases_lint_takes_cases_like_run(tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", "kv", HEALTH_CASES)
    done = hecc("cases", "lint", "--cases", str(cases))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip() == "2 valid case(s), 0 error(s)"
