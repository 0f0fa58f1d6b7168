"""Files an attacker (or a careless phone) uploads, made on the spot: shared by the tests of the one
upload checker on every path (core, the case form and conversation, evidence uploads)."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

# Where the photo was taken: Shanghai, as a phone writes it into EXIF (GPS IFD 0x8825).
GPS = {1: "N", 2: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 1.0)}
GPS_IFD = 0x8825


def png(size=(8, 6), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def gps_jpeg(size=(16, 12)) -> bytes:
    """A phone photo: a JPEG whose EXIF carries the camera and the GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update(GPS)
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def gps_png() -> bytes:
    """A PNG with an eXIf chunk carrying the GPS position (screenshot tools write these too)."""
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update(GPS)
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 20, 200)).save(out, format="PNG", exif=exif.tobytes())
    return out.getvalue()


def gps_of(data: bytes) -> dict:
    """The GPS IFD Pillow reads from an image ({} when there is none)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(GPS_IFD))


@functools.cache
def huge_png(width: int = 9000, height: int = 9000) -> bytes:
    """A real, decodable 1-bit PNG of width × height pixels in a few kilobytes (81 million pixels
    for the default 9000 × 9000)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte, then the row's bits
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def png_zip_polyglot() -> bytes:
    """A valid PNG that is also a ZIP (an HTML payload inside): unzip and image viewers both open it."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(document.cookie)</script>")
    return png() + archive.getvalue()


def png_html_polyglot() -> bytes:
    return png() + b"<html><script>alert(document.cookie)</script></html>"


def pdf(*, javascript: bool = False, open_action: bool = False) -> bytes:
    """A one-page PDF; with a document-level script (/Names /JavaScript), or with an action run on
    opening (/OpenAction: here a web address, no script at all)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        script = writer._add_object(
            DictionaryObject(
                {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
            )
        )
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    if open_action:
        visit = DictionaryObject(
            {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("http://evil.example/x")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(visit)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
