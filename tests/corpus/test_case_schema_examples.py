"""Every ```yaml block of docs/cases.md is a complete case file that lints clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hec_conformance.corpus import lint

DOC = Path(__file__).resolve().parents[2] / "docs" / "cases.md"
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text("utf-8"), re.MULTILINE | re.DOTALL)


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{n}" for n in range(len(BLOCKS))])
def test_example_lints_clean(tmp_path, block):
    area = yaml.safe_load(block)["area"]
    path = tmp_path / f"{area}.yaml"
    path.write_text(block, encoding="utf-8")
    assert [str(error) for error in lint([path])] == []
