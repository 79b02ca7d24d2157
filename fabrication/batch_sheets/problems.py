"""What is wrong with a workbook, and where: every problem names its sheet, row and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Past this the reader stops listing: twenty problems are enough to fix before trying again.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Where:
    """A place in a workbook: a sheet, and where known a row and a column (letter + header)."""

    sheet: str
    row: int | None = None
    column: str = ""
    header: str = ""

    def __str__(self) -> str:
        parts = [f"sheet '{self.sheet}'" if self.sheet else "workbook"]
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}" + (f" ({self.header})" if self.header else ""))
        elif self.header:
            parts.append(f"column '{self.header}'")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BatchSheetError(Exception):
    """Everything wrong with a workbook (or with importing it), each naming sheet/row/column."""

    def __init__(self, problems: Sequence[Problem] | str, more: int = 0):
        if isinstance(problems, str):
            problems = [Problem(Where(""), problems)]
        self.problems = list(problems)
        self.more = more
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        tail = [f"... and {self.more} more problem(s)"] if self.more else []
        return [str(p) for p in self.problems] + tail


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0

    def add(self, where: Where, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(where, message))
        else:
            self.more += 1

    @property
    def count(self) -> int:
        return len(self.items) + self.more

    def raise_if_any(self) -> None:
        if self.items:
            raise BatchSheetError(self.items, self.more)


class _Bad(ValueError):
    """A cell that cannot be converted; the caller knows where it is."""
