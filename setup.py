"""The compiled per-event path, reference_server/_fastpath.c (a C extension on the CPython API).

Optional: where it cannot be built, the install goes on and the server runs the Python of
translate.py and kv.py, and says so in its start-up line (reference_server/fastpath.py).
Everything else about the package is in pyproject.toml.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("reference_server._fastpath", ["reference_server/_fastpath.c"], optional=True),
    ]
)
