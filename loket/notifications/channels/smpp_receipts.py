"""Which message each SMSC id belongs to, and one receipt per message however many parts it had.

SMPP has no field an SMSC reports back that could hold our id, so ``SmppChannel`` keeps the last
``size`` part ids it submitted, each with its message (``Tracked``). A receipt for an id the map
does not know is also looked up in hex↔decimal form. A message in several parts is reported once:
delivered when every part was delivered, not delivered as soon as one part failed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from loket.notifications.channels.base import Receipt
from loket.notifications.channels.smpp_pdu import ParsedReceipt, id_variants


@dataclass
class Tracked:
    """A message being submitted and its parts' receipts (the channel's map of part ids)."""

    reference: str  # OutgoingMessage.id
    total: int
    part_ids: list[str] = field(default_factory=list)
    states: dict[str, ParsedReceipt] = field(default_factory=dict)
    reported: bool = False

    @property
    def provider_id(self) -> str:
        return self.part_ids[0] if self.part_ids else ""


class ReceiptMap:
    """The part ids we submitted (the last ``size``), each to its ``Tracked`` message."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._tracked: OrderedDict[str, Tracked] = OrderedDict()

    def track(self, tracked: Tracked, message_id: str) -> None:
        """Record that the SMSC accepted a part of ``tracked`` as ``message_id``."""
        with self._lock:
            tracked.part_ids.append(message_id)
            self._tracked[message_id] = tracked
            self._tracked.move_to_end(message_id)
            while len(self._tracked) > self.size:
                self._tracked.popitem(last=False)

    def lookup(self, message_id: str) -> Tracked | None:
        with self._lock:
            for variant in id_variants(message_id):
                tracked = self._tracked.get(variant)
                if tracked is not None:
                    return tracked
        return None

    def settle(self, parsed: ParsedReceipt) -> tuple[Receipt, Callable[[], None]] | None:
        """The receipt to report for the final receipt ``parsed`` and a function that undoes
        recording it (call it when reporting failed: the SMSC delivers the receipt again); None
        while other parts are still to come or when the message was reported already."""
        error = "" if parsed.delivered else f"{parsed.stat} err:{parsed.error or '-'}"
        tracked, message_id = None, parsed.message_id
        for candidate in parsed.ids:
            tracked = self.lookup(candidate)
            if tracked is not None:
                message_id = candidate
                break
        if tracked is None:  # not sent by this process (or forgotten): report the SMSC's id
            return Receipt(provider_id=parsed.message_id, delivered=parsed.delivered, error=error), lambda: None
        with self._lock:
            if tracked.reported:
                return None
            part_id = _part_id(tracked, message_id)
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
                return None
            tracked.reported = True

        def undo() -> None:
            with self._lock:
                tracked.reported = False
                if previous is None:
                    tracked.states.pop(part_id, None)
                else:
                    tracked.states[part_id] = previous

        return receipt, undo


def _part_id(tracked: Tracked, message_id: str) -> str:
    """``message_id`` in the form we recorded it for one of ``tracked``'s parts."""
    for variant in id_variants(message_id):
        if variant in tracked.part_ids:
            return variant
    return message_id
