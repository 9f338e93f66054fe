#!/usr/bin/env bash
# Mutation score of the case corpus over reference_server/translate.py and reference_server/kv.py
# (docs/fuzzing.md). Long run: not in CI. mutmut 2.x mutates files in place, so it works on a
# snapshot of HEAD in a scratch directory, never on the working tree.
#   tests/mutants/run_mutmut.sh [WORKDIR]      (default /tmp/hecc-mutmut)
#   SAMPLE=80 SEED=1 tests/mutants/run_mutmut.sh [WORKDIR]   a seeded random sample of untested mutants
#   IDS="12 21" SAMPLE=0 tests/mutants/run_mutmut.sh [WORKDIR]  just these mutants (e.g. survivors)
# Run again on the same WORKDIR to continue (the cache keeps every verdict).
# The test of each mutant: `hecc run` (full corpus, humio, bundled server started from the snapshot,
# both configs, both profiles), stopping at the first failing case (-x). Results: `cd WORKDIR && mutmut results`.
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=${1:-/tmp/hecc-mutmut}
files=reference_server/translate.py,reference_server/kv.py
mkdir -p "$work"
# A fresh snapshot of HEAD (also undoes a mutant left on disk by an interrupted run); cache kept.
git -C "$repo" archive HEAD | tar -x -C "$work"
cd "$work"
# `python -m` puts the working directory first on sys.path: the snapshot's packages shadow the
# editable install, and the server subprocess inherits the same directory. Three runs: suite.yaml,
# suite-all-caps.yaml (the capability cases) and the splunk profile; `--fail-on may`: a SHOULD or MAY
# case that stops passing kills too. mutmut 2 counts only exit status 1 as "tests failed"; hecc
# exits 3 when the mutated server cannot start, hence `|| exit 1`.
# The server must run the Python being mutated, not the compiled path (reference_server/fastpath.py):
# the snapshot holds no built extension, but the editable install's finder still finds the one built
# in the work tree (reference_server._fastpath resolves there), so HECC_PURE_PYTHON is what decides.
export HECC_PURE_PYTHON=1
hecc="python -m hec_conformance.cli run --fail-on may"
quiet="-- -x -q -p no:randomly >/dev/null 2>&1"
runner="sh -c '$hecc $quiet && $hecc --all-caps $quiet && $hecc --profile splunk $quiet || exit 1'"
args=(--paths-to-mutate "$files" --tests-dir tests --runner "$runner")
if [[ -n "${IDS:-}" ]]; then   # IDS="12 21": (re)run these mutants first
  # mutmut 2 answers a mutant with a verdict in the cache from the cache, so forget the verdicts first.
  python - $IDS <<'PY'
import sqlite3, sys
with sqlite3.connect(".mutmut-cache") as db:
    db.executemany("update Mutant set status = 'untested' where id = ?", [(int(i),) for i in sys.argv[1:]])
PY
  for id in $IDS; do mutmut run "${args[@]}" "$id" || true; done
fi
if [[ -z "${SAMPLE:-}" ]]; then
  exec mutmut run "${args[@]}"
fi
# Sample: register every mutant in the cache, then run a seeded random choice of the untested ones.
python - "$files" <<'PY'
import sys
from mutmut import add_mutations_by_file
from mutmut.cache import update_line_numbers
for name in sys.argv[1].split(","):
    update_line_numbers(name)
    add_mutations_by_file({}, name, [], None)
PY
ids=$(python - "${SAMPLE}" "${SEED:-1}" <<'PY'
import random, sqlite3, sys
rows = [r[0] for r in sqlite3.connect(".mutmut-cache").execute(
    "select id from Mutant where status = 'untested' order by id")]
print(" ".join(map(str, random.Random(int(sys.argv[2])).sample(rows, min(int(sys.argv[1]), len(rows))))))  # any prefix is a sample
PY
)
for id in $ids; do
  mutmut run "${args[@]}" "$id" || true   # exit status 2 = survived; the cache records each verdict
done
mutmut results
