"""How every `hecc` command fails: one error type (one line on stderr) and one table of exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_NONCONFORMANCE = 1  # what the command looks for was found: a failing case, a difference, a regression
EXIT_USAGE = 2
EXIT_HARNESS = 3
EXIT_CODES = """\
exit codes:
  0  the target conforms at --fail-on (default must: no MUST requirement broken; waived ones do not count)
  1  non-conformance: a case failed at --fail-on, even when others errored (hecc cases lint/coverage:
     errors or gaps found; hecc compare: a regression)
  2  usage or configuration error: bad arguments, bad target file, invalid case corpus, nothing selected
  3  incomplete: the target is unreachable, the preflight failed, or harness errors alone (read-back
     failed, the reference server did not start)
"""


class CliError(Exception):
    """A problem reported as `hecc: <message>` on one line and an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code
