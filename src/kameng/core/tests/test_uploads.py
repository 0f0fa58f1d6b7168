"""The one upload checker (kameng.core.uploads) on its own: what it refuses, with which code, and
what it stores of what it keeps. The same checks on every path that takes a file are in the
aftersales (case form, conversation) and evidence (uploads) tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.core import uploads
from kameng.core.errors import ERRORS, DomainError
from kameng.core.tests import upload_files as make

BOOK = SimpleNamespace(
    params={
        "attachment_max_bytes": 5_242_880,
        "attachment_video_max_bytes": 20_971_520,
        "attachment_max_per_message": 4,
    }
)


def check(data: bytes, name: str = "f.bin", *, accept=uploads.ALL_TYPES, book=BOOK) -> uploads.Checked:
    return uploads.check_upload(SimpleUploadedFile(name, data), book=book, scope="evidence", accept=accept)


def refused(data: bytes, name: str = "f.bin", **kwargs) -> DomainError:
    with pytest.raises(DomainError) as err:
        check(data, name, **kwargs)
    return err.value


@pytest.mark.parametrize("scope", ["aftersales", "evidence"])
def test_every_refusal_of_every_scope_has_a_registered_4xx_code(scope):
    for reason in uploads.REASONS:
        spec = ERRORS[f"{scope}.{reason}"]
        assert 400 <= spec.status < 500


def test_the_refusal_carries_the_callers_scope():
    with pytest.raises(DomainError) as err:
        uploads.check_upload(SimpleUploadedFile("a.png", make.png_zip_polyglot()), book=BOOK, scope="aftersales")
    assert err.value.code == "aftersales.bad_file" and err.value.status == 422


def test_gps_and_camera_are_gone_after_re_encoding_a_photo():
    original = make.gps_jpeg()
    assert make.gps_of(original) == make.GPS  # the phone did write where it was
    kept = check(original, "IMG_0001.jpg")
    assert kept.content_type == "image/jpeg" and kept.data != original
    assert make.gps_of(kept.data) == {}
    assert b"PhoneMaker" not in kept.data and b"Exif" not in kept.data


def test_gps_in_a_png_exif_chunk_is_gone_too():
    original = make.gps_png()
    assert make.gps_of(original) == make.GPS
    kept = check(original, "shot.png")
    assert make.gps_of(kept.data) == {} and b"eXIf" not in kept.data


def test_an_image_of_81_million_pixels_is_refused_before_it_is_decoded():
    data = make.huge_png(9000, 9000)
    assert len(data) < BOOK.params["attachment_max_bytes"]  # small on disk: only the pixel cap stops it
    err = refused(data, "big.png")
    assert err.code == "evidence.image_too_large" and err.status == 422
    assert err.params["max"] == uploads.MAX_PIXELS


@pytest.mark.parametrize("polyglot", [make.png_zip_polyglot, make.png_html_polyglot])
def test_polyglots_are_refused(polyglot):
    assert refused(polyglot(), "shot.png").code == "evidence.bad_file"


@pytest.mark.parametrize("options", [{"javascript": True}, {"open_action": True}])
def test_pdfs_with_javascript_or_an_open_action_are_refused(options):
    assert refused(make.pdf(**options), "receipt.pdf").code == "evidence.bad_file"
    assert check(make.pdf(), "receipt.pdf").content_type == "application/pdf"


def test_a_type_the_caller_does_not_accept_is_refused_as_file_type():
    accept = uploads.IMAGE_TYPES | {uploads.TEXT_TYPE}
    err = refused(make.pdf(), "receipt.pdf", accept=accept)
    assert err.code == "evidence.file_type" and err.status == 415


def test_sizes_come_from_the_rulebook():
    small = SimpleNamespace(params={**BOOK.params, "attachment_max_bytes": 1024})
    err = refused(b"a" * 1025, "notes.txt", book=small)
    assert err.code == "evidence.file_too_large" and err.status == 413 and err.params["max"] == 1024
    assert check(b"a" * 1024, "notes.txt", book=small).content_type == "text/plain"


def test_a_name_with_a_path_is_refused_and_the_name_is_display_only():
    # Django already cuts a posted "a/b" to its base name; a Windows path or a control character is left.
    assert refused(make.png(), "..\\..\\evil.png").code == "evidence.bad_name"
    assert refused(make.png(), "shot\x00.html").code == "evidence.bad_name"
    kept = check(make.png(), "截图 1.png")
    assert kept.name == "截图 1.png" and kept.extension == "png"


def test_markup_is_not_text():
    assert refused(b"<!DOCTYPE html><script>alert(1)</script>", "a.txt").code == "evidence.file_type"
