"""Printable label sheets: a QR code with the object's scan URL, its human code and a short
line, laid out for a few common label stocks. No Django here: views gather the labels.

The QR is drawn as vector squares from segno's own matrix (one rectangle per run of dark
modules, in module units inside its own graphics state), so it prints sharp at any size and a
test can read the matrix back from the PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

MIN_FONT_PT = 3.5


@dataclass(frozen=True)
class LabelSize:
    key: str
    name: str
    width_mm: float
    height_mm: float
    # A sheet of columns x rows on A4; a roll (one label per page) when columns == 0.
    columns: int = 0
    rows: int = 0
    left_mm: float = 0.0
    top_mm: float = 0.0
    pitch_x_mm: float = 0.0
    pitch_y_mm: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows if self.columns else 1

    @property
    def description(self) -> str:
        where = f"{self.per_page} per A4 sheet" if self.columns else "one per page (roll printer)"
        return f"{self.name}: {self.width_mm:g} x {self.height_mm:g} mm, {where}"


# Sheet geometry from the vendors' templates (margins and pitch); a test print on plain paper
# held against the sheet shows any offset of a particular printer.
SIZES: dict[str, LabelSize] = {
    size.key: size
    for size in (
        LabelSize("L7651", "Avery L7651", 38.1, 21.2, 5, 13, 4.75, 10.7, 40.64, 21.2),
        LabelSize("L7656", "Avery L7656 (cryo-vial)", 46.0, 11.1, 4, 21, 5.95, 15.15, 50.0, 12.7),
        LabelSize("strip25x10", "Strip 25 x 10 mm (Brady-like roll)", 25.0, 10.0),
        LabelSize("dymo11355", "Dymo 11355", 51.0, 19.0),
    )
}
DEFAULT_SIZE = "L7651"


@dataclass(frozen=True)
class Label:
    code: str
    line: str  # a short second line: variant, date, recipe ...
    url: str  # what the QR code opens


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code's modules (1 dark) for ``url``: what the labels draw."""
    return tuple(tuple(int(bool(v)) for v in row) for row in segno.make(url, micro=False).matrix)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(url)
    n = len(matrix)
    module = side / n
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module, module)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # PDF's y axis points up: row 0 is the top row.
                path.rect(start, n - 1 - r, c - start, 1)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """The text at the largest size up to ``size`` that fits ``width`` (cut with an ellipsis
    below the smallest readable size)."""
    while size > MIN_FONT_PT and stringWidth(text, font, size) > width:
        size -= 0.25
    while len(text) > 1 and stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text, size


def _draw_label(canvas: Canvas, label: Label, size: LabelSize, x: float, y: float) -> None:
    w, h = size.width_mm * mm, size.height_mm * mm
    pad = min(1.2 * mm, h * 0.08)
    side = h - 2 * pad
    _draw_qr(canvas, label.url, x + pad, y + pad, side)
    text_x = x + 2 * pad + side
    text_w = w - (text_x - x) - pad
    code, code_pt = _fit(label.code, "Helvetica-Bold", min(10.0, h / mm * 0.9), text_w)
    line, line_pt = _fit(label.line, "Helvetica", min(code_pt * 0.8, 7.0), text_w)
    total = code_pt + (line_pt * 1.2 if line else 0)
    top = y + h / 2 + total / 2
    canvas.setFont("Helvetica-Bold", code_pt)
    canvas.drawString(text_x, top - code_pt * 0.85, code)
    if line:
        canvas.setFont("Helvetica", line_pt)
        canvas.drawString(text_x, top - code_pt - line_pt * 0.95, line)


def render_pdf(labels: list[Label], size: LabelSize, skip: int = 0, title: str = "") -> bytes:
    """A PDF of ``labels`` on ``size`` stock; on sheets, the first ``skip`` places are left
    empty (a sheet already partly used). Content streams are not compressed: the codes can be
    found in the file as text."""
    buffer = io.BytesIO()
    if size.columns:
        page = A4
    else:
        page = (size.width_mm * mm, size.height_mm * mm)
    canvas = Canvas(buffer, pagesize=page, pageCompression=0, invariant=1)
    canvas.setTitle(title or "cqdlab labels")
    canvas.setCreator("cqdlab")
    if not size.columns:
        for label in labels:
            _draw_label(canvas, label, size, 0, 0)
            canvas.showPage()
    else:
        slot = max(0, min(skip, size.per_page - 1))
        for label in labels:
            if slot == size.per_page:
                canvas.showPage()
                slot = 0
            col, row = slot % size.columns, slot // size.columns
            x = (size.left_mm + col * size.pitch_x_mm) * mm
            y = page[1] - (size.top_mm + row * size.pitch_y_mm + size.height_mm) * mm
            _draw_label(canvas, label, size, x, y)
            slot += 1
        canvas.showPage()
    if not labels:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
