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

Modules: the PDU constants and receipt parsing are in ``smpp_pdu``, one bound connection and its
reader in ``smpp_session``, the map from the SMSC's ids to our messages in ``smpp_receipts``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable

import smpplib.client
import smpplib.exceptions
from django.utils.module_loading import import_string

from loket.core.redact import mask_phone
from loket.notifications.channels import gsm
from loket.notifications.channels.base import (
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    SendResult,
    TemporaryFailure,
)
from loket.notifications.channels.smpp_pdu import (
    ESM_UDHI,
    ESME_RINVBNDSTS,
    ESME_RMSGQFUL,
    ESME_ROK,
    ESME_RTHROTTLED,
    ESME_RX_T_APPN,
    PERMANENT_STATUSES,
    THROTTLE_STATUSES,
    TON_ALPHANUMERIC,
    parse_receipt,
    status_text,
)
from loket.notifications.channels.smpp_receipts import ReceiptMap, Tracked
from loket.notifications.channels.smpp_session import LockedSequence, NoAnswer, NotSent, Session

logger = logging.getLogger(__name__)
WIRE_LOGGER = "loket.notifications.smpp.wire"

_DIGITS = re.compile(r"[0-9]{1,20}")

__all__ = ["ESME_RMSGQFUL", "ESME_RTHROTTLED", "ESME_RX_T_APPN", "SmppChannel", "parse_receipt"]


def _sleep(seconds: float) -> None:  # a seam for tests
    time.sleep(seconds)


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
        self._session: Session | None = None
        self._sessions = 0
        self._closed = False
        self._stop = threading.Event()
        self._reconnecting = False
        self._state_lock = threading.Lock()
        self._reference = secrets.randbelow(256)
        self._receipts = ReceiptMap(receipt_map_size)
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
        tracked = self._receipts.lookup(message_id)
        return tracked.reference if tracked else None

    def part_ids(self, provider_id: str) -> list[str]:
        """The SMSC's ids of all parts of the message whose first part is ``provider_id``."""
        tracked = self._receipts.lookup(provider_id)
        return list(tracked.part_ids) if tracked else []

    def send(self, message: OutgoingMessage) -> SendResult:
        if not _DIGITS.fullmatch(message.to or ""):
            raise PermanentFailure(
                f"invalid number for SMS: {mask_phone(message.to)!r} (digits only, e.g. 6281234567890)"
            )
        plan = gsm.plan(message.text)
        if plan.segments > self.max_segments:
            raise PermanentFailure(f"text needs {plan.segments} SMS parts, more than max_segments={self.max_segments}")
        session = self._bound_session()
        tracked = Tracked(reference=message.id, total=plan.segments)
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
            mask_phone(message.to),
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

    def _submit_part(self, message, session, tracked, index, total, short_message, esm_class, data_coding) -> Session:
        accepted = len(tracked.part_ids)
        label = f"part {index + 1}/{total}" if total > 1 else "message"
        attempts = 0
        rebound = False
        while True:
            attempts += 1
            try:
                response = self._submit_sm(session, message, tracked, short_message, esm_class, data_coding)
            except NotSent as exc:
                if accepted:
                    raise self._partial(tracked, total, f"{label} not sent ({exc})") from None
                if rebound:
                    raise TemporaryFailure(f"SMSC {self.host}:{self.port}: submit_sm not sent ({exc})") from None
                # The link died before anything of this message went out: bind once more.
                rebound = True
                session = self._bound_session()
                continue
            except NoAnswer as exc:
                raise self._unanswered(message, tracked, label, accepted, exc) from None
            status = response.status
            if response.command == "submit_sm_resp" and status == ESME_ROK:
                return session
            description = status_text(status)
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
                raise PermanentFailure(f"SMSC refused the message to {mask_phone(message.to)}: {description}")
            raise TemporaryFailure(f"SMSC refused the message for now: {description}")

    def _submit_sm(self, session: Session, message, tracked, short_message, esm_class, data_coding):
        """One submit_sm of ``message`` (a part of it), and its response PDU."""
        return session.request(
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

    def _unanswered(self, message: OutgoingMessage, tracked: Tracked, label: str, accepted: int, exc: NoAnswer):
        """A submit_sm written and never answered (``accepted`` parts were before it): the SMSC
        may have taken it."""
        self._count("outcome_unknown")
        logger.error(
            "SMPP %s: %s %s to %s written, no submit_sm_resp (%s): outcome unknown, not resent",
            self.name,
            message.id,
            label,
            mask_phone(message.to),
            exc,
        )
        done = f"; {accepted} part(s) accepted before: {', '.join(tracked.part_ids)}" if accepted else ""
        return OutcomeUnknown(
            f"SMSC {self.host}:{self.port}: {label} was sent but no submit_sm_resp came ({exc}){done}; "
            "the SMSC may have taken it: not sent again automatically"
        )

    def _partial(self, tracked: Tracked, total: int, what: str) -> OutcomeUnknown:
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

    def _bound_session(self) -> Session:
        with self._bind_lock:
            if self._closed:
                raise TemporaryFailure(f"SMPP channel {self.name} is closed")
            session = self._session
            if session is not None and session.alive:
                return session
            self._session = self._open()
            return self._session

    def _open(self) -> Session:
        """Connect and bind (with ``_bind_lock`` held)."""
        client = smpplib.client.Client(
            self.host,
            self.port,
            timeout=self.timeout,
            sequence_generator=LockedSequence(),
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
                detail = status_text(status) if isinstance(status, int) else str(exc)
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
        session = Session(self, client, self._sessions)
        session.start()
        self._count("binds")
        logger.info("SMPP %s: bound as %s to %s:%s", self.name, self.system_id, self.host, self.port)
        return session

    def _session_lost(self, session: Session, reason: str) -> None:
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
        settled = self._receipts.settle(parsed)
        if settled is None:
            return ESME_ROK
        receipt, undo = settled
        status = self._report(receipt)
        if status != ESME_ROK:
            undo()  # the SMSC will deliver this receipt again
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
