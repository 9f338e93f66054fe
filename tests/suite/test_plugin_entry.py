"""The pytest11 entry point is light: a pytest session that does not run the suite pays nothing for it."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

HEAVY = ("httpx", "jsonschema", "yaml", "rich", "hec_conformance.engine", "hec_conformance.corpus")


def _modules(code: str, cwd: Path) -> list[str]:
    """The modules loaded after running `code` in a fresh interpreter (printed as JSON by it)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_the_entry_point_is_the_light_plugin_module() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["hec_conformance"] == "hec_conformance.pytest.plugin"


def test_importing_the_entry_module_imports_nothing_heavy(tmp_path: Path) -> None:
    loaded = _modules("import hec_conformance.pytest.plugin", tmp_path)
    assert [m for m in loaded if m in HEAVY] == []
    assert [m for m in loaded if m.startswith("hec_conformance")] == [
        "hec_conformance",
        "hec_conformance.pytest",
        "hec_conformance.pytest.plugin",
    ]


def test_a_pytest_session_without_hec_options_loads_only_the_entry_module(tmp_path: Path) -> None:
    # A trivial test file for a plain pytest session to collect: what is asserted is which modules that
    # session imported, not this file's own test (its `assert True` only gives pytest something to run).
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    quiet = "with contextlib.redirect_stdout(io.StringIO()): pytest.main(['-q'])"
    code = f"import io, contextlib, pytest\n{quiet}"
    loaded = _modules(code, tmp_path)
    assert [m for m in loaded if m.startswith("hec_conformance")] == [
        "hec_conformance",
        "hec_conformance.pytest",
        "hec_conformance.pytest.plugin",
    ]


def test_the_public_api_still_loads_on_first_use(tmp_path: Path) -> None:
    loaded = _modules("from hec_conformance import Engine, load_target", tmp_path)
    assert "hec_conformance.engine" in loaded and "h11" in loaded
