"""ISFH-style light and dark I-V files (LOANA and the setups that copy its layout).

Layout: `[Section]` lines with `Key:<tab>value<tab>[unit]` pairs ([General], [Sample] with
`Cell area`, [Settings] with `Mode` and `Intensity` in suns, [Results] with Voc in mV, Isc/Imp
in mA, FF and efficiency in %), a [Measurement] section naming the columns
(`Label1:<tab>Voltage<tab>[V]`, `Label2:<tab>Current<tab>[A]`, ...), then `**Data**` and tab
separated rows. The current is in amperes for the whole cell: divided by the cell area here.
"""

from __future__ import annotations

from typing import Any

from . import _jv_vendor
from ._irradiance import state_irradiance
from ._text import numeric_table, parse_datetime, split, split_lines, temperature_c
from .base import Format, ParsedMeasurement, ParseError

NAME = "isfh-iv"
KIND = "jv"
_DATA = "**Data**"


def sniff(text: str, filename: str = "") -> float:
    head = text[:6000]
    if _DATA in head and "Label1:" in head and "[Measurement]" in head:
        return 0.95
    return 0.0


def _sections(lines: list[str], stop: int) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault("", {})
    for line in lines[:stop]:
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            current = sections.setdefault(s[1:-1].strip().lower(), {})
            continue
        key, sep, value = line.partition("\t")
        key = key.strip().rstrip(":").strip()
        if sep and key:
            # 'Voc:<tab>703.4<tab>[mV]': the unit cell joins the value, as the results need it.
            current.setdefault(key, " ".join(value.split("\t")).strip())
    return sections


def parse(text: str, filename: str = "", kind_hint: str | None = None) -> ParsedMeasurement:
    lines = split_lines(text)
    at = next((i for i, line in enumerate(lines) if line.strip() == _DATA), None)
    if at is None:
        raise ParseError("ISFH I-V file without its '**Data**' line")
    sections = _sections(lines, at)
    labels = sections.get("measurement", {})
    names, units = [], []
    for n in range(1, 20):
        entry = labels.get(f"Label{n}")
        if entry is None:
            break
        name, _, unit = entry.partition("[")
        names.append(name.strip())
        units.append(unit.rstrip("]").strip())
    lower = [n.lower() for n in names]
    if "voltage" not in lower or "current" not in lower:
        raise ParseError(
            "the [Measurement] section names no Voltage and Current columns "
            f"(Label1:, Label2: ...); it names: {', '.join(names) or 'nothing'}"
        )
    width = len(split(lines[at + 1], "\t")) if at + 1 < len(lines) else len(names)
    names += [f"column {i + 1}" for i in range(len(names), width)]
    table = numeric_table(lines, at + 1, len(lines), names, "\t")

    warnings: list[str] = []
    sample = sections.get("sample", {})
    general = sections.get("general", {})
    settings = sections.get("settings", {})
    conditions = sections.get("conditions", {})
    area = _jv_vendor.first_number(sample.get("Cell area", ""))
    metadata: dict[str, Any] = {"instrument": general.get("Measuring device") or "ISFH I-V"}
    if area:
        metadata["area_cm2"] = area
    else:
        warnings.append("the [Sample] section gives no cell area; the current is kept in A")
    if sample.get("Cell name"):
        metadata["sample"] = sample["Cell name"]
    if general.get("Operator"):
        metadata["operator"] = general["Operator"]
    # ISFH writes day/month/two-digit year ('24/06/21' is 24 June 2021).
    measured = parse_datetime(
        f"{general.get('Date', '')} {general.get('Time', '')}".strip(),
        ("%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S"),
    )
    if measured:
        metadata["measured_at"] = measured
    suns = _jv_vendor.first_number(settings.get("Intensity", ""))
    state_irradiance(metadata, suns, "suns", warnings)
    temperature = _jv_vendor.first_number(conditions.get("Temperature start", ""))
    if temperature is not None:
        metadata["temperature_c"] = temperature_c(temperature, "C")

    voltage = table[:, lower.index("voltage")]
    current_unit = units[lower.index("current")] or "A"
    current = _jv_vendor.current_columns(
        table[:, lower.index("current")], current_unit, area, "Current"
    )
    label = "dark" if settings.get("Mode", "").strip().lower() == "dark" else "light"
    results = sections.get("results", {})
    meta: dict[str, Any] = {
        "instrument_figures": _jv_vendor.figures(results, area, label, warnings),
    }
    if area:
        meta["area_cm2"] = area
    illumination = _jv_vendor.illumination_of(settings, None)
    curve = _jv_vendor.jv_series(label, voltage, current, meta, warnings, illumination=illumination)
    if "temperature" in lower:
        curve.columns["temperature_c"] = table[:, lower.index("temperature")]
    header = {f"{s}.{k}" if s else k: v for s, pairs in sections.items() for k, v in pairs.items()}
    return ParsedMeasurement(KIND, NAME, [curve], metadata, header, warnings)


FORMAT = Format(NAME, KIND, sniff, parse)
