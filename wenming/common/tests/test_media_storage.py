"""Media on S3-compatible object storage (WENMING_MEDIA_STORAGE=s3): the settings select django-storages' S3 backend
from the environment, and a photo taken in, served and swept goes through the storage API only — against moto's
in-process S3, so nothing touches the media folder."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from wenming.cases.models import Category, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.common.services.files import files_sweep
from wenming.conftest import photo_bytes
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
BUCKET = "wenming-media"


def test_the_environment_selects_the_s3_backend_with_private_objects():
    env = dict(os.environ, WENMING_TESTING="1", WENMING_MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME=BUCKET,
               AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000", AWS_S3_ADDRESSING_STYLE="path", PYTHONPATH=str(ROOT))
    probe = ("import django; django.setup(); from django.conf import settings; d = settings.STORAGES['default']; "
             "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['endpoint_url'], d['OPTIONS']['default_acl'])")
    out = subprocess.run([sys.executable, "-c", probe], env=dict(env, DJANGO_SETTINGS_MODULE="wenming.settings"),
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["storages.backends.s3.S3Storage", BUCKET, "http://127.0.0.1:9000", "None"], out.stderr
    missing = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env=dict(env, DJANGO_SETTINGS_MODULE="wenming.settings",
                                                             AWS_STORAGE_BUCKET_NAME=""))
    assert "AWS_STORAGE_BUCKET_NAME" in missing.stderr


@pytest.fixture
def s3_media(settings, tmp_path):
    moto = pytest.importorskip("moto", reason="needs the dev extras: pip install -e '.[dev]' (moto, django-storages)")
    import boto3

    settings.MEDIA_ROOT = tmp_path  # must stay empty: every file goes to the bucket
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "region_name": "us-east-1", "access_key": "test", "secret_key": "test",
            "default_acl": None, "querystring_auth": True, "file_overwrite": False}}}
        yield client
    assert not any(tmp_path.iterdir()), "a file was written to the media folder instead of the storage"


def _objects(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_photos_are_stored_served_and_swept_through_the_storage_api(s3_media, people, client):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category=Category.objects.get(code="SJ0401"), actor=people["shouli"],
                          photos=[Upload("before.jpg", photo_bytes(fmt="JPEG", size=(200, 100)))])
    evidence = Evidence.objects.get(case=case)
    stored = {n for n in (evidence.file.name, evidence.public_file.name, evidence.thumbnail.name) if n}
    assert stored and stored <= _objects(s3_media)

    # Served from the bucket through the access-checked view (never a bare object URL).
    client.force_login(people["shouli"])
    answer = client.get(reverse("cases:evidence", args=[evidence.pk, "shared"]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"  # a JPEG

    # An orphan (its request killed before the commit) is found by listing the bucket and removed; the case's stay.
    orphan = default_storage.save("evidence/public/orphan.jpg", ContentFile(b"x" * 10))
    time.sleep(1.1)  # S3 keeps modification times to the second
    result = files_sweep(older_than=dt.timedelta(0))
    assert result.removed == 1 and orphan not in _objects(s3_media)
    assert stored <= _objects(s3_media)
