"""`python -m hec_conformance.cli`: the `hecc` command."""

import sys

from hec_conformance.cli import main

sys.exit(main())
