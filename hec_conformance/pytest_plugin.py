"""pytest plugin of the HEC conformance suite (collects cases only when a target is given)."""
