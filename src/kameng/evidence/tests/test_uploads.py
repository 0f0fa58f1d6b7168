"""Upload attacks (issue 5, point 1): every refused file leaves nothing behind — no row, no file
under MEDIA_ROOT, no timeline event — and comes back with its own error code. Accepted images are
re-encoded without their metadata; PDFs with active content are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.core.errors import DomainError
from kameng.evidence import services, uploads
from kameng.evidence.models import EvidenceItem
from kameng.evidence.tests import e1_support
from kameng.evidence.tests.e1_support import image_bytes, media_files, pdf_bytes, upload
from kameng.rulebook import selectors as rulebook
from kameng.timeline.selectors import events_of

# The shared fixtures, bound here so pytest finds them for this module.
_media, card_product, case = e1_support._media, e1_support.card_product, e1_support.case

pytestmark = pytest.mark.django_db


def evidence_events(case) -> list:
    return [e for e in events_of(stream=case.stream) if e.kind.startswith("evidence.")]


def assert_refused(code: str, *, user, case, file, media_root, kind="other"):
    before = EvidenceItem.objects.count()
    with pytest.raises(DomainError) as err:
        services.upload_evidence(user=user, case_id=case.pk, file=file, kind=kind, caption="证据")
    assert err.value.code == code
    assert EvidenceItem.objects.count() == before
    assert media_files(media_root) == []
    assert evidence_events(case) == []


def test_oversized_file_is_refused_and_nothing_is_stored(buyer, case, _media):
    limit = rulebook.version(case.rulebook_id).params["attachment_max_bytes"]
    big = b"a" * (limit + 1)  # plain text, one byte over the limit for non-video files
    assert_refused("evidence.file_too_large", user=buyer, case=case, file=upload("notes.txt", big), media_root=_media)


def test_wrong_type_with_a_valid_extension_is_refused(buyer, case, _media):
    fake = upload("screenshot.png", b"<!DOCTYPE html><script>alert(1)</script>", "image/png")
    assert_refused("evidence.file_type", user=buyer, case=case, file=fake, media_root=_media)
    exe = upload("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)), "image/jpeg")
    assert_refused("evidence.file_type", user=buyer, case=case, file=exe, media_root=_media)


def test_png_with_a_zip_appended_is_refused(buyer, case, _media):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = image_bytes("PNG") + archive.getvalue()
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.png", polyglot), media_root=_media)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_any_image_with_html_after_its_end_is_refused(buyer, case, _media, fmt):
    polyglot = image_bytes(fmt) + b"<html><script>alert(document.cookie)</script></html>"
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.img", polyglot), media_root=_media)


def test_a_broken_image_is_refused(buyer, case, _media):
    broken = image_bytes("PNG")[:40]
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.png", broken), media_root=_media)


def test_decompression_bomb_is_refused(buyer, case, _media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 1000)
    bomb = image_bytes("PNG", size=(100, 100))  # 10,000 pixels in a few hundred bytes
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.png", bomb), media_root=_media)


def test_pdf_with_javascript_is_refused_and_a_plain_pdf_is_kept_as_is(buyer, case, _media):
    bad = upload("report.pdf", pdf_bytes(javascript=True), "application/pdf")
    assert_refused("evidence.bad_file", user=buyer, case=case, file=bad, media_root=_media)
    good = pdf_bytes()
    item = services.upload_evidence(
        user=buyer, case_id=case.pk, file=upload("report.pdf", good), kind="payment_proof", caption=""
    )
    assert item.content_type == "application/pdf"
    assert item.file.read() == good


def test_pdf_with_launch_action_or_embedded_file_is_refused(buyer, case, _media):
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    out = io.BytesIO()
    writer.write(out)
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.pdf", out.getvalue()), media_root=_media)
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_attachment("x.exe", b"MZ")
    out = io.BytesIO()
    writer.write(out)
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.pdf", out.getvalue()), media_root=_media)


def test_pdf_header_without_a_pdf_is_refused(buyer, case, _media):
    fake = upload("a.pdf", b"%PDF-1.7\n<html><script>alert(1)</script>\n%%EOF\n")
    assert_refused("evidence.bad_file", user=buyer, case=case, file=fake, media_root=_media)


class RawUpload(io.BytesIO):
    """A file whose name is exactly what a hostile client sent (Django's multipart parser already
    cuts a posted name down to its base name; this is the service's own check underneath)."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name, self.size = name, len(data)


@pytest.mark.parametrize(
    "name", ["../../../../etc/cron.d/evil.png", "..\\..\\boot.ini.png", "/etc/passwd.png", "a\x00.png", ".."]
)
def test_path_traversal_name_is_refused_and_nothing_is_stored(buyer, case, _media, tmp_path, name):
    raw = RawUpload(name, image_bytes("PNG"))
    assert_refused("evidence.bad_name", user=buyer, case=case, file=raw, media_root=_media)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_posted_path_name_is_cut_to_its_base_name_by_django_and_stored_under_a_random_name(
    client, buyer, case, _media, tmp_path
):
    client.force_login(buyer)
    data = SimpleUploadedFile("x.png", image_bytes("PNG"), content_type="image/png")
    data.name = "../../../../etc/cron.d/evil.png"  # the multipart header carries the path
    client.post(f"/cases/{case.pk}/evidence/upload/", {"kind": "other", "caption": "", "file": data})
    item = EvidenceItem.objects.get(case=case)
    assert "/" not in item.original_name and ".." not in item.original_name
    stored = media_files(_media)
    assert len(stored) == 1 and stored[0].stem != "evil" and _media in stored[0].parents
    assert [p for p in tmp_path.rglob("*") if p.is_file() and _media not in p.parents] == []


def test_too_many_files_from_one_party_are_refused(buyer, merchant, case, _media):
    limit = services.max_files(rulebook.version(case.rulebook_id))
    for i in range(limit):
        services.upload_evidence(
            user=buyer, case_id=case.pk, file=upload(f"{i}.txt", f"第{i}条".encode()), kind="other", caption=""
        )
    stored = media_files(_media)
    with pytest.raises(DomainError) as err:
        services.upload_evidence(user=buyer, case_id=case.pk, file=upload("x.txt", b"one more"), kind="other")
    assert err.value.code == "evidence.too_many_files"
    assert EvidenceItem.objects.filter(case=case).count() == limit
    assert media_files(_media) == stored
    # The quota is per party: the merchant still has theirs.
    services.upload_evidence(user=merchant, case_id=case.pk, file=upload("m.txt", b"merchant"), kind="other")


def test_upload_to_someone_elses_case_is_not_found(other_buyer, other_shop, case, _media):
    assert_refused("not_found", user=other_buyer, case=case, file=upload("a.png", image_bytes()), media_root=_media)
    assert_refused(
        "not_found", user=other_shop.owner, case=case, file=upload("a.png", image_bytes()), media_root=_media
    )


def test_jpeg_exif_is_stripped_and_the_timeline_hash_is_the_stored_files(buyer, case, _media):
    from PIL import Image

    original = image_bytes("JPEG", exif=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x010F) == "SpyCam Inc"
    item = services.upload_evidence(
        user=buyer, case_id=case.pk, file=upload("photo.jpg", original), kind="activation_error", caption="激活失败"
    )
    stored = (_media / item.file.name).read_bytes()
    assert b"SpyCam" not in stored and b"secret-software" not in stored and b"Exif" not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    import hashlib

    (event,) = evidence_events(case)
    assert event.kind == "evidence.added"
    assert event.payload["sha256"] == hashlib.sha256(stored).hexdigest() == item.sha256
    assert event.payload == {
        "item": item.pk,
        "kind": "activation_error",
        "sha256": item.sha256,
        "size": len(stored),
        "content_type": "image/jpeg",
    }


def test_png_text_chunks_are_dropped(buyer, case, _media):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret author")
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, format="PNG", pnginfo=info)
    item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("a.png", out.getvalue()), kind="other")
    assert b"secret author" not in (_media / item.file.name).read_bytes()


def test_markup_text_and_video_by_magic(buyer, case, _media):
    with pytest.raises(DomainError) as err:
        services.upload_evidence(
            user=buyer, case_id=case.pk, file=upload("a.txt", b"<svg onload=alert(1)>"), kind="other"
        )
    assert err.value.code == "evidence.file_type"
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("v.bin", mp4), kind="other")
    assert (item.content_type, item.file.name.rsplit(".", 1)[1]) == ("video/mp4", "mp4")


def test_closed_case_takes_no_evidence(buyer, case, _media):
    from kameng.aftersales import services as cases

    cases.withdraw_case(buyer=buyer, case_id=case.pk)
    assert_refused("evidence.case_closed", user=buyer, case=case, file=upload("a.txt", b"late"), media_root=_media)


def test_check_upload_alone_writes_nothing(_media):
    checked = uploads.check_upload(upload("a.jpg", image_bytes("JPEG", exif=True)), book=rulebook.current())
    assert checked.content_type == "image/jpeg" and checked.extension == "jpg"
    assert media_files(_media) == []
