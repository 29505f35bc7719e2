"""Reading an uploaded photo without letting it take the server down.

The pixel count is read from the header (``Image.open`` decodes nothing yet) and checked against
``settings.WENMING_MAX_IMAGE_PIXELS`` before a single pixel is decoded: a 389 KB PNG can declare
20000×20000 pixels (1.6 GB once decoded). Only the decoder the bytes announce is tried. A large JPEG is
decoded at a reduced scale (``draft``); other formats are shrunk right after decoding, so at most one
full-size bitmap is held, and every copy made after that is at most ``MAX_SIDE`` pixels long.

Every check of an uploaded image goes through ``image_decode``; the callers turn ``ImageRefused`` into
their own error with the field's name.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wenming.common.files import display_name, sniff

pillow_heif.register_heif_opener()

# Longest side of the decoded picture every copy is made from: a 12 MP phone photo (4032×3024) keeps all its
# pixels; a 48 MP JPEG (8000×6000) is decoded at half scale, a 24 MP one (5664×4248) at half scale too.
MAX_SIDE = 4096
THUMB_SIZE = (320, 320)
ORIENTATION = 0x0112
# The Pillow decoders each sniffed type may be opened with; nothing else gets a chance at the bytes.
DECODERS = {
    "image/jpeg": ("JPEG", "MPO"),
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF", "AVIF"),
}


class ImageRefused(Exception):
    """The photo cannot be taken; the message names the file and says why, in the user's language."""


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # upright, RGB, longest side at most MAX_SIDE
    width: int  # the whole photo's size, upright
    height: int
    exif: Image.Exif
    content_type: str


def image_check(*, file, name: str, allow_pdf: bool = False) -> None:
    """The cheap half of ``image_decode`` for a form, on an uploaded file (in memory or a temporary file):
    what the bytes are and how many pixels the header declares. Nothing is decoded or read whole."""
    shown = display_name(name)
    file.seek(0)
    head = file.read(32)
    sniffed = sniff(head)
    if sniffed and sniffed[0] == "application/pdf" and allow_pdf:
        file.seek(0)
        return
    if sniffed is None or sniffed[0] not in DECODERS:
        raise ImageRefused(_("%(name)s is not a JPEG, PNG, WebP or HEIC photo.") % {"name": shown})
    Image.init()
    try:
        file.seek(0)
        with Image.open(file, formats=[f for f in DECODERS[sniffed[0]] if f in Image.OPEN]) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(_too_many() % {"name": shown, "limit": f"{settings.WENMING_MAX_IMAGE_PIXELS / 1e6:g}"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(_("%(name)s cannot be read as an image.") % {"name": shown}) from None
    finally:
        file.seek(0)
    _check_pixels(shown, width, height)


def _too_many() -> str:
    return _("%(name)s has more than %(limit)s megapixels; take the photo at a lower resolution or send a smaller copy.")


def _check_pixels(shown: str, width: int, height: int) -> None:
    limit = settings.WENMING_MAX_IMAGE_PIXELS
    if width < 1 or height < 1:
        raise ImageRefused(_("%(name)s cannot be read as an image.") % {"name": shown})
    if width * height > limit:
        raise ImageRefused(_("%(name)s is %(w)d×%(h)d pixels; the limit is %(limit)d pixels.")
                           % {"name": shown, "w": width, "h": height, "limit": limit})


def image_decode(*, content: bytes, name: str, max_side: int = MAX_SIDE, min_side: int | None = None) -> DecodedImage:
    """Check and decode an uploaded photo, its long side shrunk to at most ``max_side``; raises ImageRefused for
    anything that is not a photo Wenming takes or is larger than the pixel limit.

    A JPEG is decoded at the smallest scale that keeps ``min_side`` pixels on its long side (default: half of
    ``max_side``, so a 48 MP photo never exists at full size in memory)."""
    min_side = min(min_side or max_side // 2, max_side)
    shown = display_name(name)
    sniffed = sniff(content[:32])
    if sniffed is None or sniffed[0] not in DECODERS:
        raise ImageRefused(_("%(name)s is not a JPEG, PNG, WebP or HEIC photo.") % {"name": shown})
    content_type = sniffed[0]
    Image.init()
    formats = [f for f in DECODERS[content_type] if f in Image.OPEN]
    try:
        image = Image.open(io.BytesIO(content), formats=formats)
        width, height = image.size
        _check_pixels(shown, width, height)
        exif = image.getexif()  # from the header (a PNG whose eXIf chunk follows its pixels decodes here)
        if exif.get(ORIENTATION) in (5, 6, 7, 8):
            width, height = height, width
        longest = max(image.size)
        if image.format in ("JPEG", "MPO") and longest > max_side:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale for free: take the smallest scale that keeps min_side
            # pixels on the long side (draft wants that box in the photo's proportions).
            image.draft("RGB", (-(-image.width * min_side // longest), -(-image.height * min_side // longest)))
        image.load()
        if max(image.size) > max_side:
            image.thumbnail((max_side, max_side))  # in place: the full-size bitmap is released here
        ImageOps.exif_transpose(image, in_place=True)
        upright = image if image.mode == "RGB" else image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limit, far above ours: refused before its header was even returned.
        raise ImageRefused(_too_many() % {"name": shown, "limit": f"{settings.WENMING_MAX_IMAGE_PIXELS / 1e6:g}"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(_("%(name)s cannot be read as an image.") % {"name": shown}) from None
    return DecodedImage(image=upright, width=width, height=height, exif=exif, content_type=content_type)


def image_jpeg(image: Image.Image, *, size: tuple[int, int] | None = None) -> bytes:
    """A fresh JPEG of a decoded picture: no EXIF, no XMP, no comments; shrunk to fit ``size`` if given."""
    copy = image.convert("RGB") if image.mode != "RGB" else image
    if size:
        copy = copy.copy() if copy is image else copy
        copy.thumbnail(size)
    out = io.BytesIO()
    # No optimize=True: its second pass holds every coefficient of the picture (+26 MB at 12 MP) for ~5% bytes.
    copy.save(out, format="JPEG", quality=85)
    return out.getvalue()
