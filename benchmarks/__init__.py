"""Benchmarks of the reference server and the replay harness (see benchmarks/README.md)."""
