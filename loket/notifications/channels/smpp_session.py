"""One bound SMPP connection of ``SmppChannel``: the smpplib client, the reader thread that
answers every PDU the SMSC sends, and the requests waiting for their responses. A request that
could not be written whole raises ``NotSent``; one written and never answered, ``NoAnswer``."""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from typing import TYPE_CHECKING

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from loket.notifications.channels.smpp_pdu import ESME_ROK, text
from loket.notifications.channels.smpp_receipts import Tracked

if TYPE_CHECKING:
    from loket.notifications.channels.smpp import SmppChannel

# The channel's logger, as before the split: log configurations name it.
logger = logging.getLogger("loket.notifications.channels.smpp")


class LockedSequence(smpplib.client.SimpleSequenceGenerator):
    """smpplib takes sequence numbers from the reader and the senders: one lock around them."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def next_sequence(self):
        with self._lock:
            return super().next_sequence()


class NotSent(Exception):
    """The PDU did not go out whole: the SMSC cannot have acted on it."""


class NoAnswer(Exception):
    """The PDU went out and no answer came back."""


class _Pending:
    def __init__(self, tracked: Tracked | None = None):
        self.event = threading.Event()
        self.response = None
        self.error: str = ""
        self.tracked = tracked


class Session:
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
                raise NotSent(self.reason or "connection closed")
            try:
                self.client.send_pdu(pdu)
            except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError, AttributeError) as exc:
                raise NotSent(f"write failed: {exc or type(exc).__name__}") from exc

    def request(self, command: str, *, timeout: float, tracked: Tracked | None = None, **fields):
        """Send a request PDU and wait for its response PDU. ``NotSent`` when it could not be
        written; ``NoAnswer`` when the connection died or ``timeout`` passed after writing."""
        with self._write_lock:
            if not self.alive:
                raise NotSent(self.reason or "connection closed")
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
            raise NotSent(failure)
        if not pending.event.wait(timeout):
            with self._pending_lock:
                self._pending.pop(pdu.sequence, None)
            if pending.event.is_set() and pending.response is not None:  # answered just now
                return pending.response
            self.die(f"no {command}_resp within {timeout:g} s")
            raise NoAnswer(f"no {command}_resp within {timeout:g} s")
        if pending.response is None:
            raise NoAnswer(pending.error or "connection lost")
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
        except (smpplib.exceptions.ConnectionError, OSError, AttributeError, NotSent) as exc:
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
                channel._receipts.track(pending.tracked, text(pdu.message_id))
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
            raise NotSent("the SMSC unbound")
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
        with contextlib.suppress(NotSent, NoAnswer):
            self.request("unbind", timeout=timeout)

    def join(self, timeout: float) -> None:
        if self._reader.is_alive() and threading.current_thread() is not self._reader:
            self._reader.join(timeout)
