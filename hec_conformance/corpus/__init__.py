"""The case corpus: load and validate case files, lint them, and measure requirement coverage."""

from hec_conformance.corpus.coverage import coverage, gaps
from hec_conformance.corpus.lint import check, content_hash, default_cases_dir, lint, load_cases
from hec_conformance.corpus.model import Case, CorpusError, LintError
from hec_conformance.corpus.notation import decode_base64, decode_text, expand_placeholders

__all__ = [
    "Case",
    "CorpusError",
    "LintError",
    "check",
    "content_hash",
    "coverage",
    "decode_base64",
    "decode_text",
    "default_cases_dir",
    "expand_placeholders",
    "gaps",
    "lint",
    "load_cases",
]
