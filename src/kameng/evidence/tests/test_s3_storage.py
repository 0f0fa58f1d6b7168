"""Evidence and case attachments on S3-compatible storage (KAMENG_S3_BUCKET): the files go to the
bucket, not to MEDIA_ROOT; the permission-checked views serve them back through the storage API;
the audit reads them there and names an object replaced in the bucket.

The peer is real: moto's S3 server speaking HTTP on a free local port, reached by boto3 and by
django-storages exactly as a MinIO or Ceph endpoint would be."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from kameng.aftersales import services as cases
from kameng.evidence import services
from kameng.evidence.audit import run_audit
from kameng.evidence.tests import e1_support
from kameng.evidence.tests.e1_support import image_bytes, media_files, upload

boto3 = pytest.importorskip("boto3")
pytest.importorskip("storages.backends.s3")
moto_server = pytest.importorskip("moto.server")

# The shared fixtures, bound here so pytest finds them for this module.
_media, card_product, case = e1_support._media, e1_support.card_product, e1_support.case

pytestmark = pytest.mark.django_db

ACCESS_KEY, SECRET_KEY, REGION, PREFIX = "kameng-test", "kameng-test-secret", "us-east-1", "kameng/files"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, s3_endpoint):
    """A fresh bucket, and STORAGES["default"] pointed at it the way settings.py does it for
    KAMENG_S3_BUCKET. Assigning settings.STORAGES fires setting_changed, which drops Django's
    cached storages (default_storage included); the fixture restores them afterwards."""
    name = f"kameng-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "location": PREFIX,
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return client, name


def _keys(client, name) -> list[str]:
    return [obj["Key"] for obj in client.list_objects_v2(Bucket=name).get("Contents", [])]


def _download(user, url: str) -> bytes:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_evidence_lives_in_the_bucket_and_is_served_and_audited_from_it(bucket, _media, buyer, merchant, case):
    client, name = bucket
    item = services.upload_evidence(
        user=buyer, case_id=case.pk, file=upload("shot.png", image_bytes()), kind="activation_error"
    )
    # The FileField's storage resolves lazily to default_storage: it really is S3 now.
    assert type(item.file.storage._wrapped).__name__ == "S3Storage"
    assert item.file.storage is default_storage
    key = f"{PREFIX}/{item.file.name}"
    head = client.head_object(Bucket=name, Key=key)
    assert head["ContentLength"] == item.size
    assert media_files(_media) == []  # nothing written to the local media folder

    data = _download(merchant, reverse("evidence:file", args=[case.pk, item.pk]))
    assert hashlib.sha256(data).hexdigest() == item.sha256
    assert data == client.get_object(Bucket=name, Key=key)["Body"].read()

    run = run_audit()
    assert run.ok and run.files_checked == 1, run.problems

    # Someone with bucket access swaps the object: the audit names that item.
    client.put_object(Bucket=name, Key=key, Body=image_bytes(size=(9, 9)))
    run = run_audit()
    assert not run.ok
    assert run.problems and all(p["item"].startswith(f"evidence item {item.pk} ") for p in run.problems)
    assert any("sha256" in p["problem"] for p in run.problems)

    # And a deleted object reads as missing, not as an error.
    client.delete_object(Bucket=name, Key=key)
    assert any("missing" in p["problem"] for p in run_audit().problems)


def test_case_attachment_lives_in_the_bucket_and_is_served_from_it(bucket, _media, buyer, merchant, case):
    client, name = bucket
    message = cases.post_message(user=buyer, case_id=case.pk, text="截图", files=[upload("a.png", image_bytes())])
    att = message.attachments.get()
    key = f"{PREFIX}/{att.file.name}"
    stored = client.get_object(Bucket=name, Key=key)["Body"].read()
    assert _keys(client, name) == [key]
    assert media_files(_media) == []
    assert _download(merchant, reverse("aftersales:attachment", args=[case.pk, att.pk])) == stored
