"""Reading back the label PDFs without a PDF library: the content streams are uncompressed,
so pages, page sizes, text and the QR codes' rectangles can be read with regular expressions."""

from __future__ import annotations

import re

PAGE = re.compile(rb"/Type /Page\b")
MEDIABOX = re.compile(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]")
STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
TEXT = re.compile(r"\((.*?)(?<!\\)\) Tj")
# One QR: its own graphics state, scaled to module units, then one rectangle per run.
QR = re.compile(r"q\n[\d.\s-]+cm\n0 0 0 rg\nn (.*?)f\*\nQ", re.S)
RECT = re.compile(r"(\d+) (\d+) (\d+) 1 re")


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def page_count(data: bytes) -> int:
    return len(PAGE.findall(data))


def page_sizes_pt(data: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in MEDIABOX.findall(data)]


def _streams(data: bytes) -> list[str]:
    return [s.decode("latin-1") for s in STREAM.findall(data)]


def _literal(text: str) -> str:
    """A PDF string literal's characters (octal escapes are WinAnsi bytes, e.g. \\267 is ·)."""
    raw = re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m[1], 8)), text)
    raw = re.sub(r"\\([()\\])", r"\1", raw)
    return raw.encode("latin-1").decode("cp1252")


def texts(data: bytes) -> list[str]:
    return [_literal(t) for s in _streams(data) for t in TEXT.findall(s)]


def qr_matrices(data: bytes) -> list[tuple[tuple[int, ...], ...]]:
    """Every QR code drawn, as rows of modules (1 dark), top row first."""
    found = []
    for stream in _streams(data):
        for body in QR.findall(stream):
            runs = [tuple(map(int, r)) for r in RECT.findall(body)]
            n = max(x + w for x, _, w in runs)
            rows = [[0] * n for _ in range(n)]
            for x, y, w in runs:
                for c in range(x, x + w):
                    rows[n - 1 - y][c] = 1
            found.append(tuple(tuple(r) for r in rows))
    return found
