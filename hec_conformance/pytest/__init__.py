"""Front end 1: the pytest plugin (docs/cases.md, "Running").

- `plugin`: the pytest11 entry point; options and markers only, light to import (every pytest session
  of an environment with this package installed loads it);
- `suite`: the suite once a target is given: the engine, collection, selection, the end-of-run summary;
- `items`: a case file and its items (one per case variant);
- `reporting`: the session's reports (vendor profile, collector, files written at the end);
- `tally`: the reported outcomes, counted from pytest's reports (pytest-xdist included);
- `harness`: harness errors counted, grouped by cause, and the run stopped after `--hec-max-errors`;
- `progress`: the progress bar (or, in logs and with -n, progress lines) `hecc run` shows;
- `xdist`: workers hand their case records to the controller, which writes the reports.

DEFAULT_MAX_ERRORS lives here, light, for the plugin's options and `hecc run --max-errors` alike.
"""

DEFAULT_MAX_ERRORS = 10  # harness errors before a run stops (--max-errors): by then the cause is clear
