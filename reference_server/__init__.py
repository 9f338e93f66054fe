"""The bundled HEC reference server: every rule of SPEC.md, both profiles, on SQLite."""
