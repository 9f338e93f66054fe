"""The packaged catalogue holds exactly SPEC.md's requirement ids, levels and capabilities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from prerequisites import SPEC, need

from hec_conformance.catalogue import LEVELS, PROFILES, load_catalogue

_ROW = re.compile(r"^\| ([A-Z]+-\d+) \| ([^|]+) \| (.+) \|$")
_ORD = re.compile(r"^\*\*([A-Z]+-\d+) \((MUST|SHOULD|MAY)\)\.\*\*(.*)$")
_CAP = re.compile(r"cap `([^`]+)`")
_SINGLE = re.compile(r"^(MUST|SHOULD|MAY)(?: \(cap `([^`]+)`\))?$")
_PER_PROFILE = re.compile(r"(MUST|SHOULD|MAY) (humio|splunk)")


@dataclass
class SpecRow:
    id: str
    section: str
    level_cell: str
    rule: str
    section_cap: str | None
    levels: dict[str, str] = field(default_factory=dict)  # only when the cell names profiles
    level: str | None = None
    capability: str | None = None


def parse_spec(text: str) -> dict[str, SpecRow]:
    """Every requirement row of SPEC.md, with its section and level cell parsed."""
    rows: dict[str, SpecRow] = {}
    section, section_cap = "", None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            cap = _CAP.search(section)
            section_cap, in_intro = (cap.group(1) if cap else None), True
            continue
        if line.startswith("|"):
            in_intro = False
        elif section and in_intro and section_cap is None and (cap := _CAP.search(line)):
            section_cap = cap.group(1)
        match = _ROW.match(line) or _ORD.match(line)
        if not match:
            continue
        rid, cell, rule = (part.strip() for part in match.groups())
        assert rid not in rows, f"SPEC.md repeats {rid}"
        row = SpecRow(rid, section, cell, rule, section_cap)
        if single := _SINGLE.match(cell):
            row.level, row.capability = single.group(1), single.group(2) or section_cap
        else:
            row.levels = {profile: level for level, profile in _PER_PROFILE.findall(cell)}
            row.capability = section_cap
            assert row.levels and _PER_PROFILE.sub("", cell).strip(" ,") == "", f"unparsed level {cell!r}"
        rows[rid] = row
    return rows


@pytest.fixture(scope="module")
def spec() -> dict[str, SpecRow]:
    rows = parse_spec(need(SPEC).read_text("utf-8"))
    assert len(rows) > 50, "SPEC.md parsed to too few requirement rows: the parser is wrong"
    return rows


@pytest.mark.needs(SPEC)
def test_same_ids_in_spec_order(spec):
    assert list(load_catalogue()) == list(spec)


@pytest.mark.needs(SPEC)
def test_levels_match_spec(spec):
    for rid, requirement in load_catalogue().items():
        row = spec[rid]
        if row.levels:
            assert dict(requirement.levels) == row.levels, rid
        else:
            assert requirement.levels and set(requirement.levels.values()) == {row.level}, rid


@pytest.mark.needs(SPEC)
def test_capabilities_and_sections_match_spec(spec):
    for rid, requirement in load_catalogue().items():
        assert requirement.capability == spec[rid].capability, rid
        assert requirement.section == spec[rid].section, rid


@pytest.mark.needs(SPEC)
def test_profiles_follow_spec_section_0(spec):
    """In splunk the suite checks responses only: §4, §5 and §7 rows apply there only when they
    state a splunk behaviour or an error answer; every other section applies in both profiles."""
    for rid, requirement in load_catalogue().items():
        row = spec[rid]
        if row.levels:
            continue
        if row.section.split(".", 1)[0] in ("4", "5", "7"):
            answers = "splunk" in row.rule or re.search(r"\b[45][0-9][0-9]\b", row.rule)
            expected = {"humio", "splunk"} if answers else {"humio"}
        else:
            expected = set(PROFILES)
        assert set(requirement.levels) == expected, rid


def test_requirement_api():
    catalogue = load_catalogue()
    assert catalogue["BODY-11"].level_for("humio") == "MUST"
    assert catalogue["BODY-11"].level_for("splunk") == "MAY"
    assert catalogue["SPL-2"].level_for("humio") is None
    assert catalogue["EP-3"].capability == "raw"
    assert all(level in LEVELS for req in catalogue.values() for level in req.levels.values())
    catalogue.pop("EP-1")
    assert "EP-1" in load_catalogue(), "load_catalogue hands out a fresh dict each call"


def test_spec_parser_reads_each_level_form():
    text = (
        "## 1. A (A)\n\n**ORD-9 (SHOULD).** rule\n\n| id | level | rule |\n|---|---|---|\n"
        "| A-1 | MUST (cap `raw`) | x |\n| A-2 | MUST humio, MAY splunk | y |\n"
        "## 7. B, cap `ack`\n| B-1 | MAY | splunk z |\n"
        "## 9. C\n\nA target with cap `readback` reads.\n\n| C-1 | MUST | q |\n"
    )
    rows = parse_spec(text)
    assert (rows["ORD-9"].level, rows["ORD-9"].capability) == ("SHOULD", None)
    assert (rows["A-1"].level, rows["A-1"].capability) == ("MUST", "raw")
    assert rows["A-2"].levels == {"humio": "MUST", "splunk": "MAY"}
    assert (rows["B-1"].capability, rows["B-1"].section) == ("ack", "7. B, cap `ack`")
    assert rows["C-1"].capability == "readback"
