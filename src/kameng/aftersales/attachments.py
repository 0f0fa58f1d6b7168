"""Attachments to case messages (the case form's files and the conversation's): evidence like any
other upload, checked by the platform's one upload checker, ``kameng.core.uploads``.

That checker reads the type from the content, never from the name or the declared type, re-encodes
images (so no EXIF, no GPS location reaches the other party), refuses images of too many pixels,
polyglots and anything trailing a file's end. The types are those of rule 2.4: images, short videos
and text files. Sizes and counts are rulebook parameters (2.4). The uploader's file name is kept for
display only; the stored file gets our own name. Each stored file's SHA-256 goes on the case
timeline, and the case's evidence page and bundle carry it (kameng.evidence).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kameng.aftersales.models import Attachment, Case, Message
from kameng.core import uploads as checker
from kameng.core.errors import DomainError
from kameng.core.files import stored_file_response
from kameng.core.uploads import EXTENSIONS, IMAGE_TYPES, TEXT_TYPE, VIDEO_TYPES, Checked

__all__ = ["ACCEPTED", "EXTENSIONS", "IMAGE_TYPES", "VIDEO_TYPES", "Checked", "check_all", "file_response", "store"]

# Rule 2.4: images, short videos and text files (PDFs go to the evidence page).
ACCEPTED = IMAGE_TYPES | VIDEO_TYPES | {TEXT_TYPE}


def check_all(files, *, book) -> list[Checked]:
    """Read and check every upload before anything is stored: one bad file refuses them all
    (aftersales.too_many_files / file_too_large / file_type / image_too_large / bad_file / bad_name)."""
    files = [f for f in (files or []) if f is not None]
    limit = book.params["attachment_max_per_message"]
    if len(files) > limit:
        raise DomainError("aftersales.too_many_files", max=limit)
    return [checker.check_upload(upload, book=book, scope="aftersales", accept=ACCEPTED) for upload in files]


def store(item: Checked, *, message: Message, case: Case, now: datetime) -> Attachment:
    """Write the checked bytes under our own name (a random id and the detected type's extension)
    and the row."""
    attachment = Attachment(
        message=message,
        case=case,
        name=item.name,
        content_type=item.content_type,
        size=len(item.data),
        sha256=hashlib.sha256(item.data).hexdigest(),
        created_at=now,
    )
    checker.save_checked(attachment.file, item)
    try:
        attachment.save()
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def file_response(attachment: Attachment, *, inline: bool = False):
    """The stored bytes, named and typed by the server (never the uploader's name or declared type),
    with nosniff and a sandbox CSP (kameng.core.files). Only images are ever shown inline."""
    ext = EXTENSIONS.get(attachment.content_type, "bin")
    return stored_file_response(
        attachment.file,
        filename=f"case-{attachment.case_id}-{attachment.pk}.{ext}",
        content_type=attachment.content_type,
        inline=inline and attachment.content_type in IMAGE_TYPES,
    )
