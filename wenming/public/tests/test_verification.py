"""SMS codes: the right code verifies once, a wrong one costs a try, an expired one is refused, and too many
wrong tries or requests are stopped; only a hash of the code is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.public.models import PhoneVerification
from wenming.public.services.errors import RateLimited
from wenming.public.services.verification import (
    MAX_ATTEMPTS,
    VerificationError,
    phone_code_check,
    phone_code_send,
)

from .sms import OUTBOX, last_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
PHONE = "13912345678"


def test_right_code_verifies_once_and_only_its_hash_is_kept():
    record = phone_code_send(phone="+86 139-1234-5678", ip="10.0.0.1")
    code = last_code(PHONE)
    assert record.phone == PHONE and code not in record.code_hash and len(record.code_hash) == 64
    assert OUTBOX[-1]["phone"] == PHONE and "10" in OUTBOX[-1]["text"]
    assert phone_code_check(phone=PHONE, code=code) == PHONE
    with pytest.raises(VerificationError, match="ask for a code first"):
        phone_code_check(phone=PHONE, code=code)  # used up


def test_wrong_code_counts_down_the_tries_then_refuses_even_the_right_one():
    phone_code_send(phone=PHONE)
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(VerificationError, match=f"{MAX_ATTEMPTS - 1} tries left") as exc:
        phone_code_check(phone=PHONE, code=wrong)
    assert exc.value.field == "code"
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(VerificationError):
            phone_code_check(phone=PHONE, code=wrong)
    assert PhoneVerification.objects.get(phone=PHONE).attempts == MAX_ATTEMPTS
    with pytest.raises(VerificationError, match="too many wrong tries"):
        phone_code_check(phone=PHONE, code=code)
    phone_code_send(phone=PHONE)  # a new code starts over
    assert phone_code_check(phone=PHONE, code=last_code(PHONE)) == PHONE


def test_expired_code_is_refused():
    sent = timezone.now() - dt.timedelta(minutes=11)
    phone_code_send(phone=PHONE, now=sent)
    with pytest.raises(VerificationError, match="expired"):
        phone_code_check(phone=PHONE, code=last_code(PHONE))
    phone_code_send(phone=PHONE, now=timezone.now() - dt.timedelta(minutes=9))
    assert phone_code_check(phone=PHONE, code=last_code(PHONE)) == PHONE


def test_a_new_code_replaces_the_earlier_one():
    phone_code_send(phone=PHONE)
    first = last_code(PHONE)
    phone_code_send(phone=PHONE)
    second = last_code(PHONE)
    if first != second:
        with pytest.raises(VerificationError):
            phone_code_check(phone=PHONE, code=first)
    assert phone_code_check(phone=PHONE, code=second) == PHONE


def test_bad_phone_numbers_are_refused_on_the_phone_field():
    for phone in ["", "12345", "23912345678", "1391234567x"]:
        with pytest.raises(VerificationError) as exc:
            phone_code_send(phone=phone)
        assert exc.value.field == "phone"
    assert OUTBOX == []


def test_codes_are_rate_limited_per_phone_and_per_network(settings):
    settings.WENMING_PUBLIC_LIMITS = {"code_phone": (2, 3600), "code_ip": (3, 3600)}
    phone_code_send(phone=PHONE, ip="10.0.0.1")
    phone_code_send(phone=PHONE, ip="10.0.0.2")
    with pytest.raises(RateLimited, match="This phone number has reached its limit of 2"):
        phone_code_send(phone=PHONE, ip="10.0.0.3")
    phone_code_send(phone="13700000001", ip="10.0.0.9")
    phone_code_send(phone="13700000002", ip="10.0.0.9")
    phone_code_send(phone="13700000003", ip="10.0.0.9")
    with pytest.raises(RateLimited, match="Too many requests from your network") as exc:
        phone_code_send(phone="13700000004", ip="10.0.0.9")
    assert 0 < exc.value.retry_after <= 3601
    assert len(OUTBOX) == 5
