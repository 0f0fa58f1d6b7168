"""The one upload checker: every file a party gives the platform goes through ``check_upload``.

Case attachments (the case form and the case conversation, rule 2.4) and evidence uploads use it
alike; only the set of types each accepts and the prefix of its error codes differ.

The type comes from the content (magic bytes), never from the name or the declared type; the
uploader's file name is kept for display only and never used for a path. Images are decoded and
re-encoded with Pillow, so what is stored holds pixels only: no EXIF (GPS, camera, owner), no
comments, no ancillary chunks, nothing appended after the image; an image of more than MAX_PIXELS
pixels is refused before it is decoded. Bytes found after an image's end are refused outright (a
PNG with a ZIP or HTML behind it is a polyglot, not a screenshot). PDFs are kept as they are but
must parse and carry no JavaScript, automatic actions, launch actions or embedded files, and end
at their last %%EOF with no ZIP directory or HTML in them. Videos are kept as they are but their
container structure is walked from the first byte to the last (MP4 boxes, WebM/EBML elements), so
nothing rides along outside it. Text must be UTF-8 without NUL, markup or an archive inside.
Sizes are rulebook parameters (2.4): ``attachment_max_bytes``, ``attachment_video_max_bytes``.

Refusals are DomainErrors ``<scope>.file_type`` (415), ``<scope>.file_too_large`` (413),
``<scope>.image_too_large``, ``<scope>.bad_file`` and ``<scope>.bad_name`` (422), where the caller names the scope
("aftersales", "evidence") so each API keeps its stable codes; every one is in the registry.
Core knows nothing about cases: storing the checked bytes is the caller's (``save_checked``).
"""

from __future__ import annotations

import io
import re
import struct
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile

from kameng.core.errors import DomainError

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})
PDF_TYPE = "application/pdf"
TEXT_TYPE = "text/plain"
ALL_TYPES = IMAGE_TYPES | VIDEO_TYPES | {PDF_TYPE, TEXT_TYPE}
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    PDF_TYPE: "pdf",
    TEXT_TYPE: "txt",
}
# The refusals a scope must register: <scope>.<reason> in kameng.core.errors.
REASONS = ("file_type", "file_too_large", "image_too_large", "bad_file", "bad_name")
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
# A screenshot or a phone photo is far below this (a 9000×9000 image is above it); a small file
# that decodes to more is a bomb. Checked from the header, before any pixel is decoded.
MAX_PIXELS = 50_000_000
# Parsing a PDF walks its object graph; a real evidence PDF has far fewer objects.
MAX_PDF_OBJECTS = 200_000
# PDF names that make a reader run code, open something, or carry other files.
PDF_FORBIDDEN = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/RichMedia",
    "/XFA",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
}


class Refused(Exception):
    """Inside the checker: why a file is refused (one of REASONS); check_upload turns it into the
    caller's DomainError."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Checked:
    name: str  # the uploader's name, cleaned, for display only
    content_type: str
    data: bytes  # what may be stored (re-encoded for images)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def display_name(name: object) -> str:
    """The uploader's file name for display. A browser sends a bare file name; a path (or NUL /
    control characters) is a crafted request: refuse it rather than guess (the name is never used
    for storage either way)."""
    raw = name if isinstance(name, str) else ""
    if "/" in raw or "\\" in raw or any(not ch.isprintable() for ch in raw) or raw.strip() in (".", ".."):
        raise Refused("bad_name")
    base = raw.strip().lstrip(".")
    return base[:120] or "file"


def sniff(data: bytes) -> str | None:
    """The content type the first bytes prove (text only if the whole of ``data`` is clean text),
    or None."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"%PDF-"):
        return PDF_TYPE
    if _is_text(data):
        return TEXT_TYPE
    return None


# --- where an image ends (anything after it is refused) --------------------------------------------


def _png_end(data: bytes) -> int:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            if pos > len(data):
                raise Refused("bad_file")
            return pos
    raise Refused("bad_file")


def _jpeg_end(data: bytes, start: int = 0) -> int:
    if data[start : start + 2] != b"\xff\xd8":
        raise Refused("bad_file")
    pos = start + 2
    n = len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise Refused("bad_file")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if pos + 2 > n:
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    raise Refused("bad_file")
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    raise Refused("bad_file")


def _jpeg_file_end(data: bytes) -> int:
    end = _jpeg_end(data)
    # Phones store extra pictures (MPF: depth or gain maps) as whole JPEGs after the first one;
    # those are walked too, so anything that is not a JPEG still counts as trailing data.
    while end < len(data) and data[end : end + 3] == b"\xff\xd8\xff":
        end = _jpeg_end(data, end)
    return end


def _gif_end(data: bytes) -> int:
    def sub_blocks(pos: int) -> int:
        while True:
            if pos >= len(data):
                raise Refused("bad_file")
            size = data[pos]
            pos += 1 + size
            if size == 0:
                return pos

    if len(data) < 13:
        raise Refused("bad_file")
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            return pos + 1
        if block == 0x21:  # extension: label, then sub-blocks
            pos = sub_blocks(pos + 2)
        elif block == 0x2C:  # image descriptor, optional local colour table, LZW size, data
            if pos + 10 > len(data):
                raise Refused("bad_file")
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            pos = sub_blocks(pos + 1)
        else:
            raise Refused("bad_file")
    raise Refused("bad_file")


def _webp_end(data: bytes) -> int:
    (size,) = struct.unpack("<I", data[4:8])
    return 8 + size + (size & 1)


IMAGE_END = {"image/png": _png_end, "image/jpeg": _jpeg_file_end, "image/gif": _gif_end, "image/webp": _webp_end}


# --- images ------------------------------------------------------------------------------------------


def _reencode(data: bytes, content_type: str) -> bytes:
    from PIL import Image, ImageOps, ImageSequence

    end = IMAGE_END[content_type](data)
    if end != len(data):
        # Bytes after the image are a ZIP, HTML or script riding along: refuse, do not just drop.
        raise Refused("bad_file")
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
            count = getattr(image, "n_frames", 1)
            width, height = image.size
            if width * height * count > MAX_PIXELS:
                raise Refused("image_too_large", max=MAX_PIXELS)
            if count == 1:
                image.load()
                # Orientation lives in EXIF, which goes: turn the pixels first so it stays upright.
                frames = [ImageOps.exif_transpose(image).copy()]
                durations = [image.info.get("duration", 0)]
            else:
                frames, durations = [], []
                for frame in ImageSequence.Iterator(image):
                    durations.append(frame.info.get("duration", 0))
                    frames.append(frame.copy())
            transparency = image.info.get("transparency") if content_type == "image/gif" else None
            for frame in frames:
                # Pillow's writers read metadata (EXIF, ICC, text, comments) from .info: start from nothing.
                frame.info = {}
            options: dict = {"format": PILLOW_FORMATS[content_type]}
            if content_type == "image/jpeg":
                options["quality"] = 95
            if transparency is not None:
                options["transparency"] = transparency
            if count > 1:
                options.update(save_all=True, append_images=frames[1:], duration=durations, loop=0)
            out = io.BytesIO()
            frames[0].save(out, **options)
            return out.getvalue()
    except Refused:
        raise
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        raise Refused("bad_file") from exc


# --- PDFs ----------------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    tail = data.rstrip(b" \t\r\n\x00\x0c")
    if not tail.endswith(b"%%EOF"):
        raise Refused("bad_file")  # something rides after the PDF's end
    # Each revision (the first and every incremental update) ends "startxref N %%EOF"; a blob
    # with a fake %%EOF of its own after the real one does not.
    for section in tail.split(b"%%EOF")[:-1]:
        if not re.search(rb"startxref\s+\d+\s*$", section):
            raise Refused("bad_file")
    # A ZIP reader looks for the end-of-directory record in the last 64 KiB; a browser for markup.
    lowered = data.lower()
    if b"pk\x05\x06" in lowered[-(65536 + 22) :] or b"<script" in lowered or b"<html" in lowered:
        raise Refused("bad_file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused("bad_file")  # encrypted objects cannot be checked
        seen: set[tuple[int, int]] = set()
        stack: list = [reader.trailer]
        visited = 0
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                obj = obj.get_object()
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                raise Refused("bad_file")
            if isinstance(obj, DictionaryObject):
                for key, value in obj.items():
                    if key in PDF_FORBIDDEN:
                        raise Refused("bad_file")
                    if key == "/S" and isinstance(value, NameObject) and value in PDF_FORBIDDEN:
                        raise Refused("bad_file")
                    stack.append(value)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
        if len(reader.pages) < 1:
            raise Refused("bad_file")
    except Refused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise Refused("bad_file") from exc


# --- videos --------------------------------------------------------------------------------------------

# ISO BMFF box types are four printable ASCII characters; a "box" named otherwise is not MP4.
_BOX_TYPE_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


def _mp4_boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, body start, box end) of the boxes tiling data[start:end] exactly, or refuse."""
    boxes = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise Refused("bad_file")
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:  # 64-bit size follows the type
            if pos + 16 > end:
                raise Refused("bad_file")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:  # runs to the end
            size = end - pos
        if size < header or pos + size > end or not set(kind) <= _BOX_TYPE_CHARS:
            raise Refused("bad_file")
        boxes.append((kind, pos + header, pos + size))
        pos += size
    return boxes


def _check_mp4(data: bytes) -> None:
    boxes = _mp4_boxes(data, 0, len(data))
    kind, body, box_end = boxes[0]
    # ftyp: major brand, minor version, then whole compatible brands.
    if kind != b"ftyp" or box_end - body < 8 or (box_end - body) % 4:
        raise Refused("bad_file")
    moov = [(body, box_end) for kind, body, box_end in boxes if kind == b"moov"]
    if len(moov) != 1:
        raise Refused("bad_file")
    children = _mp4_boxes(data, *moov[0])
    if not any(kind == b"mvhd" for kind, _, _ in children):
        raise Refused("bad_file")


EBML_HEADER = 0x1A45DFA3
EBML_SEGMENT = 0x18538067
EBML_DOCTYPE = 0x4282
EBML_CLUSTER = 0x1F43B675
# What may sit directly in a WebM Segment: SeekHead, Info, Tracks, Cluster, Cues, Chapters, Tags,
# Void, CRC-32. Attachments (files carried inside the video) are not WebM and are refused.
WEBM_TOP = {0x114D9B74, 0x1549A966, 0x1654AE6B, EBML_CLUSTER, 0x1C53BB6B, 0x1043A770, 0x1254C367, 0xEC, 0xBF}
# What may sit in a Cluster: Timestamp, Position, PrevSize, SimpleBlock, BlockGroup, Void, CRC-32.
WEBM_CLUSTER = {0xE7, 0xA7, 0xAB, 0xA3, 0xA0, 0xEC, 0xBF}


def _vint(data: bytes, pos: int, end: int, *, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at pos: (value, next pos). None is the "unknown" size."""
    if pos >= end or data[pos] == 0:
        raise Refused("bad_file")
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > end or (keep_marker and length > 4):
        raise Refused("bad_file")
    value = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return value, pos + length
    value &= (1 << (7 * length)) - 1
    if value == (1 << (7 * length)) - 1:
        return None, pos + length
    return value, pos + length


def _ebml_element(data: bytes, pos: int, end: int) -> tuple[int, int, int | None]:
    """(id, body start, body end or None for an unknown size) of the element at pos."""
    element, pos = _vint(data, pos, end, keep_marker=True)
    size, pos = _vint(data, pos, end, keep_marker=False)
    if size is None:
        return element, pos, None
    if pos + size > end:
        raise Refused("bad_file")
    return element, pos, pos + size


def _ebml_children(data: bytes, start: int, end: int, allowed: set[int]) -> None:
    """The elements in data[start:end] are of allowed kinds and tile it exactly; an unknown-sized
    Cluster (a live recording) runs until the next Segment-level element."""
    pos = start
    while pos < end:
        element, body, body_end = _ebml_element(data, pos, end)
        if element not in allowed:
            raise Refused("bad_file")
        if body_end is None:
            if element != EBML_CLUSTER:
                raise Refused("bad_file")
            pos = body
            while pos < end:
                child, _, child_end = _ebml_element(data, pos, end)
                if child in WEBM_TOP:
                    break
                if child not in WEBM_CLUSTER or child_end is None:
                    raise Refused("bad_file")
                pos = child_end
        else:
            pos = body_end


def _check_webm(data: bytes) -> None:
    end = len(data)
    element, body, header_end = _ebml_element(data, 0, end)
    if element != EBML_HEADER or header_end is None:
        raise Refused("bad_file")
    doctype = None
    pos = body
    while pos < header_end:  # the header's children tile it
        child, child_body, child_end = _ebml_element(data, pos, header_end)
        if child_end is None:
            raise Refused("bad_file")
        if child == EBML_DOCTYPE:
            doctype = data[child_body:child_end].rstrip(b"\x00")
        pos = child_end
    if doctype not in (b"webm", b"matroska"):
        raise Refused("bad_file")
    element, body, segment_end = _ebml_element(data, header_end, end)
    # One Segment, reaching exactly the end of the file (an unknown size runs to it).
    if element != EBML_SEGMENT or (segment_end is not None and segment_end != end):
        raise Refused("bad_file")
    _ebml_children(data, body, end, WEBM_TOP)


VIDEO_CHECK = {"video/mp4": _check_mp4, "video/webm": _check_webm}


# --- text ----------------------------------------------------------------------------------------------

# A browser or an unzip tool finds these anywhere in a file; a chat log or an error message has
# no need of them, so a text file carrying one is refused rather than stored as text/plain.
TEXT_FORBIDDEN = ("<script", "<html", "<iframe", "<svg", "pk\x03\x04", "pk\x05\x06")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Markup is not a text file: it could run in a browser that guesses types.
    lowered = text.lower()
    if lowered.lstrip("\ufeff \t\r\n").startswith(
        ("<!doctype", "<html", "<svg", "<?xml", "<script", "<body", "<iframe")
    ):
        return False
    return not any(marker in lowered for marker in TEXT_FORBIDDEN)


# --- the check -----------------------------------------------------------------------------------------


def _read_checked(file, *, book, accept: frozenset[str] | set[str]) -> Checked:
    video_max = book.params["attachment_video_max_bytes"]
    other_max = book.params["attachment_max_bytes"]
    ceiling = max(video_max, other_max) if accept & VIDEO_TYPES else other_max
    size = getattr(file, "size", None)
    if size is not None and size > ceiling:
        raise Refused("file_too_large", max=ceiling)
    name = display_name(getattr(file, "name", ""))
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(ceiling + 1)
    if len(data) > ceiling:
        raise Refused("file_too_large", max=ceiling)
    content_type = sniff(data) if data else None
    if content_type is None or content_type not in accept:
        raise Refused("file_type")
    limit = video_max if content_type in VIDEO_TYPES else other_max
    if len(data) > limit:
        raise Refused("file_too_large", max=limit)
    if content_type in IMAGE_TYPES:
        data = _reencode(data, content_type)
    elif content_type == PDF_TYPE:
        _check_pdf(data)
    elif content_type in VIDEO_TYPES:
        VIDEO_CHECK[content_type](data)
    return Checked(name, content_type, data)


def check_upload(file, *, book, scope: str, accept: frozenset[str] | set[str] = ALL_TYPES) -> Checked:
    """Read and check one upload against the rulebook ``book``; the returned bytes are what may be
    stored. Raises DomainError ``<scope>.<reason>`` for a reason in REASONS, and then nothing has
    been written."""
    if file is None:
        raise DomainError("invalid_input", fields={"file": "required"})
    try:
        return _read_checked(file, book=book, accept=accept)
    except Refused as refused:
        raise DomainError(f"{scope}.{refused.reason}", **refused.params) from None


def save_checked(field_file, checked: Checked) -> None:
    """Put the checked bytes in a model's FileField under our own name (a random id and the
    extension of the detected type), without saving the row."""
    field_file.save(f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.data), save=False)
