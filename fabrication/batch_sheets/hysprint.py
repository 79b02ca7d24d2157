"""Reading a HySprint experiment file (HZB) into a plan.

Each sample row becomes a substrate with one device; layer-making steps become stack layers.
What is assumed or left out is said in the plan's notes.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import get_column_letter

from .assemble import _assemble, _check_code_lengths, _Row
from .cells import MAX_COLUMNS, Rows, _blank, _cell, _convert, _Field, _key, _text
from .hysprint_layout import (
    _INFO,
    HYSPRINT_LAYER_COLUMNS,
    HYSPRINT_LAYER_METHODS,
    _Group,
    _hysprint_groups,
    _hysprint_role,
)
from .plan import (
    CODE_MAX_LENGTH,
    LAYOUT_HYSPRINT,
    SUBSTRATE_LABEL_MAX,
    SUBSTRATE_MATERIAL_MAX,
    VARIANT_NAME_MAX,
    BatchPlan,
    LayerPlan,
)
from .problems import BatchSheetError, Problem, Where, _Bad, _Problems

# HySprint sheets give "Pixel area [cm^2]"; when it is blank this is used (HZB's 0.16 cm2 pixel)
# and the plan says so in its notes.
HYSPRINT_DEFAULT_PIXEL_AREA_CM2 = 0.16
HYSPRINT_PIXEL = "P1"


class _HySprintReader:
    def __init__(self, sheet: str, rows: Rows):
        self.sheet = sheet
        self.rows = rows
        self.problems = _Problems()
        self.groups = _hysprint_groups(rows)
        self.info = next((g for g in self.groups if g.process == _INFO), None)
        self.layer_groups = [g for g in self.groups if g.process in HYSPRINT_LAYER_METHODS]
        self.left_out = [
            g.header
            for g in self.groups
            if g.process != _INFO and g.process not in HYSPRINT_LAYER_METHODS
        ]
        self.defaulted_area: list[int] = []

    def where(self, number: int, index: int | None, header: str) -> Where:
        column = get_column_letter(index + 1) if index is not None else ""
        return Where(self.sheet, number, column, header)

    def info_value(self, number: int, row: tuple, *names: str) -> tuple[object, Where]:
        for name in names:
            index = self.info.columns.get(_key(name))
            if index is not None:
                return _cell(row, index), self.where(number, index, f"Experiment Info / {name}")
        return None, self.where(number, None, f"Experiment Info / {names[0]}")

    def convert(self, value: object, where: Where, spec: _Field) -> object:
        try:
            return _convert(spec, value)
        except _Bad as bad:
            self.problems.add(where, str(bad))
            return None

    def read(self) -> BatchPlan:
        data = [(n, r) for n, r in enumerate(self.rows[2:], 3) if not all(_blank(v) for v in r)]
        samples = [s for s in (self.sample(n, r) for n, r in data) if s is not None]
        if not data:
            self.problems.add(Where(self.sheet, 3), "there are no sample rows")
        code, code_at, date = self.batch_identity(data)
        self.label_and_vary(samples)
        variants, substrates = _assemble(samples, self.problems)
        _check_code_lengths(code, variants, substrates, self.problems)
        self.problems.raise_if_any()
        notes = self.notes()
        return BatchPlan(
            layout=LAYOUT_HYSPRINT,
            code=code,
            name=f"HySprint experiment {code}",
            date=date,
            description="Imported from a HySprint experiment file. " + " ".join(notes),
            variants=variants,
            substrates=substrates,
            notes=tuple(notes),
            code_at=code_at,
            operator_at=Where(self.sheet),
        )

    def batch_identity(self, data: list[tuple[int, tuple]]) -> tuple[str, Where, dt.date | None]:
        """Batch code "<Project_Name>_<Batch>": one per file; the first date given."""
        code, code_at, date = "", Where(self.sheet, 3, "", "Experiment Info / Batch"), None
        for number, row in data:
            project, _ = self.info_value(number, row, "Project_Name", "Project name")
            batch, where = self.info_value(number, row, "Batch")
            this = "_".join(t for t in (_text(project), _text(batch)) if t)
            if not _text(batch):
                self.problems.add(where, "the batch name is missing")
            elif not code:
                code, code_at = this, where
            elif this != code:
                self.problems.add(
                    where, f"one batch per file: row {code_at.row} is {code}, this row is {this}"
                )
            raw_date, date_at = self.info_value(number, row, "Date")
            value = self.convert(raw_date, date_at, _Field("date", "Date", "date"))
            date = date or value
        spec = _Field("code", "Batch", "code", max_length=CODE_MAX_LENGTH)
        self.convert(code, code_at, spec)
        return code, code_at, date

    def sample(self, number: int, row: tuple) -> _Row | None:
        before = self.problems.count
        nomad_id, id_at = self.info_value(number, row, "Nomad ID")
        nomad_id = _text(nomad_id)
        if not nomad_id:
            self.problems.add(
                id_at,
                "the Nomad ID is missing (if it is a formula, open and "
                "save the file in Excel so its value is stored)",
            )
            return None
        raw_area, area_at = self.info_value(number, row, "Pixel area [cm^2]", "Pixel area")
        area = self.convert(raw_area, area_at, _Field("a", "Pixel area", "float", positive=True))
        if _blank(raw_area):
            area = HYSPRINT_DEFAULT_PIXEL_AREA_CM2
            self.defaulted_area.append(number)
        variation, variation_at = self.info_value(number, row, "Variation")
        material = " ".join(
            _text(self.info_value(number, row, name)[0])
            for name in ("Substrate conductive layer", "Substrate material")
        ).strip()
        material_spec = _Field("m", "Substrate material", max_length=SUBSTRATE_MATERIAL_MAX)
        material = (
            self.convert(
                material, self.info_value(number, row, "Substrate material")[1], material_spec
            )
            or ""
        )
        layers, shared, at = self.layers(number, row, material)
        if self.problems.count > before:
            return None  # a half-read row would add false disagreements
        at.update(variant=variation_at, substrate=id_at, pixel=id_at)
        return _Row(
            row=number,
            variant=_text(variation),  # replaced by label_and_vary
            substrate=nomad_id,
            pixel=HYSPRINT_PIXEL,
            active_area_cm2=area,
            mask_area_cm2=None,
            substrate_material=material or "ITO glass",
            notes=self.sample_notes(number, row, nomad_id),
            layers=layers,
            shared=shared,
            at=at,
        )

    def layers(
        self, number: int, row: tuple, substrate: str
    ) -> tuple[tuple[LayerPlan, ...] | None, dict, dict]:
        layers = [LayerPlan(role="substrate", material=substrate)] if substrate else []
        shared: dict[str, object] = {"substrate.material": substrate}
        at: dict[str, Where] = {
            "substrate.material": self.info_value(number, row, "Substrate material")[1]
        }
        ok = True
        for group in self.layer_groups:
            values = {k: _cell(row, i) for k, i in group.columns.items()}
            if all(_blank(v) for v in values.values()):
                continue  # this sample skipped the step
            layer = self.layer(number, row, group)
            for name in ("material",) + tuple(HYSPRINT_LAYER_COLUMNS):
                key = f"{group.header}.{name}"
                shared[key] = getattr(layer, name) if layer else None
                at[key] = self.group_where(number, group, name)
            if layer is None:
                ok = False
            else:
                layers.append(layer)
        return (tuple(layers) if ok else None), shared, at

    def column(self, group: _Group, name: str) -> tuple[int | None, str]:
        """Index and header (as written) of a cqdlab layer field's column in a process group."""
        names = ("material name",) if name == "material" else HYSPRINT_LAYER_COLUMNS[name]
        for column in names:
            if column in group.columns:
                index = group.columns[column]
                return index, _text(_cell(self.rows[1], index))
        return None, names[0]

    def group_where(self, number: int, group: _Group, name: str) -> Where:
        index, column = self.column(group, name)
        return self.where(number, index, f"{group.header} / {column}")

    def layer(self, number: int, row: tuple, group: _Group) -> LayerPlan | None:
        index, _ = self.column(group, "material")
        where = self.group_where(number, group, "material")
        material = self.convert(
            _cell(row, index) if index is not None else None,
            where,
            _Field("material", "Material name", max_length=80),
        )
        if not material:
            if material is not None:
                self.problems.add(where, f"step {group.header} has values but no material name")
            return None
        values: dict[str, object] = {}
        for name, kind in (
            ("spin_speed_rpm", "int"),
            ("spin_time_s", "int"),
            ("anneal_temperature_c", "float"),
            ("anneal_time_min", "float"),
            ("anneal_atmosphere", "text"),
            ("thickness_nm", "float"),
        ):
            index, _ = self.column(group, name)
            if index is None:
                continue
            where = self.group_where(number, group, name)
            spec = _Field(
                name,
                where.header,
                kind,
                max_length=40 if kind == "text" else None,
                minimum=0 if name in ("anneal_time_min", "thickness_nm") else None,
            )
            values[name] = self.convert(_cell(row, index), where, spec)
        layer_type = _text(_cell(row, group.columns.get("layer type", MAX_COLUMNS)))
        return LayerPlan(
            role=_hysprint_role(layer_type),
            material=material,
            method=HYSPRINT_LAYER_METHODS[group.process],
            spin_speed_rpm=values.get("spin_speed_rpm"),
            spin_time_s=values.get("spin_time_s"),
            anneal_temperature_c=values.get("anneal_temperature_c"),
            anneal_time_min=values.get("anneal_time_min"),
            anneal_atmosphere=values.get("anneal_atmosphere") or "",
            thickness_nm=values.get("thickness_nm"),
        )

    def sample_notes(self, number: int, row: tuple, nomad_id: str) -> str:
        parts = [f"Nomad ID {nomad_id}"]
        for name in (
            "Notes",
            "Sample dimension",
            "Sample area [cm^2]",
            "Number of pixels",
            "Number of junctions",
        ):
            value = _text(self.info_value(number, row, name)[0])
            if value:
                parts.append(f"{name}: {value}")
        return "; ".join(parts)

    def label_and_vary(self, samples: list[_Row]) -> None:
        """Substrate labels and variant codes that fit cqdlab's codes, decided per file.

        Labels are the Nomad IDs when all fit in 20 characters, else the IDs without the
        prefix all samples share. Variants are the "Variation" values when all are short
        and free of '/', else V1, V2 ... with the value as the variant's name.
        """
        ids = [s.substrate for s in samples]
        if any(len(i) > SUBSTRATE_LABEL_MAX or "/" in i for i in ids):
            prefix = _common_prefix(ids)
            for sample in samples:
                label = sample.substrate[len(prefix) :].replace("/", "-")
                if not label or len(label) > SUBSTRATE_LABEL_MAX:
                    self.problems.add(
                        sample.at["substrate"],
                        f"cannot make a substrate label of at most "
                        f"{SUBSTRATE_LABEL_MAX} characters from '{sample.substrate}'",
                    )
                sample.substrate = label
        values = list(dict.fromkeys(s.variant for s in samples))
        short = all(v and len(v) <= 20 and "/" not in v for v in values)
        codes = {v: (v if short else f"V{i}") for i, v in enumerate(values, 1)}
        if not values or values == [""]:
            codes = {"": "all"}
        for sample in samples:
            name = f"Variation {sample.variant}" if sample.variant else "No variation given"
            sample.shared["variant_name"] = name[:VARIANT_NAME_MAX]
            sample.variant = codes[sample.variant]

    def notes(self) -> list[str]:
        notes = [
            f"Each sample row is one substrate with one device ({HYSPRINT_PIXEL}); the "
            "Nomad ID and sample details are in the substrate notes."
        ]
        if self.defaulted_area:
            rows = ", ".join(str(r) for r in self.defaulted_area)
            notes.append(
                f"No pixel area on row(s) {rows}: {HYSPRINT_DEFAULT_PIXEL_AREA_CM2} cm2 assumed."
            )
        if self.left_out:
            notes.append("Steps not mapped to layers: " + ", ".join(self.left_out) + ".")
        notes.append(
            "Not imported: solutions, second spin steps, antisolvent, tools, "
            "ALD/evaporation/sputtering settings other than thickness."
        )
        return notes


def _common_prefix(values: list[str]) -> str:
    if not values:
        return ""
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    # cut at a separator so "hzb_X_AA_1_c-1" and "hzb_X_AA_1_c-2" keep "1_c-1", "1_c-2"
    cut = max(prefix.rfind("_"), prefix.rfind("-"))
    return prefix[: cut + 1] if len(values) > 1 else ""


def _read_hysprint(sheet: str, rows: Rows) -> BatchPlan:
    reader = _HySprintReader(sheet, rows)
    if reader.info is None:
        raise BatchSheetError([Problem(Where(sheet, 1), "no 'Experiment Info' group")])
    return reader.read()
