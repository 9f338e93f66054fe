"""The corpus's self-check: every case file in cases/ lints clean and every requirement is covered
in every profile where it applies. This fails while the corpus is incomplete, by design."""

from __future__ import annotations

from hec_conformance.catalogue import load_catalogue
from hec_conformance.corpus import check, coverage, default_cases_dir, gaps


def test_corpus_lints_clean():
    cases, errors = check([default_cases_dir()])
    assert [str(e) for e in errors] == []
    assert cases


def test_corpus_covers_every_requirement_in_every_profile():
    catalogue = load_catalogue()
    cases, _ = check([default_cases_dir()])
    missing = [f"{rid} {profile}" for rid, profile in gaps(coverage(cases, catalogue))]
    assert missing == []
