"""Serving a stored upload (or a generated package) back: one place for the headers that keep a
browser from running it."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse

# nosniff: no type but the one we send is guessed; the sandbox CSP: nothing in the file runs, even
# opened directly (no script, no same origin, no forms); private, no-store: the permission check
# ran for this user only.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def protect_download(response: HttpResponse) -> HttpResponse:
    """Set DOWNLOAD_HEADERS on a response that carries a file (an upload, a ZIP, a PDF)."""
    for name, value in DOWNLOAD_HEADERS.items():
        response[name] = value
    return response


def stored_file_response(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """The stored bytes with the type detected at upload (never the uploader's) and a name the
    caller makes (never the uploader's), as a download unless ``inline`` (thumbnails of images
    only — the caller decides), with DOWNLOAD_HEADERS."""
    response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    protect_download(response)
    return response
