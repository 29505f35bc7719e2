"""The storefront pages (门前五包): list with filters and flags, shop page, the phone's find and check pages, the notice
(printable, served, re-checked), photos; each answers 404 outside the person's scope."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.conftest import photo_bytes
from wenming.inspections.models import NoticeState, StorefrontCheck, StorefrontNotice
from wenming.inspections.services import storefront as sf
from wenming.inspections.tests.test_storefront import record
from wenming.org.models import StorefrontDuty

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(people):
    return StorefrontDuty.objects.filter(supervising_unit=people["jiedao"].unit).order_by("code").first()


@pytest.fixture
def other_shop(people):
    return StorefrontDuty.objects.exclude(supervising_unit=people["jiedao"].unit).order_by("-code").first()


def form_data(shop, bad=(), **extra):
    data = {"lng": f"{shop.lng:.6f}", "lat": f"{shop.lat:.6f}", "fix_days": "3", **extra}
    for duty in sf.DUTY_KEYS:
        data[f"{duty}_result"] = "bad" if duty in bad else "ok"
        data[f"{duty}_note"] = "店外经营" if duty in bad else ""
    return data


def photo_file(name="p.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, photo_bytes(), content_type="image/png")


def test_the_unit_records_a_check_on_the_phone_and_gets_the_notice(client, people, shop):
    client.force_login(people["jiedao"])
    page = client.get(reverse("inspections:storefront_check", args=[shop.pk]))
    assert page.status_code == 200 and b'name="order_result"' in page.content and b'data-geo="1"' in page.content
    refused = client.post(reverse("inspections:storefront_check", args=[shop.pk]), form_data(shop, bad=["order"]))
    assert refused.status_code == 400 and b"a violation needs a photo" in refused.content
    done = client.post(reverse("inspections:storefront_check", args=[shop.pk]),
                       {**form_data(shop, bad=["order"]), "order_photo": photo_file()})
    notice = StorefrontNotice.objects.get(shop=shop)
    assert done.status_code == 302 and done["Location"] == reverse("inspections:storefront_notice", args=[notice.pk])
    page = client.get(done["Location"])
    text = page.content.decode()
    assert notice.number in text and shop.shop_name in text and str(sf.STANDARD["order"]) in text
    assert shop.supervising_unit.name in text and 'id="serve-form"' in text and 'id="recheck"' in text
    item = StorefrontCheck.objects.get(shop=shop).items.get(duty="order")
    photo = client.get(reverse("inspections:storefront_photo", args=[item.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_the_notice_is_served_through_its_page(client, people, shop):
    notice = record(people["jiedao"], shop, "order").issued_notice
    client.force_login(people["jiedao"])
    url = reverse("inspections:storefront_serve", args=[notice.pk])
    client.post(url, {"version": "0", "served_how": "refused", "note": "店主拒签，邻店见证"})
    notice.refresh_from_db()
    assert (notice.state, notice.served_how) == (NoticeState.SERVED, "refused")
    page = client.get(reverse("inspections:storefront_notice", args=[notice.pk])).content.decode()
    assert "店主拒签，邻店见证" in page and 'id="serve-form"' not in page


def test_the_recheck_page_files_the_case_after_the_deadline(client, people, shop):
    notice = record(people["jiedao"], shop, "order", when=timezone.now() - dt.timedelta(days=20)).issued_notice
    client.force_login(people["jiedao"])
    url = reverse("inspections:storefront_recheck", args=[notice.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="order_result"' in page.content and b'name="sanitation_result"' not in page.content
    answer = client.post(url, {"version": "0", "lng": shop.lng, "lat": shop.lat, "order_result": "bad",
                               "order_note": "仍占道", "order_photo": photo_file()})
    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.state == NoticeState.NOT_FIXED and notice.case is not None
    shop_page = client.get(reverse("inspections:storefront", args=[shop.pk])).content.decode()
    assert notice.case.number in shop_page and notice.number in shop_page


def test_the_list_shows_counts_flags_and_filters(client, people, shop, other_shop, settings):
    settings.WENMING_STOREFRONT_REPEAT_THRESHOLD = 2
    now = timezone.now()
    record(people["jiedao"], shop, "order", when=now - dt.timedelta(days=12))
    record(people["jiedao"], shop, "order", when=now - dt.timedelta(hours=1))
    record(people["paiqian"], other_shop)
    client.force_login(people["zhiban"])
    text = client.get(reverse("inspections:storefronts")).content.decode()
    row = text[text.index(f'data-shop="{shop.code}"'):]
    row = row[: row.index("</tr>")]
    assert 'class="flagged"' in text and 'data-flag="repeat"' in row and 'data-duty="order" data-count="2"' in row
    assert 'data-overdue="1"' in row  # the first notice is past its deadline, not settled
    overdue = client.get(reverse("inspections:storefronts"), {"overdue": "1"}).content.decode()
    assert f'data-shop="{shop.code}"' in overdue and f'data-shop="{other_shop.code}"' not in overdue
    by_unit = client.get(reverse("inspections:storefronts"), {"unit": other_shop.supervising_unit_id}).content.decode()
    assert f'data-shop="{other_shop.code}"' in by_unit and f'data-shop="{shop.code}"' not in by_unit
    junk = client.get(reverse("inspections:storefronts"), {"unit": "9" * 30, "area": "x\x00", "q": "<script>"})
    assert junk.status_code == 200


def test_units_see_their_shops_and_area_leaders_their_area(client, people, shop, other_shop):
    notice = record(people["paiqian"], other_shop, "order").issued_notice
    client.force_login(people["jiedao"])
    text = client.get(reverse("inspections:storefronts")).content.decode()
    assert f'data-shop="{shop.code}"' in text and f'data-shop="{other_shop.code}"' not in text
    for name, args in (("storefront", [other_shop.pk]), ("storefront_check", [other_shop.pk]),
                       ("storefront_notice", [notice.pk]), ("storefront_recheck", [notice.pk])):
        assert client.get(reverse(f"inspections:{name}", args=args)).status_code == 404
    assert client.post(reverse("inspections:storefront_serve", args=[notice.pk]),
                       {"version": "0", "served_how": "posted"}).status_code == 404
    # An area leader of 桃城区 reads the shops there, records nothing; an inspector sees no storefront page at all.
    client.force_login(people["taocheng"])
    assert client.get(reverse("inspections:storefront", args=[shop.pk])).status_code == 200
    assert client.get(reverse("inspections:storefront_check", args=[shop.pk])).status_code == 404
    client.force_login(people["anfang"])
    assert client.get(reverse("inspections:storefronts")).status_code == 404


def test_find_by_name_and_nearby(client, people, shop):
    client.force_login(people["jiedao"])
    by_name = client.get(reverse("inspections:storefront_find"), {"q": shop.shop_name[-4:]}).content.decode()
    assert f'data-shop="{shop.code}"' in by_name
    near = client.get(reverse("inspections:storefront_find"), {"lng": shop.lng + 0.0001, "lat": shop.lat}).content.decode()
    assert near.index(f'data-shop="{shop.code}"') == near.index('data-shop="')  # the nearest first
    assert "m away" in near


def test_the_notice_downloads_as_a_word_file(client, people, shop):
    import io

    from docx import Document

    notice = record(people["jiedao"], shop, "order", "civility").issued_notice
    client.force_login(people["taocheng"])
    answer = client.get(reverse("inspections:storefront_notice_word", args=[notice.pk]))
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment;")
    text = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert notice.number in text and shop.shop_name in text and str(sf.STANDARD["civility"]) in text
    assert shop.supervising_unit.name in text
    client.force_login(people["gongdian"])
    assert client.get(reverse("inspections:storefront_notice_word", args=[notice.pk])).status_code == 404


@pytest.mark.parametrize("field,value", [
    ("lng", "1e999"), ("lat", "91"), ("fix_days", "99999"),
    ("order_result", "maybe"), ("order_note", "x" * 600),
])
def test_hostile_fields_are_refused_naming_the_field(client, people, shop, field, value):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["jiedao"])
    data = {**form_data(shop, bad=["order"]), field: value,
            "order_photo": SimpleUploadedFile("p.png", photo_bytes(), content_type="image/png")}
    answer = client.post(reverse("inspections:storefront_check", args=[shop.pk]), data)
    assert answer.status_code == 400
    assert answer.context["form"].errors.get(field), answer.context["form"].errors
    assert not StorefrontCheck.objects.filter(shop=shop).exists()


def test_a_broken_photo_is_refused_naming_the_duty(client, people, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["jiedao"])
    broken = SimpleUploadedFile("p.png", photo_bytes()[:40], content_type="image/png")
    answer = client.post(reverse("inspections:storefront_check", args=[shop.pk]),
                         {**form_data(shop, bad=["order"]), "order_photo": broken})
    assert answer.status_code == 400 and "Order (包秩序)" in answer.content.decode()
    assert not StorefrontCheck.objects.filter(shop=shop).exists()
