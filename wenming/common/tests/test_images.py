"""The one check every uploaded photo goes through, and the stored-file helpers beside it."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import translation
from PIL import Image, ImageFile

from wenming.common.files import content_disposition, file_response, storage_save
from wenming.common.images import ImageRefused, image_decode
from wenming.conftest import photo_bytes


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def bomb_png(size=(20000, 20000)) -> bytes:
    """A few dozen KB of PNG that declares 400 million pixels (1.6 GB once decoded)."""
    out = io.BytesIO()
    Image.new("1", size).save(out, format="PNG")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_from_its_header():
    content = bomb_png()
    assert len(content) < 400_000
    with pytest.raises(ImageRefused, match=r"bomb\.png has more than 40 megapixels"):
        image_decode(content=content, name="bomb.png")


def test_pixels_over_the_setting_are_refused_before_anything_is_decoded(settings, monkeypatch):
    settings.WENMING_MAX_IMAGE_PIXELS = 1000
    content, loads = photo_bytes(size=(100, 100)), []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self))
    with pytest.raises(ImageRefused, match=r"wide\.png is 100×100 pixels; the limit is 1000 pixels"):
        image_decode(content=content, name="wide.png")
    assert loads == []


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_and_keeps_its_real_size():
    content = photo_bytes(fmt="JPEG", size=(1600, 1200))
    decoded = image_decode(content=content, name="big.jpg", max_side=400)
    assert (decoded.width, decoded.height) == (1600, 1200)
    # By default at least half of max_side: libjpeg's 1/8 scale, no full-size bitmap ever made.
    assert decoded.image.size == (200, 150) and decoded.image.mode == "RGB"
    # At least 400 pixels wanted: the 1/4 scale gives exactly that.
    assert image_decode(content=content, name="big.jpg", max_side=400, min_side=400).image.size == (400, 300)


def test_upright_size_follows_the_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: stored 64×48, seen 48×64
    decoded = image_decode(content=photo_bytes(fmt="JPEG", exif=exif), name="turned.jpg")
    assert (decoded.width, decoded.height) == (48, 64) and decoded.image.size == (48, 64)


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,  # a PNG signature and nothing behind it
    b"\xff\xd8\xff" + photo_bytes()[3:],  # a JPEG signature on a PNG: only the JPEG decoder may look at it
    photo_bytes(fmt="JPEG")[:40],  # cut off
])
def test_broken_and_polyglot_files_are_refused(content):
    with pytest.raises(ImageRefused, match=r"x\.jpg cannot be read as an image"):
        image_decode(content=content, name="x.jpg")


def test_other_formats_are_refused_and_the_name_is_cleaned():
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    with pytest.raises(ImageRefused) as refused:
        image_decode(content=gif.getvalue(), name="../../evil\x1b[31m\u202eName.jpg")
    assert str(refused.value) == "evil[31mName.jpg is not a JPEG, PNG, WebP or HEIC photo."  # no ESC, no RLO


# -- stored files ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_file_written_in_a_transaction_that_rolls_back_is_deleted(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    with pytest.raises(RuntimeError), transaction.atomic():
        name = storage_save(storage=storage, name="a/x.jpg", content=b"data")
        assert storage.exists(name)
        raise RuntimeError("the insert after the file failed")
    assert not storage.exists(name) and not list(tmp_path.rglob("*.jpg"))


@pytest.mark.django_db
def test_a_file_written_in_a_transaction_that_commits_stays(tmp_path, django_capture_on_commit_callbacks):
    storage = FileSystemStorage(location=tmp_path)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        name = storage_save(storage=storage, name="a/x.jpg", content=b"data")
    assert storage.exists(name)


def test_served_files_take_their_type_from_their_bytes(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    def serve(content: bytes, name: str):
        saved = storage.save("f", ContentFile(content))

        class Field:
            def open(self, mode):
                return storage.open(saved, mode)

        return file_response(Field(), name=name)

    pdf = serve(b"%PDF-1.7\n...", "整改报告.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Content-Disposition"] == (
        "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf")
    page = serve(b"<html><script>alert(1)</script>", 'report.pdf"\r\nX-Evil: 1')
    assert page["Content-Type"] == "application/octet-stream"
    assert page["Content-Disposition"] == "attachment; filename=\"report.bin\"; filename*=UTF-8''report.bin"
    assert "\r" not in page["Content-Disposition"] and "\n" not in page["Content-Disposition"]
    photo = serve(photo_bytes(fmt="JPEG"), "p")
    assert photo["Content-Type"] == "image/jpeg" and photo["Content-Disposition"].startswith("inline;")
    assert b"".join(page.streaming_content) == b"<html><script>alert(1)</script>"
    for response in (pdf, page, photo):
        response.file_to_stream.close()


def test_content_disposition_quotes_nothing_it_should_not():
    assert content_disposition("attachment", 'a"b\\c.pdf') == "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_file_stays_when_an_earlier_commit_hook_fails(tmp_path):
    # Django drops the remaining commit hooks when one raises: the transaction committed all the same, so the row
    # naming the file exists and the file must stay.
    storage = FileSystemStorage(location=tmp_path)

    def enqueue_failed():
        raise ConnectionError("the task queue is down")

    with pytest.raises(ConnectionError), transaction.atomic():
        transaction.on_commit(enqueue_failed)
        name = storage_save(storage=storage, name="a/x.jpg", content=b"data")
    assert storage.exists(name)
