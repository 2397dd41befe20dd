"""The worker: send, retry with backoff, fall back, never twice (unknown outcomes, killed workers)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from loket.accounts.factories import CitizenFactory
from loket.notifications.channels.base import OutcomeUnknown, PermanentFailure, TemporaryFailure
from loket.notifications.channels.registry import Registry, build_registry
from loket.notifications.management.worker import run_worker
from loket.notifications.models import ContactPreference, DeliveryAttempt, Notification, Outcome, Status
from loket.notifications.services import delivery, retention
from loket.notifications.tests.conftest import SENT_BUT_UNKNOWN
from loket.notifications.tests.helpers import enqueue_booking, run_once

pytestmark = pytest.mark.django_db


def citizen_with(*channels, **fields):
    citizen = CitizenFactory(**fields)
    ContactPreference.objects.create(user=citizen, channels=list(channels))
    return citizen


def test_a_message_is_sent_once_and_every_attempt_recorded(clock, registry, fakes):
    citizen = CitizenFactory()
    row = enqueue_booking(citizen)
    assert run_once(registry) == [delivery.SENT]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.sent_at == clock.now
    assert row.provider_id == f"prov-loket-ntf-{row.pk}-whatsapp-1"
    assert (row.claimed_by, row.claimed_until, row.attempts) == ("", None, 1)
    [message] = fakes["whatsapp"].calls
    assert message.id == f"loket-ntf-{row.pk}-whatsapp"
    assert message.to == citizen.phone.removeprefix("+") and message.to.startswith("62")
    assert message.text == row.text and message.subject == row.subject
    [attempt] = row.delivery_attempts.all()
    assert (attempt.channel, attempt.outcome, attempt.provider_id) == ("whatsapp", Outcome.SENT, row.provider_id)
    assert attempt.started_at == attempt.finished_at == clock.now and attempt.worker == "w1"
    assert run_once(registry) == []  # nothing is due any more
    assert fakes["sms"].calls == []


def test_temporary_failures_back_off_exponentially_then_fall_back_to_the_next_channel(clock, registry, fakes):
    fakes["whatsapp"].script = [TemporaryFailure("throttled")] * 5
    row = enqueue_booking(CitizenFactory())
    for n in range(1, 5):
        assert run_once(registry) == [delivery.RETRY]
        row.refresh_from_db()
        assert row.status == Status.PENDING
        assert row.next_attempt_at == clock.now + dt.timedelta(seconds=30 * 2 ** (n - 1))  # 30, 60, 120, 240
        assert row.last_error == "WhatsApp: throttled"
        clock.advance(seconds=29 * 2 ** (n - 1))
        assert run_once(registry) == []  # not due yet
        clock.now = row.next_attempt_at
    assert run_once(registry) == [delivery.FALLBACK]  # the fifth attempt on WhatsApp
    row.refresh_from_db()
    assert (row.channel, row.channel_attempts, row.status, row.next_attempt_at) == ("sms", 0, "pending", clock.now)
    assert run_once(registry) == [delivery.SENT]
    assert len(fakes["whatsapp"].calls) == 5 and len(fakes["sms"].calls) == 1
    outcomes = list(row.delivery_attempts.order_by("number").values_list("channel", "outcome"))
    assert outcomes == [("whatsapp", "temporary")] * 5 + [("sms", "sent")]


def test_after_the_last_channel_gives_up_the_message_is_failed_saying_why(clock, registry, fakes):
    fakes["sms"].script = [TemporaryFailure("SMSC down")] * 5
    row = enqueue_booking(citizen_with("sms"))
    results = []
    for _ in range(5):
        results += run_once(registry)
        clock.advance(hours=1)
    assert results == [delivery.RETRY] * 4 + [delivery.FAILED]
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 5
    assert row.last_error == "Tidak ada saluran yang dapat mengirim pesan ini — SMS: SMSC down."
    assert DeliveryAttempt.objects.filter(notification=row, outcome="temporary").count() == 5
    clock.advance(days=1)
    assert run_once(registry) == []  # final


def test_the_number_of_attempts_per_channel_is_a_setting(clock, registry, fakes, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    fakes["sms"].script = [TemporaryFailure("down")] * 2
    row = enqueue_booking(citizen_with("sms"))
    assert run_once(registry) == [delivery.RETRY]
    clock.advance(minutes=1)
    assert run_once(registry) == [delivery.FAILED]
    assert Notification.objects.get(pk=row.pk).attempts == 2


def test_backoff_is_capped_and_jittered(settings):
    assert delivery.backoff(1) == dt.timedelta(seconds=30)
    assert delivery.backoff(3) == dt.timedelta(seconds=120)
    assert delivery.backoff(20) == dt.timedelta(seconds=3600)
    settings.NOTIFY_BACKOFF_JITTER = 0.2
    waits = {delivery.backoff(2).total_seconds() for _ in range(50)}
    assert all(60 <= w <= 72 for w in waits) and len(waits) > 1


def test_a_permanent_failure_falls_back_from_whatsapp_to_sms_at_once(clock, registry, fakes):
    fakes["whatsapp"].script = [PermanentFailure("not a WhatsApp number")]
    row = enqueue_booking(CitizenFactory())
    assert run_once(registry) == [delivery.FALLBACK]
    assert run_once(registry) == [delivery.SENT]  # same instant: no backoff
    row.refresh_from_db()
    assert row.status == Status.SENT and row.channel == "sms"
    assert [m.id for m in fakes["sms"].calls] == [f"loket-ntf-{row.pk}-sms"]
    assert list(row.delivery_attempts.values_list("channel", "outcome")) == [
        ("whatsapp", "permanent"),
        ("sms", "sent"),
    ]


def test_an_unknown_outcome_on_a_channel_that_cannot_deduplicate_is_uncertain_and_never_resent(clock, registry, fakes):
    fakes["sms"].script = [SENT_BUT_UNKNOWN]
    row = enqueue_booking(citizen_with("sms", "whatsapp"))
    assert run_once(registry) == [delivery.UNCERTAIN]
    row.refresh_from_db()
    assert row.status == Status.UNCERTAIN and row.possibly_sent
    assert row.last_error == "SMS: connection lost after the request was sent"
    for _ in range(3):
        clock.advance(hours=2)
        assert run_once(registry) == []
    assert len(fakes["sms"].calls) == 1 and fakes["whatsapp"].calls == []  # no fall-back either
    assert len(fakes["sms"].delivered) == 1


def test_an_unknown_outcome_on_a_deduplicating_channel_is_retried_with_the_same_id(clock, registry, fakes):
    fakes["whatsapp"].script = [SENT_BUT_UNKNOWN]
    row = enqueue_booking(CitizenFactory())
    assert run_once(registry) == [delivery.RETRY]
    clock.advance(seconds=30)
    assert run_once(registry) == [delivery.SENT]
    calls = fakes["whatsapp"].calls
    assert [m.id for m in calls] == [f"loket-ntf-{row.pk}-whatsapp"] * 2
    assert len(fakes["whatsapp"].delivered) == 1  # the gateway dropped the copy
    assert fakes["sms"].calls == []


def test_unknown_outcomes_never_fall_back_to_another_channel(clock, registry, fakes):
    fakes["whatsapp"].script = [OutcomeUnknown("timeout")] * 5
    row = enqueue_booking(CitizenFactory())
    results = []
    for _ in range(6):
        results += run_once(registry)
        clock.advance(hours=1)
    assert results == [delivery.RETRY] * 4 + [delivery.UNCERTAIN]
    assert fakes["sms"].calls == []
    row.refresh_from_db()
    assert row.status == Status.UNCERTAIN
    assert "tidak dicoba lewat saluran lain" in row.last_error


def test_an_unexpected_error_in_a_channel_counts_as_an_unknown_outcome(clock, registry, fakes):
    fakes["sms"].script = [RuntimeError("bug in the channel")]
    row = enqueue_booking(citizen_with("sms"))
    assert run_once(registry) == [delivery.UNCERTAIN]
    assert Notification.objects.get(pk=row.pk).last_error == "SMS: RuntimeError: bug in the channel"


def _die_mid_send(row_pk, registry):
    """A worker claims the message, commits its attempt and is killed before the channel answers."""
    [claimed] = delivery.claim_batch("dead-worker", 10)
    assert claimed.pk == row_pk
    started = delivery._start(claimed, registry)
    assert not isinstance(started, str)
    return started


def test_a_killed_worker_on_a_channel_that_cannot_deduplicate_is_never_resent(clock, registry, fakes):
    row = enqueue_booking(citizen_with("sms", "email"))
    _die_mid_send(row.pk, registry)
    clock.advance(seconds=299)
    assert run_once(registry, "w2") == []  # the lease still holds
    clock.advance(seconds=2)
    assert run_once(registry, "w2") == [delivery.UNCERTAIN]
    row.refresh_from_db()
    assert row.status == Status.UNCERTAIN and row.possibly_sent
    [attempt] = row.delivery_attempts.all()
    assert attempt.outcome == Outcome.UNKNOWN and attempt.worker == "dead-worker"
    assert "kemungkinan sudah terkirim" in attempt.error
    clock.advance(hours=5)
    assert run_once(registry, "w3") == []
    assert fakes["sms"].calls == [] and fakes["email"].calls == []


def test_a_killed_worker_on_a_deduplicating_channel_is_resent_with_the_same_id(clock, registry, fakes):
    row = enqueue_booking(citizen_with("whatsapp", "sms"))
    _die_mid_send(row.pk, registry)
    clock.advance(seconds=301)
    assert run_once(registry, "w2") == [delivery.SENT]
    row.refresh_from_db()
    assert [m.id for m in fakes["whatsapp"].calls] == [row.message_id] == [f"loket-ntf-{row.pk}-whatsapp"]
    assert list(row.delivery_attempts.order_by("number").values_list("worker", "outcome")) == [
        ("dead-worker", "unknown"),
        ("w2", "sent"),
    ]
    assert fakes["sms"].calls == []


def test_a_worker_killed_before_its_attempt_left_nothing_open_and_the_message_is_simply_sent(clock, registry, fakes):
    row = enqueue_booking(citizen_with("sms"))
    delivery.claim_batch("dead-worker", 10)
    clock.advance(seconds=301)
    assert run_once(registry, "w2") == [delivery.SENT]
    assert Notification.objects.get(pk=row.pk).attempts == 1


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(clock, registry, fakes):
    row = enqueue_booking(citizen_with("whatsapp"))
    slow_row, attempt, channel, _address = _die_mid_send(row.pk, registry)
    clock.advance(seconds=301)
    assert run_once(registry, "w2") == [delivery.SENT]
    # the slow worker's channel finally answers
    assert delivery._finish(slow_row, attempt, channel, Outcome.SENT, "", "late", registry) == delivery.LOST
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_id != "late"
    attempt.refresh_from_db()
    assert attempt.outcome == Outcome.SENT and "diambil alih" in attempt.error


def test_a_worker_does_not_start_a_message_whose_lease_it_lost_before_starting(clock, registry, fakes):
    enqueue_booking(citizen_with("sms"))
    [claimed] = delivery.claim_batch("w1", 10)
    clock.advance(seconds=301)
    [again] = delivery.claim_batch("w2", 10)
    assert delivery.process(claimed, registry) == delivery.LOST
    assert delivery.process(again, registry) == delivery.SENT
    assert len(fakes["sms"].calls) == 1


def test_channels_not_configured_are_skipped(clock, fakes):
    only_sms = Registry({"sms": fakes["sms"]})
    row = enqueue_booking(CitizenFactory())  # whatsapp, then sms
    assert run_once(only_sms) == [delivery.SENT]
    row.refresh_from_db()
    assert row.channel == "sms" and fakes["whatsapp"].calls == []


def test_with_the_default_settings_a_message_without_email_fails_saying_no_channel_is_configured(clock):
    row = enqueue_booking(CitizenFactory())
    default = build_registry()
    assert default.names == ["email"]
    assert run_once(default) == [delivery.FAILED]
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 0
    assert row.last_error == (
        "Tidak ada saluran yang dapat mengirim pesan ini — WhatsApp: belum diatur di server ini; "
        "SMS: belum diatur di server ini."
    )


def test_the_default_email_channel_sends_through_djangos_email_backend(clock):
    citizen = citizen_with("email", "sms", email="warga@contoh.id")
    ContactPreference.objects.filter(user=citizen).update(verified_email=citizen.email, email_verified_at=clock.now)
    row = enqueue_booking(citizen)
    assert run_once(build_registry()) == [delivery.SENT]
    [sent] = mail.outbox
    assert sent.to == ["warga@contoh.id"] and sent.subject == "Tiket antrean A-012 - Kecamatan Ciputat"
    assert sent.body == row.text
    row.refresh_from_db()
    assert sent.extra_headers["Message-ID"] == row.provider_id == f"<loket-ntf-{row.pk}-email@loket.invalid>"


def test_an_expired_message_is_not_sent(clock, registry, fakes):
    row = enqueue_booking(citizen_with("sms"), expires_at=clock.now + dt.timedelta(minutes=5))
    clock.advance(minutes=5)
    assert run_once(registry) == [delivery.EXPIRED]
    row.refresh_from_db()
    assert row.status == Status.FAILED and "kedaluwarsa" in row.last_error
    assert fakes["sms"].calls == []


def test_run_worker_once_sends_everything_due_and_closes_the_channels(clock, registry, fakes):
    for n in range(25):
        enqueue_booking(CitizenFactory(), event_key=f"queueing.booked:ticket:{n}")
    assert run_worker("w1", once=True, batch=10, registry=registry) == 25
    assert Notification.objects.filter(status=Status.SENT).count() == 25
    assert len(fakes["whatsapp"].calls) == 25
    assert all(f.closed for f in fakes.values())


def test_a_stopping_worker_gives_back_what_it_did_not_start(clock, registry):
    import threading

    for n in range(3):
        enqueue_booking(CitizenFactory(), event_key=f"queueing.booked:ticket:{n}")
    claimed = delivery.claim_batch("w1", 10)
    assert all(delivery.release(n) for n in claimed)
    assert Notification.objects.filter(status=Status.PENDING, claimed_by="").count() == 3
    stop = threading.Event()
    stop.set()
    assert run_worker("w1", stop_event=stop, registry=registry) == 0


def test_the_management_command_runs_a_worker_once(clock):
    citizen = citizen_with("email", email="warga@contoh.id")
    ContactPreference.objects.filter(user=citizen).update(verified_email=citizen.email, email_verified_at=clock.now)
    enqueue_booking(citizen)
    from io import StringIO

    out = StringIO()
    call_command("notifications_worker", "--once", "--batch", "5", "--id", "cmd-1", stdout=out)
    assert out.getvalue().strip() == "cmd-1: 1 message(s) processed"
    assert len(mail.outbox) == 1


def test_old_final_messages_and_expired_codes_are_purged_waiting_ones_never(clock, registry, settings):
    from loket.notifications.models import OneTimeCode
    from loket.notifications.services import otp

    settings.NOTIFY_RETENTION_DAYS = 30
    citizen = citizen_with("sms", phone="+6281234567890")
    sent = enqueue_booking(citizen, event_key="queueing.booked:ticket:1")
    assert run_once(registry) == [delivery.SENT]
    waiting = enqueue_booking(citizen, event_key="queueing.booked:ticket:2")
    Notification.objects.filter(pk=waiting.pk).update(next_attempt_at=clock.now + dt.timedelta(days=60))
    code = otp.send_phone_code(user=citizen)
    clock.advance(days=1)
    assert retention.scrub_expired() == 1  # its message was never sent: now failed, the code scrubbed
    assert retention.purge_old() == (0, 0)  # the code expired less than two days ago: the daily limit counts it
    clock.advance(days=1, minutes=10)
    assert retention.purge_old() == (0, 1)
    assert not OneTimeCode.objects.filter(pk=code.pk).exists()
    clock.advance(days=28)  # 30 days and 10 minutes after the messages were written
    assert retention.purge_old() == (2, 0)  # the sent booking and the code's message (final: it expired)
    assert not Notification.objects.filter(pk=sent.pk).exists()
    assert not DeliveryAttempt.objects.filter(notification_id=sent.pk).exists()
    assert Notification.objects.filter(pk=waiting.pk, status=Status.PENDING).exists()  # still to be sent


def test_retention_zero_keeps_messages_for_ever(clock, registry, settings):
    settings.NOTIFY_RETENTION_DAYS = 0
    enqueue_booking(citizen_with("sms", phone="+6281234567890"))
    assert run_once(registry) == [delivery.SENT]
    clock.advance(days=3650)
    assert retention.purge_old() == (0, 0)
    assert Notification.objects.count() == 1


def test_a_worker_purges_when_it_starts(clock, registry, settings):
    settings.NOTIFY_RETENTION_DAYS = 30
    enqueue_booking(citizen_with("sms", phone="+6281234567890"))
    assert run_once(registry) == [delivery.SENT]
    clock.advance(days=31)
    assert run_worker("w1", once=True, registry=registry) == 0
    assert Notification.objects.count() == 0
