"""Fuzzing and mutation testing of HEC endpoints (docs/fuzzing.md).

- `hec_conformance.fuzz.strategies`: public Hypothesis strategies for HEC requests;
- `hec_conformance.fuzz.differential`: the target against the bundled reference server (oracle);
- `hec_conformance.fuzz.casefile`: a shrunk disagreement written as a case file;
- `hec_conformance.fuzz.mutants`: the corpus against a catalogue of broken servers;
- their commands, `hecc fuzz` and `hecc mutants`, are in `hec_conformance.cli.fuzz`.
"""
