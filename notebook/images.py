"""Photo checks and thumbnails. A file is an image when Pillow reads it as one of the allowed
formats, whatever its name says; the bytes are kept as uploaded and the thumbnail is a separate
JPEG made from them."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Formats a browser shows (and TIFF, which microscopes write); SVG is never accepted: it is a
# document that can carry script, not a picture.
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "TIFF"}
# Shown in the browser as themselves; others (TIFF) are offered as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
THUMBNAIL_PX = 320


class ImageRefused(ValueError):
    """The upload is no photo cqdlab keeps; the message says why, for the lab member."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    sha256: str
    media_type: str
    width: int
    height: int


def check_image(data: bytes, max_bytes: int, max_pixels: int) -> CheckedImage:
    """The upload's facts if it is an allowed image within the limits, else ImageRefused."""
    if not data:
        raise ImageRefused("The photo is empty.")
    if len(data) > max_bytes:
        raise ImageRefused(
            f"The photo is {len(data) / 1e6:.1f} MB; at most {max_bytes / 1e6:.0f} MB is accepted."
        )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused by the pixel limit below, not merely warned of.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt, (width, height) = image.format, image.size
                if fmt not in ALLOWED_FORMATS:
                    raise ImageRefused(
                        f"{fmt} images are not accepted; send JPEG, PNG, GIF, WebP or TIFF."
                    )
                if width * height > max_pixels:
                    raise ImageRefused(
                        f"The photo has {width}x{height} pixels; at most {max_pixels:,} "
                        "pixels are accepted."
                    )
                image.verify()
            # verify() leaves the image unusable; decoding the pixels finds truncated files.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("This file is not an image cqdlab can read (by its content).") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(f"The image is damaged or incomplete ({exc}).") from None
    return CheckedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=Image.MIME.get(fmt, "application/octet-stream"),
        width=width,
        height=height,
    )


def thumbnail(data: bytes, size: int = THUMBNAIL_PX) -> bytes:
    """A JPEG at most ``size`` pixels on its longer side, turned as the camera held it."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)  # the first frame of a GIF or multi-page TIFF
        shown = ImageOps.exif_transpose(image)
        shown.thumbnail((size, size))
        if shown.mode not in ("RGB", "L"):
            # Transparency onto white, palettes and 16-bit greys into what JPEG holds.
            rgba = shown.convert("RGBA")
            background = Image.new("RGB", rgba.size, "white")
            background.paste(rgba, mask=rgba.getchannel("A"))
            shown = background
        out = io.BytesIO()
        shown.save(out, "JPEG", quality=82)
        return out.getvalue()
