"""One-time codes: sent, used once, wrong tries limited, rate-limited, never logged, scrubbed."""

import datetime as dt
import logging
import re

import pytest

from loket.accounts.factories import CitizenFactory
from loket.audit.models import AuditEntry
from loket.core.errors import DomainError
from loket.notifications import selectors
from loket.notifications.channels.base import TemporaryFailure
from loket.notifications.models import ContactPreference, Notification, OneTimeCode, Status
from loket.notifications.services import delivery, otp, retention
from loket.notifications.tests.helpers import run_once

pytestmark = pytest.mark.django_db


def code_in(text: str) -> str:
    return re.search(r"\b\d{6}\b", text).group()


def verified_citizen(**fields):
    citizen = CitizenFactory(**fields)
    ContactPreference.objects.create(
        user=citizen, channels=["email"], verified_phone=citizen.phone, phone_verified_at=dt.datetime.now(dt.UTC)
    )
    return citizen


def test_a_code_goes_by_phone_is_stored_as_a_keyed_hash_and_scrubbed_once_sent(clock, registry, fakes):
    citizen = verified_citizen()  # prefers e-mail for everything else
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    notification = row.notification
    assert notification.template == "otp_login" and notification.event_key == f"otp.login:code:{row.pk}"
    assert notification.channels == ["whatsapp", "sms"] and notification.expires_at == clock.now + dt.timedelta(
        minutes=5
    )
    assert run_once(registry) == [delivery.SENT]
    [message] = fakes["whatsapp"].calls
    code = code_in(message.text)
    assert message.text.startswith(f"Kode masuk Loket: {code}. Berlaku 5 menit.")
    notification.refresh_from_db()
    assert code not in notification.text and notification.text.startswith("Kode masuk Loket: ******.")
    assert notification.redacted_text == "" and notification.scrubbed_at == clock.now
    stored = OneTimeCode.objects.filter(pk=row.pk).values().get()
    assert len(stored["code_hash"]) == 64 and all(code not in str(value) for value in stored.values())


def test_a_code_works_once(clock):
    citizen = verified_citizen()
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    code = code_in(row.notification.text)
    used = otp.verify_code(purpose="login", user_or_phone=citizen, code=f" {code[:3]} {code[3:]} ")
    assert used.pk == row.pk and used.used_at == clock.now
    with pytest.raises(DomainError) as exc:
        otp.verify_code(purpose="login", user_or_phone=citizen, code=code)
    assert exc.value.message == "Kode salah atau sudah tidak berlaku. Periksa lagi, atau minta kode baru."
    # by phone too, and only for its purpose
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    code = code_in(row.notification.text)
    with pytest.raises(DomainError):
        otp.verify_code(purpose="phone", user_or_phone=citizen, code=code)
    assert otp.verify_code(purpose="login", user_or_phone=citizen.phone, code=code).pk == row.pk


def test_using_a_code_voids_the_other_active_ones_and_its_audit_row_says_which(clock):
    citizen = verified_citizen()
    first = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    second = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    otp.verify_code(purpose="login", user_or_phone=citizen, code=code_in(second.notification.text))
    first.refresh_from_db()
    assert first.voided_at == clock.now and first.used_at is None
    entry = AuditEntry.objects.get(action="notifications.otp.used", object_id=str(second.pk))
    assert entry.data == {"voided_codes": [first.pk]}


def test_a_code_used_before_its_message_went_out_is_not_sent_and_is_scrubbed(clock, registry, fakes):
    citizen = verified_citizen()
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    otp.verify_code(purpose="login", user_or_phone=citizen, code=code_in(row.notification.text))
    notification = Notification.objects.get(pk=row.notification_id)
    assert notification.status == Status.FAILED and "******" in notification.text
    assert run_once(registry) == [] and fakes["whatsapp"].calls == []


def test_an_expired_code_fails_and_its_text_is_scrubbed(clock, registry):
    citizen = verified_citizen()
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    code = code_in(row.notification.text)
    clock.advance(minutes=5)
    assert retention.scrub_expired() == 1
    notification = Notification.objects.get(pk=row.notification_id)
    assert notification.status == Status.FAILED and code not in notification.text
    with pytest.raises(DomainError):
        otp.verify_code(purpose="login", user_or_phone=citizen, code=code)


def test_wrong_tries_are_limited_counted_and_audited_without_the_code(clock):
    citizen = verified_citizen()
    row = otp.issue_code(purpose="phone", user=citizen, phone=citizen.phone)
    code = code_in(row.notification.text)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(DomainError) as exc:
            otp.verify_code(purpose="phone", user_or_phone=citizen, code=wrong)
        messages.append(exc.value.message)
    assert messages[:4] == ["Kode salah atau sudah tidak berlaku. Periksa lagi, atau minta kode baru."] * 4
    assert messages[4] == "Terlalu banyak salah: kode ini tidak berlaku lagi. Minta kode baru."
    row.refresh_from_db()
    assert row.failures == 5 and row.voided_at == clock.now
    with pytest.raises(DomainError):  # void: even the right code fails now
        otp.verify_code(purpose="phone", user_or_phone=citizen, code=code)
    entries = AuditEntry.objects.filter(action="notifications.otp.wrong", object_id=str(row.pk))
    assert entries.count() == 5
    assert all(code not in str(e.data) and wrong not in str(e.data) for e in AuditEntry.objects.all())
    # a typo that is not six digits is not counted
    with pytest.raises(DomainError) as exc:
        otp.verify_code(purpose="phone", user_or_phone=citizen, code="12a")
    assert exc.value.code == "format" and exc.value.message == "Isi kode 6 angka dari pesan."


def test_at_most_three_codes_per_phone_in_fifteen_minutes(clock):
    citizen = verified_citizen()
    for _ in range(3):
        otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
        clock.advance(minutes=4)
    with pytest.raises(DomainError) as exc:
        otp.issue_code(purpose="phone", user=citizen, phone=citizen.phone)  # the limit is per phone
    assert exc.value.code == "rate"
    assert exc.value.message == "Terlalu banyak kode diminta untuk nomor ini. Tunggu 15 menit, lalu minta lagi."
    assert OneTimeCode.objects.count() == 3 and Notification.objects.count() == 3  # the refusal wrote nothing
    clock.advance(minutes=4)  # the first code is now older than 15 minutes
    otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)


def test_at_most_ten_codes_per_phone_a_day(clock, settings):
    settings.OTP_MAX_PER_WINDOW = 100
    citizen = verified_citizen()
    for _ in range(10):
        otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
        clock.advance(minutes=30)
    with pytest.raises(DomainError) as exc:
        otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    assert exc.value.message.startswith("Terlalu banyak kode diminta untuk nomor ini hari ini.")
    clock.advance(hours=20)
    otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)


def test_a_code_is_only_sent_to_a_mobile_number():
    citizen = CitizenFactory(phone="+62217470123")
    with pytest.raises(DomainError) as exc:
        otp.issue_code(purpose="phone", user=citizen, phone=citizen.phone)
    assert exc.value.code == "phone"


def test_no_code_ever_reaches_a_log(clock, registry, fakes, caplog):
    caplog.set_level(logging.DEBUG)
    fakes["whatsapp"].script = [TemporaryFailure("throttled")]
    citizen = verified_citizen()
    codes = []
    row = otp.issue_code(purpose="login", user=citizen, phone=citizen.phone)
    codes.append(code_in(row.notification.text))
    assert run_once(registry) == [delivery.RETRY]
    clock.advance(minutes=1)
    assert run_once(registry) == [delivery.SENT]
    for _ in range(2):
        with pytest.raises(DomainError):
            otp.verify_code(purpose="login", user_or_phone=citizen, code="000000" if codes[0] != "000000" else "111111")
    otp.verify_code(purpose="login", user_or_phone=citizen, code=codes[0])
    other = otp.issue_code(purpose="phone", user=citizen, phone=citizen.phone)
    codes.append(code_in(other.notification.text))
    otp.verify_phone(user=citizen, code=codes[1])
    otp.start_login(login=citizen.nik)  # a third code, sent
    codes.append(code_in(Notification.objects.order_by("-pk").first().text))
    for _ in range(2):  # rate limit reached: logged, but without the code or the number
        otp.start_login(login=citizen.nik)
    assert caplog.records, "the flow logs something: the check below is not vacuous"
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for code in codes:
        assert code not in text
    assert citizen.phone not in text and citizen.nik not in text


def test_verify_phone_marks_the_number_of_the_account(clock):
    citizen = CitizenFactory()
    row = otp.send_phone_code(user=citizen)
    preference = otp.verify_phone(user=citizen, code=code_in(row.notification.text))
    assert preference.verified_phone == citizen.phone and preference.phone_verified_at == clock.now
    assert AuditEntry.objects.filter(action="notifications.phone.verified").count() == 1
    # a new number on the account is not verified
    citizen.phone = "+6285712345678"
    citizen.save()
    assert not ContactPreference.objects.get(user=citizen).phone_is_verified(citizen.phone)


def test_verify_phone_refuses_a_code_for_a_number_the_account_no_longer_has():
    citizen = CitizenFactory()
    row = otp.send_phone_code(user=citizen)
    citizen.phone = "+6285712345678"
    with pytest.raises(DomainError) as exc:
        otp.verify_phone(user=citizen, code=code_in(row.notification.text))
    assert exc.value.code == "phone"
    assert not ContactPreference.objects.filter(user=citizen, phone_verified_at__isnull=False).exists()


def test_who_can_log_in_by_code():
    citizen = verified_citizen()
    assert selectors.login_user_for(citizen.nik) == citizen
    assert selectors.login_user_for(f"{citizen.nik[:4]} {citizen.nik[4:]}") == citizen
    assert selectors.login_user_for("0" + citizen.phone.removeprefix("+62")) == citizen
    assert selectors.login_user_for(CitizenFactory().nik) is None  # phone not verified
    assert selectors.login_user_for("3674041311879999") is None  # no account
    # a phone two citizens verified: only by NIK
    sibling = CitizenFactory(phone=citizen.phone)
    ContactPreference.objects.create(
        user=sibling, verified_phone=citizen.phone, phone_verified_at=dt.datetime.now(dt.UTC)
    )
    assert selectors.login_user_for(citizen.phone) is None
    assert selectors.login_user_for(sibling.nik) == sibling
    with pytest.raises(DomainError) as exc:
        selectors.login_user_for("halo")
    assert exc.value.code == "login"
