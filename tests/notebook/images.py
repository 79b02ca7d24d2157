"""Small real images for the notebook tests, made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int = 640, height: int = 480, mode: str = "RGB") -> bytes:
    image = Image.new(mode, (width, height), (200, 60, 40) if mode == "RGB" else 0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 800, height: int = 600, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()
