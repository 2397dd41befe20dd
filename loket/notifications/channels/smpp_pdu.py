"""SMPP 3.4 as the SMS channel reads it: command statuses and their names, and delivery receipts
(``deliver_sm`` with esm_class 0x04) parsed from the TLVs or the receipt text, with the forms an
SMSC may quote a message id in."""

from __future__ import annotations

import re
from dataclasses import dataclass

import smpplib.consts

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


def status_name(status: int) -> str:
    for name in dir(smpplib.consts):
        if name.startswith("SMPP_ESME_") and getattr(smpplib.consts, name) == status:
            return name.removeprefix("SMPP_")
    return f"0x{status:08X}"


def status_text(status: int) -> str:
    return f"{status_name(status)} ({smpplib.consts.DESCRIPTIONS.get(status, 'unknown status')})"


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


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value).strip("\x00").strip()


def parse_receipt(pdu) -> ParsedReceipt | None:
    """The receipt in a deliver_sm PDU (smpplib), or None when it is not a delivery receipt."""
    if ((pdu.esm_class or 0) & ESM_TYPE_MASK) != ESM_DELIVERY_RECEIPT:
        return None
    fields = {name.lower(): value for name, value in _RECEIPT_FIELD.findall(text(pdu.short_message))}
    message_id = text(getattr(pdu, "receipted_message_id", None)) or fields.get("id", "")
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
