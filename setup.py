"""The compiled parts of the reference server, C extensions on the CPython API:
reference_server/_fastpath.c, the per-event path, and reference_server/_rowwriter.c, the store's rows
written on SQLite's C API (linked to the system's libsqlite3, which must be the copy Python's _sqlite3
runs: it checks at import).

Both optional: where one cannot be built (no compiler, no sqlite3.h) or imported, the install goes on
and the server runs the Python (translate.py and kv.py; the store's executemany), and says so in its
start-up line (reference_server/fastpath.py). Everything else about the package is in pyproject.toml.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("reference_server._fastpath", ["reference_server/_fastpath.c"], optional=True),
        Extension(
            "reference_server._rowwriter",
            ["reference_server/_rowwriter.c"],
            libraries=["sqlite3"],
            optional=True,
        ),
    ]
)
