"""Upload attacks (issue 5, point 1): every refused file leaves nothing behind — no row, no file
under MEDIA_ROOT, no timeline event — and comes back with its own error code. Accepted images are
re-encoded without their metadata; PDFs with active content are refused."""

from __future__ import annotations

import io
import struct
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
    from kameng.core import uploads as checker

    monkeypatch.setattr(checker, "MAX_PIXELS", 1000)  # the one upload checker's pixel cap
    bomb = image_bytes("PNG", size=(100, 100))  # 10,000 pixels in a few hundred bytes
    assert_refused("evidence.image_too_large", user=buyer, case=case, file=upload("a.png", bomb), media_root=_media)


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


def box(kind: bytes, body: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4_bytes(payload: bytes = b"\x00\x00\x01\x09" * 16) -> bytes:
    """A minimal ISO BMFF file: ftyp, moov (with its mvhd), mdat."""
    return (
        box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
        + box(b"moov", box(b"mvhd", bytes(100)))
        + box(b"mdat", payload)
    )


def ebml(element: int, body: bytes | None = None, *, unknown: bool = False) -> bytes:
    head = element.to_bytes((element.bit_length() + 7) // 8, "big")
    if unknown:
        return head + b"\x01\xff\xff\xff\xff\xff\xff\xff" + (body or b"")
    body = body or b""
    return head + (0x0100000000000000 | len(body)).to_bytes(8, "big") + body


def webm_bytes(*, live: bool = False) -> bytes:
    """EBML header (DocType webm), then a Segment with Info, Tracks and a Cluster; a live recording
    (a browser's MediaRecorder) leaves the Segment and Cluster sizes unknown."""
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, b"webm"))
    cluster = ebml(0x1F43B675, ebml(0xE7, b"\x00") + ebml(0xA3, b"\x81\x00\x00\x80" + bytes(32)), unknown=live)
    body = ebml(0x1549A966, ebml(0x2AD7B1, b"\x0f\x42\x40")) + ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01")))
    return header + ebml(0x18538067, body + cluster + cluster, unknown=live)


def test_markup_text_and_video_by_content(buyer, case, _media):
    with pytest.raises(DomainError) as err:
        services.upload_evidence(
            user=buyer, case_id=case.pk, file=upload("a.txt", b"<svg onload=alert(1)>"), kind="other"
        )
    assert err.value.code == "evidence.file_type"
    for data, content_type, ext in (
        (mp4_bytes(), "video/mp4", "mp4"),
        (mp4_bytes()[: -(8 + 64)] + b"\x00\x00\x00\x00mdat" + bytes(8), "video/mp4", "mp4"),  # size 0: to the end
        (webm_bytes(), "video/webm", "webm"),
        (webm_bytes(live=True), "video/webm", "webm"),
    ):
        item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("v.bin", data), kind="other")
        assert (item.content_type, item.file.name.rsplit(".", 1)[1]) == (content_type, ext)
        assert item.file.read() == data


def test_mp4_with_a_64_bit_box_size_is_walked():
    large = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 8) + bytes(8)
    checked = uploads.check_upload(upload("v.mp4", mp4_bytes()[: -(8 + 64)] + large), book=rulebook.current())
    assert checked.content_type == "video/mp4"


ZIP_TAIL = b"PK\x03\x04\x14\x00" + bytes(24) + b"PK\x05\x06" + bytes(18)


@pytest.mark.parametrize(
    "polyglot",
    [
        # The review's example: "ftyp" at byte 4, then HTML and a ZIP.
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom<html><script>alert(1)</script>" + ZIP_TAIL,
        mp4_bytes() + b"<html><script>alert(1)</script></html>",  # after the last box
        mp4_bytes() + ZIP_TAIL,
        box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", bytes(32)),  # no moov
        mp4_bytes() + box(b"<ht>", b"<script>alert(1)</script>"),  # a "box" that is not one
        box(b"ftyp", b"isom\x00\x00\x02\x00") + box(b"moov", b"<html><script>x</script>"),  # moov not boxes
        mp4_bytes()[:-10],  # the last box runs past the end
        webm_bytes() + b"<html><script>alert(1)</script></html>",  # after a sized Segment
        webm_bytes(live=True) + b"<html><script>alert(1)</script></html>",  # inside an unknown-sized one
        webm_bytes(live=True) + ZIP_TAIL,
        webm_bytes()[:-3],
        b"\x1a\x45\xdf\xa3<html><script>alert(1)</script></html>",
        ebml(0x1A45DFA3, ebml(0x4282, b"webm")) + ebml(0x18538067, ebml(0x1941A469, bytes(16))),  # Attachments
        ebml(0x1A45DFA3, ebml(0x4282, b"html")) + ebml(0x18538067, ebml(0x1549A966)),  # not a WebM DocType
    ],
)
def test_polyglot_videos_are_refused(buyer, case, _media, polyglot):
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("v.mp4", polyglot), media_root=_media)


@pytest.mark.parametrize(
    "text",
    [
        "聊天记录\n商家：卡密没问题\n<script>alert(1)</script>\n",
        "日志\n<HTML><body>x</body></HTML>",
        "看这里\n<svg onload=alert(1)>",
        "说明\nPK\x03\x04\x14\x00\x00\x00\x08\x00",  # a ZIP riding inside "text"
    ],
)
def test_text_with_embedded_markup_or_an_archive_is_refused(buyer, case, _media, text):
    file = upload("chat.txt", text.encode())
    assert_refused("evidence.file_type", user=buyer, case=case, file=file, media_root=_media)


def test_text_with_angle_brackets_that_are_not_markup_is_kept(buyer, case, _media):
    data = "客服：余额 < 10 元时无法激活，错误码 <E1024>\n".encode()
    item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("chat.txt", data), kind="chat_record")
    assert item.content_type == "text/plain" and item.file.read() == data


def _zip_bytes() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return archive.getvalue()


@pytest.mark.parametrize(
    "tail",
    [
        _zip_bytes(),  # a PDF that is also a ZIP
        b"<html><script>alert(1)</script></html>",
        _zip_bytes() + b"\n%%EOF\n",  # a fake end after the ZIP
        b"\n<html><script>alert(1)</script></html>\n%%EOF\n",
        b"\n1 0 obj\n<< /Length 40 >>\nstream\n" + _zip_bytes() + b"\nendstream\nendobj\nstartxref\n0\n%%EOF\n",
    ],
)
def test_pdf_with_a_zip_or_html_after_its_end_is_refused(buyer, case, _media, tail):
    polyglot = pdf_bytes() + tail
    assert zipfile.is_zipfile(io.BytesIO(polyglot)) or b"<html>" in polyglot
    assert_refused("evidence.bad_file", user=buyer, case=case, file=upload("a.pdf", polyglot), media_root=_media)


def test_pdf_with_an_incremental_update_is_kept(buyer, case, _media):
    from pypdf import PdfWriter

    original = pdf_bytes()
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Title": "付款截图"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(original) and updated.count(b"%%EOF") == 2
    item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("a.pdf", updated), kind="other")
    assert item.file.read() == updated


def test_evidence_rows_refuse_bulk_delete_and_rewriting_but_withdrawal_works(buyer, case, _media):
    item = services.upload_evidence(user=buyer, case_id=case.pk, file=upload("a.txt", b"first"), kind="other")
    rows = EvidenceItem.objects.filter(pk=item.pk)
    attempts = [
        rows.delete,
        EvidenceItem.objects.all().delete,
        lambda: rows.update(sha256="0" * 64),
        lambda: rows.update(file="evidence/other.txt"),
        lambda: rows.update(size=1, withdraw_reason="x"),
        lambda: EvidenceItem.objects.bulk_update([EvidenceItem(pk=item.pk, sha256="0" * 64)], ["sha256"]),
        item.delete,
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == "evidence.immutable"
    item.sha256 = "0" * 64
    for kwargs in ({}, {"update_fields": ["sha256"]}):
        with pytest.raises(DomainError):
            item.save(**kwargs)
    stored = EvidenceItem.objects.get(pk=item.pk)
    assert stored.sha256 != "0" * 64 and stored.file.name == item.file.name
    withdrawn = services.withdraw_evidence(user=buyer, item_id=item.pk, reason="传错了")
    assert EvidenceItem.objects.get(pk=item.pk).withdrawn_at == withdrawn.withdrawn_at is not None


def test_closed_case_takes_no_evidence(buyer, case, _media):
    from kameng.aftersales import services as cases

    cases.withdraw_case(buyer=buyer, case_id=case.pk)
    assert_refused("evidence.case_closed", user=buyer, case=case, file=upload("a.txt", b"late"), media_root=_media)


def test_check_upload_alone_writes_nothing(_media):
    checked = uploads.check_upload(upload("a.jpg", image_bytes("JPEG", exif=True)), book=rulebook.current())
    assert checked.content_type == "image/jpeg" and checked.extension == "jpg"
    assert media_files(_media) == []
