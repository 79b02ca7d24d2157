"""The lab's generic delimited-text format.

    Key: value            (metadata block, one pair a line)
    <blank line>
    Name (unit)<TAB>Name (unit)
    1.00<TAB>2.000        (rows)

UTF-8, "\\n" line ends, a final newline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np


def iso(moment: datetime) -> str:
    """Timestamps as the lab's instrument PCs write them: ISO 8601 to the second, no zone."""
    return moment.replace(microsecond=0).isoformat()


def render(
    metadata: Sequence[tuple[str, str]], columns: Sequence[tuple[str, str, np.ndarray]]
) -> bytes:
    """The file's bytes. `columns` holds (header, printf format, values) per column."""
    head = [f"{key}: {value}" for key, value in metadata]
    cells = [[_cell(fmt, v) for v in np.asarray(values, dtype=float)] for _, fmt, values in columns]
    rows = ["\t".join(row) for row in zip(*cells, strict=True)]
    lines = [*head, "", "\t".join(header for header, _, _ in columns), *rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cell(fmt: str, value: float) -> str:
    text = fmt % value
    # A small negative value rounds to "-0.000"; no instrument prints a signed zero.
    if text.startswith("-") and not text.strip("-0.e+"):
        return text[1:]
    return text
