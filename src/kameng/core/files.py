"""Serving a stored upload back: one place for the headers that keep a browser from running it."""

from __future__ import annotations

from django.http import FileResponse


def stored_file_response(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """The stored bytes with the type detected at upload (never the uploader's), as a download
    unless ``inline`` (thumbnails of images only — the caller decides). nosniff: no other type is
    guessed; the sandbox CSP: nothing in it runs even if opened directly; private, no-store: the
    permission check ran for this user only."""
    response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
