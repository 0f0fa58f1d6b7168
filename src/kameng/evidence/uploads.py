"""Checking an evidence file before anything is stored, and storing it.

The check is the platform's one upload checker, ``kameng.core.uploads`` (content sniffing, images
re-encoded without metadata, pixel cap, polyglots and active PDFs refused, rulebook sizes), the
same one case attachments go through; evidence accepts every type it knows, PDFs included, and
refuses with ``evidence.*`` codes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kameng.core import uploads as checker
from kameng.core.uploads import EXTENSIONS, IMAGE_TYPES, PDF_TYPE, TEXT_TYPE, VIDEO_TYPES, Checked
from kameng.evidence.models import EvidenceItem

__all__ = ["EXTENSIONS", "IMAGE_TYPES", "PDF_TYPE", "TEXT_TYPE", "VIDEO_TYPES", "Checked", "check_upload", "store"]

ACCEPTED = checker.ALL_TYPES


def check_upload(file, *, book) -> Checked:
    """Read and check one upload; the returned bytes are what may be stored. Raises DomainError
    (evidence.file_too_large / file_type / image_too_large / bad_file / bad_name) and then nothing
    has been written."""
    return checker.check_upload(file, book=book, scope="evidence", accept=ACCEPTED)


def store(checked: Checked, *, case, uploader, role: str, kind: str, caption: str, now: datetime) -> EvidenceItem:
    """Write the checked bytes under a random name with the detected extension, and the row."""
    item = EvidenceItem(
        case=case,
        uploader=uploader,
        uploader_role=role,
        kind=kind,
        caption=caption,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        created_at=now,
    )
    checker.save_checked(item.file, checked)
    try:
        item.save()
    except BaseException:
        item.file.storage.delete(item.file.name)
        raise
    return item
