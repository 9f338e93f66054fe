"""pyproject.toml's metadata against the code: runtime dependencies are what the shipped code imports,
the version has one source, the changelog is kept."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

import hec_conformance

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("hec_conformance", "reference_server")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
# Imported only inside the functions of optional features, each declared by an extra.
OPTIONAL = {"locust": "locust", "gevent": "locust", "playwright": "dev"}
# Loaded by pytest, not imported: `hecc run -n N`.
PLUGINS = {"pytest-xdist"}


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _imported_distributions() -> set[str]:
    """The distributions whose modules the shipped code imports (absolute imports of other packages)."""
    modules: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).glob("**/*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | set(PACKAGES)
    owners = metadata.packages_distributions()
    unknown = sorted(m for m in modules if m not in owners)
    assert unknown == [], f"imported but not installed: {unknown}"
    return {_name(dist) for m in modules for dist in owners[m]}


def _declared(requirements: list[str]) -> set[str]:
    return {_name(Requirement(r).name) for r in requirements}


def test_runtime_dependencies_are_exactly_what_the_shipped_code_imports() -> None:
    imported = _imported_distributions()
    runtime = _declared(PROJECT["dependencies"])
    assert sorted(imported - runtime - set(OPTIONAL)) == [], "imported, not declared"
    assert sorted(runtime - imported - PLUGINS) == [], "declared, never imported (a test-only tool?)"
    for dist, extra in OPTIONAL.items():
        assert dist in imported, f"{dist} is no longer imported: drop it from OPTIONAL"
        assert dist in _declared(PROJECT["optional-dependencies"][extra]), f"{dist} not in [{extra}]"


def test_the_version_has_one_source() -> None:
    version = PROJECT["version"]
    assert hec_conformance.__version__ == metadata.version("hec-conformance")
    copies = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        for path in (REPO / package).glob("**/*.py")
        if re.search(rf"[\"']{re.escape(version)}[\"']", path.read_text("utf-8"))
    ]
    assert copies == [], f"a second copy of the version {version} (read it from the package metadata)"


def test_the_changelog_opens_with_the_unreleased_changes() -> None:
    text = (REPO / "CHANGELOG.md").read_text("utf-8")
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert sections and sections[0] == "[Unreleased]"
    assert re.search(r"^## \[Unreleased\]\n+### \w+\n+- \S", text, re.MULTILINE), "Unreleased lists nothing"
