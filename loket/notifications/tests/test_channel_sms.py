"""SMS over SMPP 3.4 against a real SMSC on 127.0.0.1 that the tests start: the npm ``smpp``
package's server (``testpeers/smsc``, run by node), which decodes what we send
with its own GSM 03.38 and UCS-2 decoders. Binds, short and concatenated messages (GSM-7 and
UCS-2), delivery receipts, enquire_link both ways, reconnecting after the SMSC restarts, and the
error mapping: throttling, a bad number, a connection lost after submit_sm (counted once)."""

# The fixtures come from channel_fixtures (imported below), so test arguments share their names.
# ruff: noqa: F811

from __future__ import annotations

import threading
import time

import pytest

from loket.notifications.channels import smpp
from loket.notifications.channels.base import OutcomeUnknown, PermanentFailure, Receipt, TemporaryFailure
from loket.notifications.channels.smpp import SmppChannel, parse_receipt
from loket.notifications.tests.channel_fixtures import (  # noqa: F401 - fixtures
    LONG_TEXT,
    SMPP_PASSWORD,
    SYSTEM_ID,
    make_smpp,
    sms,
    smsc,
    smsc_server,
    wait_until,
)
from testpeers.smsc import SmscServer, SmscUnavailable

pytestmark = pytest.mark.xdist_group("smsc")

UNDELIVERABLE = "6281299990000"


class Receipts(list):
    def __call__(self, receipt: Receipt) -> None:
        self.append(receipt)


# --- the SMSC is there ----------------------------------------------------------------------


def test_the_test_smsc_needs_node_and_says_how_to_install(monkeypatch):
    from testpeers.smsc import server as module

    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    with pytest.raises(SmscUnavailable, match="make node-deps"):
        SmscServer().start()


# --- sending --------------------------------------------------------------------------------


def test_a_short_sms_binds_as_transceiver_and_is_submitted_as_gsm7(smsc, make_smpp):
    channel = make_smpp()
    message = sms("Antrean A-012: silakan menuju loket 3. [Kantor Kelurahan Ciputat] €0")
    result = channel.send(message)

    (bind,) = smsc.records("bind")
    assert (bind["kind"], bind["system_id"], bind["status"], bind["interface_version"]) == (
        "bind_transceiver",
        SYSTEM_ID,
        0,
        0x34,
    )
    (submit,) = smsc.submits()
    assert submit["text"] == message.text  # decoded by node's GSM 03.38 table
    assert submit["data_coding"] == 0
    assert submit["esm_class"] == 0 and submit["udh"] == []
    assert submit["registered_delivery"] == 1
    assert (submit["source_addr"], submit["source_addr_ton"]) == ("LOKET", 5)
    assert (submit["destination_addr"], submit["dest_addr_ton"], submit["dest_addr_npi"]) == ("6281234567890", 1, 1)
    assert result.provider_id == submit["message_id"]
    assert result.segments == 1
    assert channel.reference_for(result.provider_id) == message.id
    assert channel.dedupes is False


def test_a_long_indonesian_sms_is_concatenated_with_one_udh_reference(smsc, make_smpp):
    channel = make_smpp()
    message = sms(LONG_TEXT)
    result = channel.send(message)

    parts = smsc.submits(destination_addr=message.to)
    assert len(parts) == result.segments == 3
    assert {p["concat"]["ref"] for p in parts} == {parts[0]["concat"]["ref"]}
    assert [(p["concat"]["total"], p["concat"]["seq"]) for p in parts] == [(3, 1), (3, 2), (3, 3)]
    assert all(p["esm_class"] & 0x40 for p in parts)
    assert all(p["udh"] == [f"0003{p['concat']['ref']:02x}03{p['concat']['seq']:02x}"] for p in parts)
    assert SmscServer.reassemble(parts) == LONG_TEXT
    assert [len(p["text"]) for p in parts] == [153, 153, 94]
    # provider_id is the first part's id; every part's id leads back to our message
    ids = [p["message_id"] for p in parts]
    assert result.provider_id == ids[0]
    assert channel.part_ids(result.provider_id) == ids
    assert {channel.reference_for(i) for i in ids} == {message.id}


def test_two_long_messages_get_different_references(smsc, make_smpp):
    channel = make_smpp()
    channel.send(sms(LONG_TEXT, to="6281234567801"))
    channel.send(sms(LONG_TEXT, to="6281234567802"))
    first = {p["concat"]["ref"] for p in smsc.submits(destination_addr="6281234567801")}
    second = {p["concat"]["ref"] for p in smsc.submits(destination_addr="6281234567802")}
    assert len(first) == len(second) == 1 and first != second


def test_extension_characters_at_a_part_boundary_stay_whole(smsc, make_smpp):
    channel = make_smpp()
    text = "a" * 152 + "€[~]" + " Rp" + "b" * 160
    result = channel.send(sms(text))
    parts = smsc.submits()
    assert result.segments == len(parts) == 3
    assert parts[0]["text"] == "a" * 152  # € did not fit: it starts the second part
    assert SmscServer.reassemble(parts) == text


def test_ucs2_with_emoji(smsc, make_smpp):
    channel = make_smpp()
    short = sms("Terima kasih 🙏 Jum’at pukul 08.00 di Mal Pelayanan Publik ✅")
    channel.send(short)
    (submit,) = smsc.submits()
    assert submit["data_coding"] == 8
    assert submit["text"] == short.text  # node decodes UTF-16BE: the pairs came through whole

    smsc.reset()
    text = "’" + "a" * 65 + "🙏" + ("Layanan Disdukcapil 😊 " * 8)
    result = channel.send(sms(text))
    parts = smsc.submits()
    assert result.segments == len(parts) == 4
    assert all(p["data_coding"] == 8 and p["esm_class"] & 0x40 for p in parts)
    assert parts[0]["text"] == "’" + "a" * 65  # the emoji would have been cut
    assert SmscServer.reassemble(parts) == text


def test_concurrent_sends_share_one_bind(smsc, make_smpp):
    channel = make_smpp()
    results, errors = [], []

    def worker(n):
        try:
            for i in range(5):
                results.append(channel.send(sms(f"Pesan {n}-{i}", to=f"62812000{n:02d}{i:03d}")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.provider_id for r in results}) == 40
    assert len(smsc.submits()) == 40
    assert len(smsc.records("bind")) == 1


# --- receipts -------------------------------------------------------------------------------


def test_receipts_arrive_through_on_receipt(smsc, make_smpp):
    receipts = Receipts()
    channel = make_smpp(on_receipt=receipts)
    smsc.configure(receipt_stat={UNDELIVERABLE: "UNDELIV"})
    delivered = channel.send(sms("Kode antrean Anda B-007."))
    long = channel.send(sms(LONG_TEXT, to="6281234567899"))
    failed = channel.send(sms("Nomor ini tidak aktif.", to=UNDELIVERABLE))

    assert wait_until(lambda: len(receipts) >= 3)
    time.sleep(0.2)  # nothing more comes: one receipt per message, not per part
    by_id = {r.provider_id: r for r in receipts}
    assert len(receipts) == 3
    assert by_id[delivered.provider_id] == Receipt(provider_id=delivered.provider_id, delivered=True)
    assert by_id[long.provider_id] == Receipt(provider_id=long.provider_id, delivered=True)
    assert by_id[failed.provider_id].delivered is False
    assert "UNDELIV" in by_id[failed.provider_id].error
    assert wait_until(lambda: len(smsc.records("deliver_sm_resp")) == 5)  # a receipt per part, each answered
    assert {a["status"] for a in smsc.records("deliver_sm_resp")} == {0}


def test_one_failed_part_fails_the_message(smsc, make_smpp):
    receipts = Receipts()
    channel = make_smpp(on_receipt=receipts)
    smsc.configure(receipt_stat={UNDELIVERABLE: "EXPIRED"})
    result = channel.send(sms(LONG_TEXT, to=UNDELIVERABLE))
    assert wait_until(lambda: receipts)
    time.sleep(0.2)
    assert len(receipts) == 1
    assert receipts[0].provider_id == result.provider_id and receipts[0].delivered is False
    assert receipts[0].error.startswith("part 1/3: EXPIRED")


def test_receipts_from_the_text_alone_and_with_decimal_ids(smsc, make_smpp):
    receipts = Receipts()
    channel = make_smpp(on_receipt=receipts)
    smsc.configure(receipt_tlvs=False, receipt_id_format="decimal")
    result = channel.send(sms("Dokumen Anda siap diambil."))
    assert wait_until(lambda: receipts)
    (receipt,) = receipts
    (sent,) = smsc.records("receipt")
    assert f"id:{int(result.provider_id, 16)} " in sent["text"]  # decimal, while submit_sm_resp gave hex
    assert receipt == Receipt(provider_id=result.provider_id, delivered=True)


def test_a_receipt_is_sent_again_when_on_receipt_fails(smsc, make_smpp):
    calls = []

    def flaky(receipt):
        calls.append(receipt)
        if len(calls) == 1:
            raise RuntimeError("database is down")

    channel = make_smpp(on_receipt=flaky)
    result = channel.send(sms("Pengingat jadwal besok pukul 09.00."))
    assert wait_until(lambda: len(smsc.records("deliver_sm_resp")) >= 2)
    assert [a["status"] for a in smsc.records("deliver_sm_resp")] == [smpp.ESME_RX_T_APPN, 0]
    assert calls[1] == Receipt(provider_id=result.provider_id, delivered=True)


def test_on_receipt_can_be_a_dotted_path(smsc, make_smpp):
    channel = make_smpp(on_receipt="loket.notifications.tests.test_channel_sms.record_receipt")
    RECEIVED.clear()
    result = channel.send(sms("Pesan uji jalur titik."))
    assert wait_until(lambda: RECEIVED)
    assert RECEIVED[0].provider_id == result.provider_id


RECEIVED: list[Receipt] = []


def record_receipt(receipt: Receipt) -> None:
    RECEIVED.append(receipt)


def test_a_broken_on_receipt_path_keeps_the_link(smsc, make_smpp):
    channel = make_smpp(on_receipt="loket.notifications.tests.test_channel_sms.no_such_function")
    channel.send(sms("Jalur salah."))
    assert wait_until(lambda: smsc.records("deliver_sm_resp"))
    assert smsc.records("deliver_sm_resp")[0]["status"] == smpp.ESME_RX_T_APPN
    assert channel.bound


def test_receipts_keep_coming_after_a_reconnect(smsc, make_smpp):
    receipts = Receipts()
    channel = make_smpp(on_receipt=receipts)
    smsc.configure(receipt_delay_ms=300)
    result = channel.send(sms("Receipt setelah koneksi putus."))
    smsc.disconnect_all()  # the receipt is held by the SMSC until we bind again
    assert wait_until(lambda: receipts, timeout=5)
    assert receipts[0].provider_id == result.provider_id
    assert len(smsc.records("bind")) == 2


def test_parse_receipt_reads_the_standard_text():
    class Pdu:
        esm_class = 0x04
        short_message = b"id:0123456789 sub:001 dlvrd:000 submit date:2612010930 done date:2612010931 stat:UNDELIV err:021 text:Halo"
        receipted_message_id = None
        message_state = None

    parsed = parse_receipt(Pdu())
    assert (parsed.message_id, parsed.stat, parsed.error, parsed.failed) == ("0123456789", "UNDELIV", "021", True)
    Pdu.esm_class = 0x00  # a message from a subscriber, not a receipt
    assert parse_receipt(Pdu()) is None


# --- keeping the link -----------------------------------------------------------------------


def test_enquire_link_both_ways(smsc, make_smpp):
    channel = make_smpp(enquire_link_seconds=0.15)
    channel.connect()
    assert wait_until(lambda: len(smsc.records("enquire_link")) >= 2, timeout=3)
    assert wait_until(lambda: channel.stats.get("enquire_link_answered", 0) >= 2)
    assert smsc.send_enquire_link() == 1
    assert wait_until(lambda: smsc.records("enquire_link_resp"))
    assert channel.stats["enquire_link_received"] == 1
    assert channel.bound


def test_reconnect_after_the_smsc_restarts(smsc, make_smpp):
    channel = make_smpp()
    channel.send(sms("Sebelum SMSC dimulai ulang."))
    smsc.stop()
    assert wait_until(lambda: not channel.bound)
    with pytest.raises(TemporaryFailure, match="cannot connect"):
        channel.send(sms("Saat SMSC mati."))
    time.sleep(0.8)  # the background rebinds back off: 0.05, 0.1, 0.2, 0.2 … (capped)
    delays = list(channel.reconnect_delays)
    assert delays[:3] == [0.05, 0.1, 0.2] and max(delays) == 0.2
    smsc.start()
    assert wait_until(lambda: channel.bound, timeout=3)  # bound again without a send
    result = channel.send(sms("Setelah SMSC dimulai ulang."))
    assert result.provider_id
    assert [s["text"] for s in smsc.submits()][-1] == "Setelah SMSC dimulai ulang."
    assert [b["status"] for b in smsc.records("bind")][-1] == 0


def test_a_send_binds_again_by_itself(smsc, make_smpp):
    channel = make_smpp(keep_bound=False)
    channel.send(sms("Pertama."))
    smsc.disconnect_all()
    assert wait_until(lambda: not channel.bound)
    channel.send(sms("Kedua, pada bind baru."))
    assert len(smsc.records("bind")) == 2
    assert len(smsc.submits()) == 2


def test_close_unbinds(smsc, make_smpp):
    channel = make_smpp()
    channel.connect()
    channel.close()
    assert wait_until(lambda: smsc.records("unbind"))
    with pytest.raises(TemporaryFailure, match="closed"):
        channel.send(sms("Setelah ditutup."))


# --- errors ---------------------------------------------------------------------------------


def test_nothing_listening_is_a_temporary_failure(make_smpp):
    with SmscServer() as other:
        port = other.port
    channel = make_smpp(port=port)
    with pytest.raises(TemporaryFailure, match="cannot connect"):
        channel.send(sms("Tidak ada SMSC."))


def test_a_refused_bind_is_a_temporary_failure(smsc, make_smpp):
    smsc.faults(refuse_binds=True)
    with pytest.raises(TemporaryFailure, match="BINDFAIL"):
        make_smpp().send(sms("Bind ditolak."))
    smsc.faults(refuse_binds=False)
    with pytest.raises(TemporaryFailure, match="INVPASWD"):
        make_smpp(password="salah").send(sms("Sandi salah."))
    assert smsc.submits() == []


def test_throttling_is_a_temporary_failure(smsc, make_smpp):
    channel = make_smpp()
    smsc.faults(throttle=1)
    with pytest.raises(TemporaryFailure, match="THROTTLED"):
        channel.send(sms("Terlalu cepat."))
    smsc.faults(queue_full=1)
    with pytest.raises(TemporaryFailure, match="MSGQFUL"):
        channel.send(sms("Antrean penuh."))
    channel.send(sms("Sekarang boleh."))
    assert [s["status"] for s in smsc.submits()] == [smpp.ESME_RTHROTTLED, smpp.ESME_RMSGQFUL, 0]


def test_throttling_of_a_later_part_is_retried_within_the_send(smsc, make_smpp, monkeypatch):
    waits = []
    monkeypatch.setattr(smpp, "_sleep", waits.append)
    channel = make_smpp()
    smsc.faults(after=1, throttle=2)
    result = channel.send(sms(LONG_TEXT))
    assert result.segments == 3
    assert waits == [0.2, 0.4]
    accepted = [s for s in smsc.submits() if s["status"] == 0]
    assert SmscServer.reassemble(accepted) == LONG_TEXT


def test_an_invalid_destination_is_a_permanent_failure(smsc, make_smpp):
    channel = make_smpp()
    with pytest.raises(PermanentFailure, match="INVDSTADR"):
        channel.send(sms("Nomor salah.", to="6512345"))
    with pytest.raises(PermanentFailure, match="invalid number"):
        channel.send(sms("Bukan angka.", to="+62 812-3456-7890"))
    assert [s["destination_addr"] for s in smsc.submits()] == ["6512345"]


def test_too_many_parts_are_refused_before_sending(smsc, make_smpp):
    channel = make_smpp(max_segments=2)
    with pytest.raises(PermanentFailure, match="max_segments"):
        channel.send(sms(LONG_TEXT))
    assert smsc.submits() == []


def test_a_connection_lost_after_submit_is_an_unknown_outcome_counted_once(smsc, make_smpp):
    channel = make_smpp()
    smsc.faults(drop_after_submit=1)
    message = sms("Kode OTP Anda 482913. Jangan berikan kepada siapa pun.")
    with pytest.raises(OutcomeUnknown, match="no submit_sm_resp"):
        channel.send(message)
    assert [s["text"] for s in smsc.submits()] == [message.text]  # once: the channel did not resend
    assert channel.dedupes is False
    # the link comes back for the next message
    channel.send(sms("Pesan berikutnya."))
    assert len(smsc.submits(text=message.text)) == 1


def test_no_answer_within_the_timeout_is_an_unknown_outcome(smsc, make_smpp):
    channel = make_smpp(timeout=0.5)
    smsc.faults(no_answer=1)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown, match="within 0.5 s"):
        channel.send(sms("Tidak dijawab."))
    assert time.monotonic() - started < 2
    channel.send(sms("Dijawab."))  # on a new bind
    assert len(smsc.submits(text="Tidak dijawab.")) == 1


def test_losing_a_long_message_midway_is_an_unknown_outcome(smsc, make_smpp):
    channel = make_smpp()
    smsc.faults(after=1, drop_after_submit=1)
    with pytest.raises(OutcomeUnknown, match="1 part\\(s\\) accepted before"):
        channel.send(sms(LONG_TEXT))
    assert len(smsc.submits()) == 2  # part 1 accepted, part 2 received and unanswered; never part 3


def test_smpp_limits_are_checked_when_configured():
    with pytest.raises(ValueError, match="password 8"):
        SmppChannel("127.0.0.1", 2775, SYSTEM_ID, SMPP_PASSWORD + "toolong")
    with pytest.raises(ValueError, match="11 characters"):
        SmppChannel("127.0.0.1", 2775, SYSTEM_ID, SMPP_PASSWORD, source_addr="PEMKOTTANGSEL")
