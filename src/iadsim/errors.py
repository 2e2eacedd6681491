"""Errors that reach the user as one clear line and exit status 2.

Every problem with an input file is raised as :class:`InputError`, which carries the file, the
line and column (1-based) and the dotted path of the offending field. The CLI prints
``FILE:LINE:COL: path.to.field: message`` and exits with status 2; no traceback is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXIT_INPUT_ERROR = 2


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks (ruamel's messages have them) become spaces,
    and other control characters (a key written as ``"\\0"``) are shown as escapes, so a
    message never spills onto a second line or drives the terminal."""
    out: list[str] = []
    for part in text.splitlines():
        out.append(part.strip() if out else part.rstrip())
    joined = " ".join(p for p in out if p)
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in joined)


@dataclass
class Problem:
    """One problem found in an input file."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    field_path: str = ""

    def format(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
            if self.line is not None:
                where.append(str(self.line))
                if self.col is not None:
                    where.append(str(self.col))
        prefix = ":".join(where)
        parts = [p for p in (prefix, self.field_path) if p]
        return one_line(": ".join([*parts, self.message]))


@dataclass
class InputError(Exception):
    """Bad input: one or more problems, each with its place in the input file."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.format())

    @classmethod
    def single(
        cls,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        field_path: str = "",
    ) -> InputError:
        return cls([Problem(message, str(file) if file else None, line, col, field_path)])

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems)

    def __str__(self) -> str:
        return self.format()
