"""Default routing of a file to a device by its name (contract.md): a name that starts with a
device code written with ``_`` for ``/`` (``B2025-06-16_S1_P4.reverse.jv.txt``) goes to that
device. Pure: the client asks the server which candidate exists."""

from __future__ import annotations


def device_code_candidates(filename: str) -> list[str]:
    """Codes the file name may start with, longest first.

    The code ends at the first dot; a name may carry more after the code with another ``_``
    (``B1_S1_P4_light.txt``), so every shorter ``_``-prefix is a candidate too. Digits alone
    are left out: the API would read them as an id, not a code.
    """
    parts = filename.split(".", 1)[0].split("_")
    codes = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return [
        c for c in codes if c and "//" not in c and c[0] != "/" and c[-1] != "/" and not c.isdigit()
    ]
