"""The case corpus: the case model, its loader (schema and lint), and requirement coverage."""

from hec_conformance.corpus.coverage import coverage, gaps
from hec_conformance.corpus.errors import CorpusError, LintError
from hec_conformance.corpus.loader import check, content_hash, default_cases_dir, lint, load_cases
from hec_conformance.corpus.model import Auth, Case, Expect, Request
from hec_conformance.corpus.notation import decode_base64, decode_text, expand_placeholders

__all__ = [
    "Auth",
    "Case",
    "CorpusError",
    "Expect",
    "LintError",
    "Request",
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
