"""Lock-in EQE exports of lab-made setups (SR830/SR860/7265 lock-in, monochromator, chopper).

Layout: a header naming the lock-in (`Lock-in: SR830`, `# lockin amplifier ...`), `key: value`
lines (sample, date, chopper frequency, `EQE unit: %`), then a row of column names and the
table: `Wavelength (nm)`, the cell's lock-in signal (`Signal (V)`, `X (V)`, `R (V)`), the
reference photodiode's signal (`Reference (V)`), and either the EQE (`EQE (%)`, `EQE
(fraction)`) or the calibration of the reference (`Reference EQE (%)`), from which
EQE = signal / reference x reference EQE (the substitution method). Signal and reference alone
are refused: without a calibration their ratio is not an EQE.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._meta import canonical, key_value
from ._text import key_and_unit, norm_unit, numeric_table, split, split_lines
from .base import Format, ParsedMeasurement, ParseError, Series

NAME = "lockin-eqe"
KIND = "eqe"
_LOCKIN = re.compile(r"lock[- ]?in|\bsr8[36]0\b|\bsr7265\b|\b72[67]0\b", re.I)


def sniff(text: str, filename: str = "") -> float:
    head = text[:3000]
    if not _LOCKIN.search(head):
        return 0.0
    return 0.93 if re.search(r"^[#\s]*(wavelength|lambda)", head, re.I | re.M) else 0.0


def _role(name: str) -> str | None:
    n = key_and_unit(name)[0]
    if n.startswith(("wavelength", "lambda")):
        return "wavelength"
    if ("ref" in n or "calib" in n) and ("eqe" in n or "qe" in n or "responsivity" in n):
        return "reference_eqe"
    if "eqe" in n or "ipce" in n:
        return "eqe"
    if n.startswith(("ref", "monitor")):
        return "reference"
    if n in ("signal", "x", "r", "cell", "cell signal", "sample signal") or n.startswith("signal"):
        return "signal"
    return None


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    names_at = next(
        (
            i
            for i, line in enumerate(lines[:300])
            if re.match(r"^[#\s]*(wavelength|lambda)", line, re.I)
        ),
        None,
    )
    if names_at is None:
        raise ParseError("no column-names row starting with 'Wavelength' above the EQE data")
    delim = "\t" if "\t" in lines[names_at] else ("," if "," in lines[names_at] else None)
    names = [n.strip().lstrip("#").strip() for n in split(lines[names_at], delim)]
    header: dict[str, str] = {}
    for line in lines[:names_at]:
        pair = key_value(line, None)
        if pair and pair[0] not in header:
            header[pair[0]] = pair[1]
    table = numeric_table(lines, names_at + 1, len(lines), names, delim)
    roles: dict[str, int] = {}
    for i, name in enumerate(names):
        role = _role(name)
        if role and role not in roles:
            roles[role] = i
    warnings: list[str] = []
    wavelength = table[:, roles["wavelength"]]
    unit = norm_unit(key_and_unit(names[roles["wavelength"]])[1] or "nm")
    if unit not in ("nm", "um"):
        raise ParseError(f"unknown wavelength unit '{unit}'", column=names[roles["wavelength"]])
    wavelength = wavelength * (1e3 if unit == "um" else 1.0)
    if "eqe" in roles:
        eqe = _fraction(table[:, roles["eqe"]], names[roles["eqe"]], header, warnings)
    elif {"signal", "reference", "reference_eqe"} <= roles.keys():
        ref_eqe = _fraction(
            table[:, roles["reference_eqe"]], names[roles["reference_eqe"]], header, warnings
        )
        reference = table[:, roles["reference"]]
        if np.any(reference == 0):
            line = names_at + 2 + int(np.argmax(reference == 0))
            raise ParseError(
                "the reference signal is 0", line=line, column=names[roles["reference"]]
            )
        eqe = table[:, roles["signal"]] / reference * ref_eqe
        warnings.append("EQE computed as signal / reference x reference EQE (substitution method)")
    elif "signal" in roles:
        raise ParseError(
            "this lock-in file has the cell's signal"
            + (" and the reference" if "reference" in roles else "")
            + " but no EQE column and no calibration of the reference, so no EQE can be "
            "computed; export the EQE column from the setup's software, or add a "
            "'Reference EQE (%)' column with the reference photodiode's calibration"
        )
    else:
        raise ParseError(f"no EQE or signal column; columns are: {', '.join(names)}")
    order = np.argsort(wavelength, kind="stable")
    metadata: dict[str, Any] = canonical(header, warnings)
    metadata["instrument"] = _LOCKIN.search(text[:3000]).group(0)  # type: ignore[union-attr]
    columns = {"wavelength_nm": wavelength[order], "eqe_fraction": eqe[order]}
    for role, key in (("signal", "signal_v"), ("reference", "reference_v")):
        if role in roles:
            columns[key] = table[order, roles[role]]
    series = [Series(metadata.get("sample") or "EQE", columns, {})]
    return ParsedMeasurement(KIND, NAME, series, metadata, header, warnings)


def _fraction(
    values: np.ndarray, name: str, header: dict[str, str], warnings: list[str]
) -> np.ndarray:
    unit = norm_unit(key_and_unit(name)[1])
    if not unit:
        unit = norm_unit(next((v for k, v in header.items() if "eqe unit" in k.lower()), ""))
    if unit == "%":
        return values / 100.0
    if unit in ("fraction", "frac", "1"):
        return values.copy()
    if unit:
        raise ParseError(f"unknown unit '{unit}' for an EQE", column=name)
    percent = bool(np.nanmax(values) > 1.5)
    warnings.append(f"column '{name}' states no unit; read as {'%' if percent else 'fraction'}")
    return values / 100.0 if percent else values.copy()


FORMAT = Format(NAME, KIND, sniff, parse)
