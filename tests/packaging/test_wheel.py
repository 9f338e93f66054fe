"""The sdist and the wheel as a release builds them (`python -m build`: the sdist, then the wheel from it),
and the wheel installed apart from the checkout: the corpus, the configs and the schemas travel inside it.

About 10 s: one build, one `pip install --no-deps --target`; `.ci/run` also installs it with its
dependencies in a fresh virtualenv and runs the whole suite from there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hec_conformance.corpus import check

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("hec_conformance", "reference_server")
DATA_SUFFIXES = {".py", ".json", ".yaml", ".html", ".typed"}  # what the code reads besides modules


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Iterator[zipfile.ZipFile]:
    (path,) = dist.glob("*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def _shipped_files() -> dict[str, Path]:
    """Every module and data file of the packages in the checkout, and the top-level corpus (reached
    through the link hec_conformance/cases), by their paths inside the wheel."""
    files = {f"hec_conformance/cases/{path.name}": path for path in (REPO / "cases").iterdir()}
    for package in PACKAGES:
        for path in (REPO / package).glob("**/*"):  # does not descend into the link
            if path.is_file() and path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts:
                files[path.relative_to(REPO).as_posix()] = path
    return files


def test_the_wheel_holds_every_module_the_corpus_configs_schemas_and_markers(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    shipped = _shipped_files()
    assert sorted(set(shipped) - names) == []
    for name, path in shipped.items():
        assert wheel.read(name) == path.read_bytes(), name
    corpus = sorted(n for n in names if n.startswith("hec_conformance/cases/"))
    assert corpus == sorted(n for n in shipped if n.startswith("hec_conformance/cases/"))
    assert len(corpus) >= 20  # the corpus, not an empty folder
    for name in (
        "hec_conformance/py.typed",
        "reference_server/py.typed",
        "reference_server/configs/suite.yaml",
        "reference_server/configs/suite-all-caps.yaml",
        "reference_server/config.schema.json",
        "hec_conformance/schemas/case-file.schema.json",
        "hec_conformance/schemas/results.schema.json",
        "hec_conformance/schemas/target.schema.json",
    ):
        assert name in names


def test_the_wheel_carries_the_license_and_its_metadata_names_it(wheel: zipfile.ZipFile) -> None:
    (dist_info,) = {n.split("/")[0] for n in wheel.namelist() if ".dist-info/" in n}
    assert wheel.read(f"{dist_info}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "Classifier: Typing :: Typed" in metadata.splitlines()


def test_the_sdist_holds_the_corpus_license_and_changelog(dist: Path) -> None:
    (path,) = dist.glob("*.tar.gz")
    with tarfile.open(path) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"} <= names
    assert {f"hec_conformance/cases/{p.name}" for p in (REPO / "cases").iterdir()} <= names


def test_the_installed_wheel_finds_its_corpus_and_server_outside_the_checkout(
    dist: Path, tmp_path: Path
) -> None:
    (path,) = dist.glob("*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(path)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("HECC_CASES", None)

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    where = run(sys.executable, "-c", "import hec_conformance, reference_server as r; print(r.__file__)")
    assert where.stdout.strip() == str(site / "reference_server" / "__init__.py"), where.stderr
    lint = run(str(site / "bin" / "hecc"), "cases", "lint")
    cases, _ = check()  # the checkout's corpus
    assert lint.returncode == 0 and f"{len(cases)} valid case(s), 0 error(s)" in lint.stderr, lint.stderr
    suite = run(str(site / "bin" / "hecc"), "run", "--", "-q", "-k", "health")
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
    assert " passed" in suite.stdout and "conforms" in suite.stdout
