"""Attachments to case messages: images, short videos and text files, checked by their content.

The type comes from the first bytes (magic numbers), never from the name or the declared type;
the uploader's file name is kept for display only and never used for a path. Sizes and counts are
rulebook parameters (2.4). Each stored file's SHA-256 goes on the case timeline.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile

from kameng.aftersales.models import Attachment, Case, Message
from kameng.core.errors import DomainError

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
VIDEO_TYPES = {"video/mp4", "video/webm"}
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "text/plain": "txt",
}


def sniff(head: bytes) -> str | None:
    """The content type these first bytes prove, or None."""
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
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Markup is not a text file: it could run in a browser that guesses types.
    lowered = text.lstrip().lower()
    return not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    data: bytes


def _display_name(name: object) -> str:
    raw = name if isinstance(name, str) else ""
    # Display only: strip any path, control characters, and keep it short.
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:120] or "file"


def check_all(files, *, book) -> list[Checked]:
    """Read and check every upload before anything is stored: one bad file refuses them all."""
    files = list(files or [])
    limit = book.params["attachment_max_per_message"]
    if len(files) > limit:
        raise DomainError("aftersales.too_many_files", max=limit)
    checked = []
    for upload in files:
        max_bytes = book.params["attachment_video_max_bytes"]
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise DomainError("aftersales.file_too_large", max=max_bytes)
        data = upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise DomainError("aftersales.file_too_large", max=max_bytes)
        kind = sniff(data[:16])
        if kind is None and _is_text(data):
            kind = "text/plain"
        if kind is None:
            raise DomainError("aftersales.file_type")
        if kind not in VIDEO_TYPES and len(data) > book.params["attachment_max_bytes"]:
            raise DomainError("aftersales.file_too_large", max=book.params["attachment_max_bytes"])
        checked.append(Checked(_display_name(getattr(upload, "name", "")), kind, data))
    return checked


def store(item: Checked, *, message: Message, case: Case, now: datetime) -> Attachment:
    digest = hashlib.sha256(item.data).hexdigest()
    # Our own name: a random id and the extension of the detected type.
    filename = f"{uuid.uuid4().hex}.{EXTENSIONS[item.content_type]}"
    attachment = Attachment(
        message=message,
        case=case,
        name=item.name,
        content_type=item.content_type,
        size=len(item.data),
        sha256=digest,
        created_at=now,
    )
    attachment.file.save(filename, ContentFile(item.data), save=False)
    attachment.save()
    return attachment
