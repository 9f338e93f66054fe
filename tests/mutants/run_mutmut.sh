#!/usr/bin/env bash
# Mutation score of the case corpus over reference_server/translate.py and reference_server/kv.py
# (docs/fuzzing.md). Long run: not in CI. mutmut 2.x mutates files in place, so it works on a
# snapshot of HEAD in a scratch directory, never on the working tree.
#   tests/mutants/run_mutmut.sh [WORKDIR [MUTMUT RUN ARGS...]]     (default WORKDIR /tmp/hecc-mutmut)
# Run again on the same WORKDIR to continue (the cache keeps every verdict).
# The test of each mutant: `hecc run` (full corpus, humio, bundled server started from the snapshot),
# stopping at the first failing case (-x). Results: `cd WORKDIR && mutmut results`.
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=${1:-/tmp/hecc-mutmut}
mkdir -p "$work"
# A fresh snapshot of HEAD (also undoes a mutant left on disk by an interrupted run); cache kept.
git -C "$repo" archive HEAD | tar -x -C "$work"
cd "$work"
# `python -m` puts the working directory first on sys.path: the snapshot's packages shadow the
# editable install, and the server subprocess inherits the same directory. mutmut 2 counts only
# exit status 1 as "tests failed"; hecc exits 3 when the mutated server cannot start, hence `|| exit 1`.
runner="sh -c 'python -m hec_conformance.cli run -- -x -q -p no:randomly >/dev/null 2>&1 || exit 1'"
exec mutmut run --paths-to-mutate reference_server/translate.py,reference_server/kv.py \
  --tests-dir tests --runner "$runner" "${@:2}"
