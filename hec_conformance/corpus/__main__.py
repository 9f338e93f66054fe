"""`python -m hec_conformance.corpus lint [paths]` / `coverage [paths]`: check the case corpus."""

from __future__ import annotations

import argparse
import sys

from hec_conformance.catalogue import load_catalogue
from hec_conformance.corpus.coverage import coverage, gaps
from hec_conformance.corpus.lint import check


def main(argv: list[str] | None = None) -> int:
    """Print lint errors, or the coverage gaps; exit 1 when there is any."""
    parser = argparse.ArgumentParser(prog="python -m hec_conformance.corpus", description=__doc__)
    parser.add_argument("command", choices=["lint", "coverage"])
    parser.add_argument("paths", nargs="*", help="case files or directories (default: the corpus)")
    args = parser.parse_args(argv)
    cases, errors = check(args.paths or None)
    for error in errors:
        print(error)
    if args.command == "lint":
        print(f"{len(cases)} valid case(s), {len(errors)} error(s)", file=sys.stderr)
        return 1 if errors else 0
    catalogue = load_catalogue()
    missing = gaps(coverage(cases, catalogue))
    for rid, profile in missing:
        print(f"gap: {rid} ({catalogue[rid].level_for(profile)} {profile}): {catalogue[rid].title}")
    pairs = sum(len(req.levels) for req in catalogue.values())
    print(
        f"{pairs - len(missing)}/{pairs} requirement-profile pairs covered by {len(cases)} case(s)",
        file=sys.stderr,
    )
    return 1 if errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
