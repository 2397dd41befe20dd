"""SMS over SMPP 3.4, as Indonesian operators and aggregators offer it (on ``smpplib``).

One ``SmppChannel`` keeps one transceiver bind (``bind_transceiver``: submits go out and delivery
receipts come back on the same connection) and is shared by every thread of a worker.

Sending. ``send`` binds first when there is no live bind (one lock around the bind), then writes
one ``submit_sm`` per part with ``registered_delivery=1`` and waits for its ``submit_sm_resp``.
The text is GSM-7 (``data_coding`` 0, unpacked septets, the SMSC packs them) when every character
is in the GSM 03.38 alphabet, else UCS-2 (``data_coding`` 8, UTF-16BE); see ``channels.gsm``.
A text longer than one SMS goes as parts with a concatenation UDH (``05 00 03 ref total seq``,
8-bit reference, ``esm_class`` 0x40): 153 septets / 67 UTF-16 units each, never cutting an escape
sequence or a surrogate pair. ``SendResult.provider_id`` is the SMSC's ``message_id`` of the first
part; ``segments`` is the number of parts.

Our id. SMPP has no field an SMSC reports back that could hold ``OutgoingMessage.id`` (the
``user_message_reference`` TLV is 16 bits and few SMSCs echo it), so the channel keeps a local map
from every part's ``message_id`` to the message (our id, the first part's id, all part ids):
``reference_for(message_id)`` answers our id. The map lives in memory (the last
``receipt_map_size`` part ids); after a restart a receipt is reported with the id the SMSC quotes,
which for the first part is the ``provider_id`` the outbox stored.

Receipts. A background reader answers every PDU the SMSC sends: ``deliver_sm`` receipts (esm_class
0x04) are parsed from the ``receipted_message_id`` / ``message_state`` TLVs when present, else from
the standard text ``id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:…``. An id the
map does not know is also tried in hex↔decimal form (SMSCs that answer submit_sm in hex and quote
decimal in receipts, or the other way round). For a message in several parts the channel reports
once: ``Receipt(provider_id=<first part's id>, delivered=True)`` when every part was delivered, or
``delivered=False`` with the part and the state as ``error`` as soon as one part failed
(UNDELIV, EXPIRED, DELETED, REJECTD, UNKNOWN). Intermediate states (ENROUTE, ACCEPTD, SCHEDULED)
are acknowledged and not reported. ``on_receipt(receipt)`` runs on the reader thread (keep it
short; close Django's DB connection there if it uses one); when it raises, the deliver_sm is
answered ``ESME_RX_T_APPN`` so the SMSC delivers the receipt again later. ``on_receipt`` may be a
callable or a dotted path (settings), or be set on the channel later.

Keeping the link. ``enquire_link`` goes out when nothing came from the SMSC for
``enquire_link_seconds``; no answer within ``timeout`` counts as a dead link. The SMSC's own
enquire_link and unbind are answered. When the connection drops, a background thread binds again
after ``reconnect_min_seconds``, doubling up to ``reconnect_max_seconds`` (so receipts keep coming
without traffic); a ``send`` in between binds at once itself.

Errors (see ``channels.base``; SMSCs do not de-duplicate, ``dedupes = False``):

- connection refused, unreachable, bind refused or timed out, the submit_sm not written out
  completely (the SMSC cannot have a whole PDU) → ``TemporaryFailure``;
- ``submit_sm_resp`` ESME_RTHROTTLED or ESME_RMSGQFUL → ``TemporaryFailure``; any other error
  status → ``TemporaryFailure`` except ``permanent_statuses`` (ESME_RINVDSTADR invalid destination,
  ESME_RINVMSGLEN) → ``PermanentFailure``; a number that is not digits, or a text longer than
  ``max_segments`` parts, is refused before anything is sent → ``PermanentFailure``;
- the connection dying, or ``timeout`` passing, after a submit_sm was written and before its
  resp → ``OutcomeUnknown`` (the SMSC may have taken it);
- a later part failing after earlier parts were accepted → ``OutcomeUnknown`` (the citizen may
  have some parts; sending it all again would repeat them). Throttling of a later part is first
  retried ``throttle_retries`` times (0.2 s, doubling) inside ``send``.

Logs carry masked numbers (``62812*****890``), never the text: ``loket.notifications.smpp.wire``
(smpplib's own logger) prints raw PDUs, texts and OTP codes included, at DEBUG: keep it above DEBUG
in production.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import select
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp
from django.utils.module_loading import import_string

from loket.notifications.channels import gsm
from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    SendResult,
    TemporaryFailure,
)

logger = logging.getLogger(__name__)
WIRE_LOGGER = "loket.notifications.smpp.wire"

ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RINVBNDSTS = 0x04
ESME_RINVDSTADR = 0x0B
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64
THROTTLE_STATUSES = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
PERMANENT_STATUSES = frozenset({ESME_RINVDSTADR, ESME_RINVMSGLEN})

ESM_UDHI = 0x40
ESM_TYPE_MASK = 0x3C
ESM_DELIVERY_RECEIPT = 0x04
TON_ALPHANUMERIC = 5

# message_state (SMPP 3.4 §5.3.2.35) and the receipt text's stat (Appendix B).
DELIVERED_STATES = {2: "DELIVRD"}
FAILED_STATES = {3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 7: "UNKNOWN", 8: "REJECTD"}
DELIVERED_STATS = frozenset({"DELIVRD", "DELIVERED"})
FAILED_STATS = frozenset({"EXPIRED", "DELETED", "UNDELIV", "UNDELIVERABLE", "UNKNOWN", "REJECTD", "REJECTED", "FAILED"})

_RECEIPT_FIELD = re.compile(r"(?i)\b(id|stat|err):(\S*)")
_DIGITS = re.compile(r"[0-9]{1,20}")


def _sleep(seconds: float) -> None:  # a seam for tests
    time.sleep(seconds)


def mask_number(number: str) -> str:
    number = str(number)
    return number if len(number) < 8 else number[:5] + "*" * (len(number) - 8) + number[-3:]


def status_name(status: int) -> str:
    for name in dir(smpplib.consts):
        if name.startswith("SMPP_ESME_") and getattr(smpplib.consts, name) == status:
            return name.removeprefix("SMPP_")
    return f"0x{status:08X}"


def _status_text(status: int) -> str:
    return f"{status_name(status)} ({smpplib.consts.DESCRIPTIONS.get(status, 'unknown status')})"


# --- receipts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedReceipt:
    message_id: str  # receipted_message_id, else the text's id:
    stat: str  # DELIVRD, UNDELIV, … (from message_state when the TLV is there)
    error: str = ""  # the receipt's err: field
    text_id: str = ""  # the text's id: (when it differs from the TLV)

    @property
    def ids(self) -> list[str]:
        return [self.message_id] + ([self.text_id] if self.text_id and self.text_id != self.message_id else [])

    @property
    def final(self) -> bool:
        return self.delivered or self.failed

    @property
    def delivered(self) -> bool:
        return self.stat in DELIVERED_STATS

    @property
    def failed(self) -> bool:
        return self.stat in FAILED_STATS


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value).strip("\x00").strip()


def parse_receipt(pdu) -> ParsedReceipt | None:
    """The receipt in a deliver_sm PDU (smpplib), or None when it is not a delivery receipt."""
    if ((pdu.esm_class or 0) & ESM_TYPE_MASK) != ESM_DELIVERY_RECEIPT:
        return None
    fields = {name.lower(): value for name, value in _RECEIPT_FIELD.findall(_text(pdu.short_message))}
    message_id = _text(getattr(pdu, "receipted_message_id", None)) or fields.get("id", "")
    state = getattr(pdu, "message_state", None)
    if isinstance(state, int) and (state in DELIVERED_STATES or state in FAILED_STATES):
        stat = DELIVERED_STATES.get(state) or FAILED_STATES[state]
    else:
        stat = fields.get("stat", "").upper()
    if not message_id:
        return None
    return ParsedReceipt(message_id=message_id, stat=stat, error=fields.get("err", ""), text_id=fields.get("id", ""))


def id_variants(message_id: str) -> list[str]:
    """The forms an SMSC may quote an id in: as given, hex↔decimal, without leading zeros."""
    variants = [message_id, message_id.upper(), message_id.lower()]
    if re.fullmatch(r"[0-9]+", message_id):
        number = int(message_id)
        variants += [format(number, "X"), format(number, "x"), str(number)]
    if re.fullmatch(r"[0-9A-Fa-f]+", message_id):
        number = int(message_id, 16)
        variants += [str(number), format(number, "X"), format(number, "x")]
    return list(dict.fromkeys(variants))


@dataclass
class _Tracked:
    reference: str  # OutgoingMessage.id
    total: int
    part_ids: list[str] = field(default_factory=list)
    states: dict[str, ParsedReceipt] = field(default_factory=dict)
    reported: bool = False

    @property
    def provider_id(self) -> str:
        return self.part_ids[0] if self.part_ids else ""


# --- the connection ---------------------------------------------------------------------------


class _LockedSequence(smpplib.client.SimpleSequenceGenerator):
    """smpplib takes sequence numbers from the reader and the senders: one lock around them."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def next_sequence(self):
        with self._lock:
            return super().next_sequence()


class _NotSent(Exception):
    """The PDU did not go out whole: the SMSC cannot have acted on it."""


class _NoAnswer(Exception):
    """The PDU went out and no answer came back."""


class _Pending:
    def __init__(self, tracked: _Tracked | None = None):
        self.event = threading.Event()
        self.response = None
        self.error: str = ""
        self.tracked = tracked


class _Session:
    """One bound connection: the smpplib client, the reader thread and the requests waiting."""

    def __init__(self, channel: SmppChannel, client: smpplib.client.Client, number: int):
        self.channel = channel
        self.client = client
        self.number = number
        self.alive = True
        self.reason = ""
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._enquire: tuple[int, float] | None = None  # (sequence, sent at)
        self._last_received = time.monotonic()
        self._reader = threading.Thread(
            target=self._read_loop, name=f"smpp-reader-{channel.name}-{number}", daemon=True
        )

    def start(self) -> None:
        self._reader.start()

    # -- writing -----------------------------------------------------------------------------

    def _write(self, pdu) -> None:
        with self._write_lock:
            if not self.alive:
                raise _NotSent(self.reason or "connection closed")
            try:
                self.client.send_pdu(pdu)
            except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError, AttributeError) as exc:
                raise _NotSent(f"write failed: {exc or type(exc).__name__}") from exc

    def request(self, command: str, *, timeout: float, tracked: _Tracked | None = None, **fields):
        """Send a request PDU and wait for its response PDU. ``_NotSent`` when it could not be
        written; ``_NoAnswer`` when the connection died or ``timeout`` passed after writing."""
        with self._write_lock:
            if not self.alive:
                raise _NotSent(self.reason or "connection closed")
            pdu = smpplib.smpp.make_pdu(command, client=self.client, **fields)
            pending = _Pending(tracked)
            with self._pending_lock:
                self._pending[pdu.sequence] = pending
            try:
                self.client.send_pdu(pdu)
                failure = ""
            except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError, AttributeError) as exc:
                failure = f"write failed: {exc or type(exc).__name__}"
                with self._pending_lock:
                    self._pending.pop(pdu.sequence, None)
        if failure:
            # sendall() raised: the PDU is not complete at the SMSC. The link is not usable.
            self.die(failure)
            raise _NotSent(failure)
        if not pending.event.wait(timeout):
            with self._pending_lock:
                self._pending.pop(pdu.sequence, None)
            if pending.event.is_set() and pending.response is not None:  # answered just now
                return pending.response
            self.die(f"no {command}_resp within {timeout:g} s")
            raise _NoAnswer(f"no {command}_resp within {timeout:g} s")
        if pending.response is None:
            raise _NoAnswer(pending.error or "connection lost")
        return pending.response

    # -- reading -----------------------------------------------------------------------------

    def _read_loop(self) -> None:
        channel = self.channel
        reason = "connection closed"
        try:
            while self.alive:
                now = time.monotonic()
                if self._enquire is not None and now - self._enquire[1] > channel.timeout:
                    reason = f"no enquire_link_resp within {channel.timeout:g} s"
                    break
                if self._enquire is None and now - self._last_received >= channel.enquire_link_seconds:
                    self._send_enquire_link()
                sock = self.client._socket
                if sock is None:
                    break
                readable, _, _ = select.select([sock], [], [], channel._tick)
                if not readable or not self.alive:
                    continue
                try:
                    pdu = self.client.read_pdu()
                except smpplib.exceptions.UnknownCommandError as exc:
                    logger.warning("SMPP %s: unknown PDU from the SMSC ignored: %s", channel.name, exc)
                    continue
                self._last_received = time.monotonic()
                self._dispatch(pdu)
        except (smpplib.exceptions.ConnectionError, OSError, AttributeError, _NotSent) as exc:
            # AttributeError: smpplib's socket was closed under the reader (die() from a sender).
            reason = f"connection lost ({exc or type(exc).__name__})"
        except Exception as exc:  # a broken PDU: the stream cannot be trusted any more
            logger.exception("SMPP %s: reader stopped", channel.name)
            reason = f"reader stopped ({type(exc).__name__})"
        self.die(reason)

    def _send_enquire_link(self) -> None:
        pdu = smpplib.smpp.make_pdu("enquire_link", client=self.client)
        self._enquire = (pdu.sequence, time.monotonic())
        self._write(pdu)
        self.channel._count("enquire_link_sent")

    def _respond(self, command: str, request, status: int = ESME_ROK) -> None:
        pdu = smpplib.smpp.make_pdu(command, client=self.client, status=status)
        pdu.sequence = request.sequence
        self._write(pdu)

    def _dispatch(self, pdu) -> None:
        channel = self.channel
        command = pdu.command
        if command in {"submit_sm_resp", "unbind_resp", "generic_nack"}:
            with self._pending_lock:
                pending = self._pending.pop(pdu.sequence, None)
            if pending is None:
                logger.warning("SMPP %s: %s for an unknown sequence %s", channel.name, command, pdu.sequence)
                return
            if command == "submit_sm_resp" and pdu.status == ESME_ROK and pending.tracked is not None:
                # Registered here, before the next PDU (maybe its receipt) is read.
                channel._track(pending.tracked, _text(pdu.message_id))
            pending.response = pdu
            pending.event.set()
        elif command == "deliver_sm":
            status = channel._handle_deliver(pdu)
            self._respond("deliver_sm_resp", pdu, status)
        elif command == "enquire_link":
            channel._count("enquire_link_received")
            self._respond("enquire_link_resp", pdu)
        elif command == "enquire_link_resp":
            if self._enquire is not None and self._enquire[0] == pdu.sequence:
                self._enquire = None
            channel._count("enquire_link_answered")
        elif command == "unbind":
            self._respond("unbind_resp", pdu)
            raise _NotSent("the SMSC unbound")
        else:
            logger.info("SMPP %s: %s from the SMSC ignored", channel.name, command)

    # -- ending ------------------------------------------------------------------------------

    def die(self, reason: str) -> None:
        with self._pending_lock:
            if not self.alive:
                return
            self.alive = False
            self.reason = reason
            pending, self._pending = self._pending, {}
        for entry in pending.values():
            entry.error = reason
            entry.event.set()
        sock = self.client._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's select()
        with contextlib.suppress(Exception):
            self.client.state = smpplib.consts.SMPP_CLIENT_STATE_OPEN  # no "disconnecting while bound" warning
            self.client.disconnect()
        self.channel._session_lost(self, reason)

    def unbind(self, timeout: float) -> None:
        with contextlib.suppress(_NotSent, _NoAnswer):
            self.request("unbind", timeout=timeout)

    def join(self, timeout: float) -> None:
        if self._reader.is_alive() and threading.current_thread() is not self._reader:
            self._reader.join(timeout)


# --- the channel ------------------------------------------------------------------------------


class SmppChannel:
    """SMS over SMPP 3.4 (transceiver bind). See the module's documentation."""

    dedupes = False  # SMSCs do not de-duplicate submit_sm

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        system_type: str = "",
        source_addr: str = "LOKET",
        source_addr_ton: int = TON_ALPHANUMERIC,
        dest_addr_ton: int = 1,
        dest_addr_npi: int = 1,
        enquire_link_seconds: float = 30,
        timeout: float = 10,
        on_receipt: Callable[[Receipt], None] | str | None = None,
        *,
        name: str = "sms",
        source_addr_npi: int = 0,
        service_type: str = "",
        reconnect_min_seconds: float = 0.5,
        reconnect_max_seconds: float = 60,
        keep_bound: bool = True,
        max_segments: int = 10,
        throttle_retries: int = 3,
        permanent_statuses: Iterable[int] = PERMANENT_STATUSES,
        receipt_map_size: int = 100_000,
    ):
        if len(system_id) > 15 or len(password) > 8 or len(system_type) > 12:
            raise ValueError("SMPP 3.4 limits: system_id 15, password 8, system_type 12 characters")
        if len(source_addr) > 20 or (source_addr_ton == TON_ALPHANUMERIC and len(source_addr) > 11):
            raise ValueError("source_addr: at most 11 characters when alphanumeric (TON 5), 20 otherwise")
        if timeout <= 0 or enquire_link_seconds <= 0 or reconnect_min_seconds <= 0:
            raise ValueError("timeout, enquire_link_seconds and reconnect_min_seconds must be positive")
        if not 1 <= max_segments <= gsm.MAX_PARTS:
            raise ValueError("max_segments must be 1..255")
        self.name = name
        self.host = host
        self.port = int(port)
        self.system_id = system_id
        self._password = password
        self.system_type = system_type
        self.source_addr = source_addr
        self.source_addr_ton = source_addr_ton
        self.source_addr_npi = source_addr_npi
        self.dest_addr_ton = dest_addr_ton
        self.dest_addr_npi = dest_addr_npi
        self.service_type = service_type
        self.enquire_link_seconds = float(enquire_link_seconds)
        self.timeout = float(timeout)
        self.reconnect_min_seconds = float(reconnect_min_seconds)
        self.reconnect_max_seconds = max(float(reconnect_max_seconds), self.reconnect_min_seconds)
        self.keep_bound = keep_bound
        self.max_segments = max_segments
        self.throttle_retries = throttle_retries
        self.permanent_statuses = frozenset(permanent_statuses)
        self.receipt_map_size = receipt_map_size
        self.on_receipt = on_receipt
        self._tick = min(0.5, self.enquire_link_seconds / 4, self.timeout / 4)
        self._bind_lock = threading.Lock()
        self._session: _Session | None = None
        self._sessions = 0
        self._closed = False
        self._stop = threading.Event()
        self._reconnecting = False
        self._state_lock = threading.Lock()
        self._reference = secrets.randbelow(256)
        self._tracked: OrderedDict[str, _Tracked] = OrderedDict()
        self.stats: dict[str, int] = {}
        self.reconnect_delays: list[float] = []  # the last waits before a background rebind

    def __repr__(self) -> str:
        return f"<SmppChannel {self.name} {self.system_id}@{self.host}:{self.port}>"

    # -- public ------------------------------------------------------------------------------

    @property
    def bound(self) -> bool:
        session = self._session
        return session is not None and session.alive

    def connect(self) -> None:
        """Bind now (``send`` binds on demand); ``TemporaryFailure`` when it cannot."""
        self._bound_session()

    def reference_for(self, message_id: str) -> str | None:
        """Our ``OutgoingMessage.id`` for the SMSC's id of any part we sent (while in the map)."""
        tracked = self._lookup(message_id)
        return tracked.reference if tracked else None

    def part_ids(self, provider_id: str) -> list[str]:
        """The SMSC's ids of all parts of the message whose first part is ``provider_id``."""
        tracked = self._lookup(provider_id)
        return list(tracked.part_ids) if tracked else []

    def send(self, message: OutgoingMessage) -> SendResult:
        if not _DIGITS.fullmatch(message.to or ""):
            raise PermanentFailure(
                f"invalid number for SMS: {mask_number(message.to)!r} (digits only, e.g. 6281234567890)"
            )
        plan = gsm.plan(message.text)
        if plan.segments > self.max_segments:
            raise PermanentFailure(f"text needs {plan.segments} SMS parts, more than max_segments={self.max_segments}")
        session = self._bound_session()
        tracked = _Tracked(reference=message.id, total=plan.segments)
        reference = self._next_reference() if plan.segments > 1 else None
        for index, payload in enumerate(plan.payloads):
            short_message = payload
            esm_class = 0
            if reference is not None:
                short_message = gsm.concat_udh(reference, plan.segments, index + 1) + payload
                esm_class = ESM_UDHI
            session = self._submit_part(
                message, session, tracked, index, plan.segments, short_message, esm_class, plan.data_coding
            )
        self._count("messages_sent")
        self._count("parts_sent", plan.segments)
        logger.info(
            "SMPP %s: %s to %s accepted, %d part(s) %s, id %s",
            self.name,
            message.id,
            mask_number(message.to),
            plan.segments,
            plan.encoding,
            tracked.provider_id,
        )
        return SendResult(provider_id=tracked.provider_id, segments=plan.segments)

    def close(self) -> None:
        self._closed = True
        self._stop.set()
        with self._bind_lock:
            session, self._session = self._session, None
        if session is not None and session.alive:
            session.unbind(timeout=min(self.timeout, 2.0))
            session.die("closed")
        if session is not None:
            session.join(timeout=2.0)

    def __enter__(self) -> SmppChannel:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- sending -----------------------------------------------------------------------------

    def _submit_part(self, message, session, tracked, index, total, short_message, esm_class, data_coding) -> _Session:
        accepted = len(tracked.part_ids)
        label = f"part {index + 1}/{total}" if total > 1 else "message"
        attempts = 0
        rebound = False
        while True:
            attempts += 1
            try:
                response = session.request(
                    "submit_sm",
                    timeout=self.timeout,
                    tracked=tracked,
                    service_type=self.service_type,
                    source_addr_ton=self.source_addr_ton,
                    source_addr_npi=self.source_addr_npi,
                    source_addr=self.source_addr,
                    dest_addr_ton=self.dest_addr_ton,
                    dest_addr_npi=self.dest_addr_npi,
                    destination_addr=message.to,
                    esm_class=esm_class,
                    registered_delivery=1,
                    data_coding=data_coding,
                    short_message=short_message,
                )
            except _NotSent as exc:
                if accepted:
                    raise self._partial(tracked, total, f"{label} not sent ({exc})") from None
                if rebound:
                    raise TemporaryFailure(f"SMSC {self.host}:{self.port}: submit_sm not sent ({exc})") from None
                # The link died before anything of this message went out: bind once more.
                rebound = True
                session = self._bound_session()
                continue
            except _NoAnswer as exc:
                self._count("outcome_unknown")
                logger.error(
                    "SMPP %s: %s %s to %s written, no submit_sm_resp (%s): outcome unknown, not resent",
                    self.name,
                    message.id,
                    label,
                    mask_number(message.to),
                    exc,
                )
                done = f"; {accepted} part(s) accepted before: {', '.join(tracked.part_ids)}" if accepted else ""
                raise OutcomeUnknown(
                    f"SMSC {self.host}:{self.port}: {label} was sent but no submit_sm_resp came ({exc}){done}; "
                    "the SMSC may have taken it: not sent again automatically"
                ) from None
            status = response.status
            if response.command == "submit_sm_resp" and status == ESME_ROK:
                return session
            description = _status_text(status)
            if response.command == "generic_nack":
                description = f"generic_nack {description}"
            if status == ESME_RINVBNDSTS:
                session.die("the SMSC says we are not bound")
            if status in THROTTLE_STATUSES:
                self._count("throttled")
                if accepted and attempts <= self.throttle_retries:
                    _sleep(min(0.2 * 2 ** (attempts - 1), self.timeout))
                    try:
                        session = self._bound_session()
                    except TemporaryFailure as exc:
                        raise self._partial(tracked, total, f"{label} not sent ({exc.message})") from None
                    continue
            if accepted:
                raise self._partial(tracked, total, f"{label} refused: {description}")
            if status in self.permanent_statuses and status not in THROTTLE_STATUSES:
                raise PermanentFailure(f"SMSC refused the message to {mask_number(message.to)}: {description}")
            raise TemporaryFailure(f"SMSC refused the message for now: {description}")

    def _partial(self, tracked: _Tracked, total: int, what: str) -> OutcomeUnknown:
        self._count("outcome_unknown")
        logger.error(
            "SMPP %s: %s: %s after %d of %d parts went out",
            self.name,
            tracked.reference,
            what,
            len(tracked.part_ids),
            total,
        )
        return OutcomeUnknown(
            f"{what} after {len(tracked.part_ids)} of {total} parts were accepted ({', '.join(tracked.part_ids)}): "
            "the citizen may have part of the message; not sent again automatically"
        )

    def _next_reference(self) -> int:
        with self._state_lock:
            self._reference = (self._reference + 1) % 256
            return self._reference

    # -- binding -----------------------------------------------------------------------------

    def _bound_session(self) -> _Session:
        with self._bind_lock:
            if self._closed:
                raise TemporaryFailure(f"SMPP channel {self.name} is closed")
            session = self._session
            if session is not None and session.alive:
                return session
            self._session = self._open()
            return self._session

    def _open(self) -> _Session:
        """Connect and bind (with ``_bind_lock`` held)."""
        client = smpplib.client.Client(
            self.host,
            self.port,
            timeout=self.timeout,
            sequence_generator=_LockedSequence(),
            logger_name=WIRE_LOGGER,
            allow_unknown_opt_params=True,
        )
        where = f"SMSC {self.host}:{self.port}"
        try:
            try:
                client.connect()
            except smpplib.exceptions.ConnectionError as exc:
                self._count("connect_failures")
                raise TemporaryFailure(f"{where}: cannot connect ({exc or 'refused or unreachable'})") from None
            try:
                client.bind_transceiver(
                    system_id=self.system_id,
                    password=self._password,
                    system_type=self.system_type,
                )
            except smpplib.exceptions.PDUError as exc:
                self._count("bind_failures")
                status = exc.args[1] if len(exc.args) > 1 else None
                detail = _status_text(status) if isinstance(status, int) else str(exc)
                logger.error("SMPP %s: bind as %s refused: %s", self.name, self.system_id, detail)
                raise TemporaryFailure(f"{where}: bind_transceiver refused: {detail}") from None
            except (smpplib.exceptions.ConnectionError, OSError) as exc:
                self._count("bind_failures")
                raise TemporaryFailure(
                    f"{where}: no answer to bind_transceiver ({exc or type(exc).__name__})"
                ) from None
        except TemporaryFailure:
            with contextlib.suppress(Exception):
                client.disconnect()
            raise
        self._sessions += 1
        session = _Session(self, client, self._sessions)
        session.start()
        self._count("binds")
        logger.info("SMPP %s: bound as %s to %s:%s", self.name, self.system_id, self.host, self.port)
        return session

    def _session_lost(self, session: _Session, reason: str) -> None:
        if self._closed:
            return
        logger.warning("SMPP %s: connection to %s:%s lost: %s", self.name, self.host, self.port, reason)
        self._count("disconnects")
        if not self.keep_bound:
            return
        with self._state_lock:
            if self._reconnecting:
                return
            self._reconnecting = True
        threading.Thread(target=self._reconnect_loop, name=f"smpp-reconnect-{self.name}", daemon=True).start()

    def _reconnect_loop(self) -> None:
        delay = self.reconnect_min_seconds
        try:
            while not self._closed:
                self.reconnect_delays.append(delay)
                del self.reconnect_delays[:-50]
                if self._stop.wait(delay):
                    return
                with self._bind_lock:
                    if self._closed:
                        return
                    if self._session is not None and self._session.alive:
                        return
                    try:
                        self._session = self._open()
                    except TemporaryFailure as exc:
                        logger.warning(
                            "SMPP %s: rebind failed (%s); next try in %g s",
                            self.name,
                            exc,
                            min(delay * 2, self.reconnect_max_seconds),
                        )
                    else:
                        logger.info("SMPP %s: bound again", self.name)
                        return
                delay = min(delay * 2, self.reconnect_max_seconds)
        finally:
            with self._state_lock:
                self._reconnecting = False
            # A session that died between the last check and now gets its own loop.
            session = self._session
            if not self._closed and self.keep_bound and session is not None and not session.alive:
                self._session_lost(session, session.reason)

    # -- receipts ----------------------------------------------------------------------------

    def _track(self, tracked: _Tracked, message_id: str) -> None:
        with self._state_lock:
            tracked.part_ids.append(message_id)
            self._tracked[message_id] = tracked
            self._tracked.move_to_end(message_id)
            while len(self._tracked) > self.receipt_map_size:
                self._tracked.popitem(last=False)

    def _lookup(self, message_id: str) -> _Tracked | None:
        with self._state_lock:
            for variant in id_variants(message_id):
                tracked = self._tracked.get(variant)
                if tracked is not None:
                    return tracked
        return None

    def _part_id(self, tracked: _Tracked, message_id: str) -> str:
        for variant in id_variants(message_id):
            if variant in tracked.part_ids:
                return variant
        return message_id

    def _handle_deliver(self, pdu) -> int:
        """Handle a deliver_sm; the deliver_sm_resp status to answer."""
        parsed = parse_receipt(pdu)
        if parsed is None:
            logger.info(
                "SMPP %s: deliver_sm that is not a receipt (esm_class 0x%02X) acknowledged",
                self.name,
                pdu.esm_class or 0,
            )
            return ESME_ROK
        self._count("receipts")
        if not parsed.final:
            return ESME_ROK
        error = "" if parsed.delivered else f"{parsed.stat} err:{parsed.error or '-'}"
        tracked, message_id = None, parsed.message_id
        for candidate in parsed.ids:
            tracked = self._lookup(candidate)
            if tracked is not None:
                message_id = candidate
                break
        if tracked is None:
            receipt = Receipt(provider_id=parsed.message_id, delivered=parsed.delivered, error=error)
            return self._report(receipt)
        with self._state_lock:
            if tracked.reported:
                return ESME_ROK
            part_id = self._part_id(tracked, message_id)
            previous = tracked.states.get(part_id)
            tracked.states[part_id] = parsed
            receipt = None
            if parsed.failed:
                label = f"part {tracked.part_ids.index(part_id) + 1}/{tracked.total}: " if tracked.total > 1 else ""
                receipt = Receipt(provider_id=tracked.provider_id, delivered=False, error=label + error)
            elif len(tracked.part_ids) == tracked.total and all(
                tracked.states.get(pid) is not None and tracked.states[pid].delivered for pid in tracked.part_ids
            ):
                receipt = Receipt(provider_id=tracked.provider_id, delivered=True)
            if receipt is None:
                return ESME_ROK
            tracked.reported = True
        status = self._report(receipt)
        if status != ESME_ROK:
            with self._state_lock:  # undo: the SMSC will deliver this receipt again
                tracked.reported = False
                if previous is None:
                    tracked.states.pop(part_id, None)
                else:
                    tracked.states[part_id] = previous
        return status

    def _report(self, receipt: Receipt) -> int:
        callback = self.on_receipt
        if callback is None:
            return ESME_ROK
        try:
            if isinstance(callback, str):
                callback = self.on_receipt = import_string(callback)
            callback(receipt)
        except Exception:
            logger.exception(
                "SMPP %s: on_receipt failed for %s; the SMSC will send it again", self.name, receipt.provider_id
            )
            return ESME_RX_T_APPN
        return ESME_ROK

    def _count(self, key: str, amount: int = 1) -> None:
        with self._state_lock:
            self.stats[key] = self.stats.get(key, 0) + amount
