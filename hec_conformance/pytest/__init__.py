"""Front end 1: the pytest plugin (docs/cases.md, "Running").

- `plugin`: the pytest11 entry point; options and markers only, light to import (every pytest session
  of an environment with this package installed loads it);
- `suite`: the suite once a target is given: the engine, collection, selection, the end-of-run summary;
- `items`: a case file and its items (one per case variant);
- `reporting`: the session's reports (vendor profile, collector, files written at the end);
- `tally`: the reported outcomes, counted from pytest's reports (pytest-xdist included);
- `progress`: the progress bar `hecc run` shows in place of pytest's dots;
- `xdist`: workers hand their case records to the controller, which writes the reports.
"""
