"""``python -m reference_server``: start the HEC reference server."""

import sys

from .cli import main

sys.exit(main())
