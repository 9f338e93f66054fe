"""`hecc cases lint|list|coverage`: the case corpus checked, listed, and its requirement coverage."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

from hec_conformance.cli.errors import EXIT_NONCONFORMANCE, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from hec_conformance.catalogue import Requirement
    from hec_conformance.corpus import Case, LintError


def _checked(args: argparse.Namespace) -> tuple[list[Case], list[LintError]]:
    """The cases of the PATHs and --cases options (the bundled corpus without either), and the errors."""
    from hec_conformance.corpus import check

    return check([*args.paths, *args.case_dirs] or None)


def cmd_cases_lint(args: argparse.Namespace) -> int:
    """Print every problem of the case files; exit 1 when there is one."""
    cases, errors = _checked(args)
    for error in errors:
        print(error)
    print(f"{len(cases)} valid case(s), {len(errors)} error(s)", file=sys.stderr)
    return EXIT_NONCONFORMANCE if errors else EXIT_OK


def _listing(case: Case, catalogue: dict[str, Requirement], as_json: bool) -> tuple[str, int]:
    """One case's line (or JSON object) and how many items (variants) it runs as."""
    from hec_conformance.engine import case_variants

    levels = {}
    for profile in case.profiles:
        with contextlib.suppress(ValueError):
            levels[profile] = case.level_for(profile, catalogue)
    variants = case_variants(case.variants, case.requests)
    if as_json:
        fields: dict[str, Any] = {
            "id": case.id,
            "area": case.area,
            "title": case.title,
            "levels": levels,
            "requirements": list(case.requirements),
            "variants": list(variants),
            "tags": list(case.tags),
            "file": str(case.file),
            "line": case.line,
        }
        return json.dumps(fields), len(variants)
    shown = " ".join(f"{p}:{lv}" for p, lv in levels.items())
    line = (
        f"{case.id:40} {shown:28} {','.join(case.requirements):18} {len(variants)} variant(s)  {case.title}"
    )
    return line, len(variants)


def cmd_cases_list(args: argparse.Namespace) -> int:
    """One line (or JSON object) per case: id, levels per profile, requirements, variants, title."""
    from hec_conformance.catalogue import load_catalogue

    cases, errors = _checked(args)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        return EXIT_USAGE
    catalogue = load_catalogue()
    items = 0
    for case in cases:
        line, variants = _listing(case, catalogue, args.json)
        print(line)
        items += variants
    print(f"{len(cases)} case(s), {items} item(s)", file=sys.stderr)
    return EXIT_OK


def cmd_cases_coverage(args: argparse.Namespace) -> int:
    """Which requirement/profile pairs no case checks; exit 1 on any gap."""
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.corpus import coverage, gaps

    cases, errors = _checked(args)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    catalogue = load_catalogue()
    missing = gaps(coverage(cases, catalogue))
    for rid, profile in missing:
        print(f"gap: {rid} ({catalogue[rid].level_for(profile)} in {profile}): {catalogue[rid].title}")
    pairs = sum(len(req.levels) for req in catalogue.values())
    print(
        f"{pairs - len(missing)}/{pairs} requirement-profile pairs covered by {len(cases)} case(s)",
        file=sys.stderr,
    )
    return EXIT_NONCONFORMANCE if missing else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc cases lint|list|coverage`."""
    cases = sub.add_parser("cases", help="inspect the case corpus").add_subparsers(
        dest="cases_command", required=True, metavar="ACTION"
    )
    for name, func, text in (
        ("lint", cmd_cases_lint, "validate case files (exit 1 on any error)"),
        ("list", cmd_cases_list, "list cases with levels, requirements and variants"),
        ("coverage", cmd_cases_coverage, "requirement/profile pairs with no case (exit 1 on any gap)"),
    ):
        p = cases.add_parser(name, help=text, description=text)
        p.add_argument("paths", nargs="*", help="case files or directories (default: the bundled corpus)")
        p.add_argument(
            "--cases",
            dest="case_dirs",
            action="append",
            default=[],
            metavar="DIR",
            help="a case directory or file, as with hecc run (the same as a PATH)",
        )
        if name == "list":
            p.add_argument("--json", action="store_true", help="one JSON object per line")
        p.set_defaults(func=func)
