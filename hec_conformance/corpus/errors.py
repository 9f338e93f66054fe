"""What is wrong with a case file: one error at a file, line and key path, and the error of a corpus."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def key_path(path: tuple[str | int, ...]) -> str:
    """`('cases', 3, 'expect')` -> `cases[3].expect`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(ch.isalnum() or ch in "_-@#$" for ch in part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


@dataclass(frozen=True)
class LintError:
    """One problem in a case file, at a line and key path (`key` is '' for the whole file)."""

    file: Path
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{shown_path(self.file)}:{self.line}" if self.line else shown_path(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class CorpusError(Exception):
    """The corpus has errors; `errors` lists every one."""

    def __init__(self, errors: list[LintError]) -> None:
        self.errors = errors
        shown = "\n".join(str(error) for error in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in the case corpus:\n{shown}{more}")
