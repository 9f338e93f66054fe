"""Helpers for the corpus tests: write small case files into a temporary directory and lint them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hec_conformance.corpus import LintError, lint


class CaseFiles:
    """Writes case files (dedented YAML text) into one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def lint(self, name: str, text: str) -> list[LintError]:
        """Write one file and lint it alone."""
        return lint([self.write(name, text)])


@pytest.fixture
def case_files(tmp_path: Path) -> CaseFiles:
    return CaseFiles(tmp_path)
