"""The verbs of notifications: the only code of the app that changes state.

- ``outbox``: put a message in the outbox (``enqueue``, in the transaction of its event), send a
  checked one again (``resend``);
- ``receipts``: apply a gateway's delivery receipt, also one that came before its send was recorded;
- ``preferences``: a citizen's channel order;
- ``templates``: the texts of the messages;
- ``otp``: one-time codes (log in by code, prove a phone number); ``email_check``: prove an
  e-mail address;
- ``delivery``: what the workers do with a message (claim, send, record the attempt and its
  outcome); ``retention``: what they remove after a while. The workers' loop is
  ``management/worker.py``.

The verbs other apps and the pages call are re-exported here (``services.enqueue(...)``; SMPP's
``on_receipt`` names ``loket.notifications.services.handle_receipt``).
"""

from loket.notifications.services import delivery, email_check, otp, retention
from loket.notifications.services.outbox import enqueue, next_channel, resend, scrub
from loket.notifications.services.preferences import clean_channels, set_preference
from loket.notifications.services.receipts import (
    apply_pending_receipts,
    apply_receipt,
    handle_receipt,
    retry_pending_receipts,
)
from loket.notifications.services.templates import (
    check_template,
    ensure_default_templates,
    reset_template,
    save_template,
)

__all__ = [
    "apply_pending_receipts",
    "apply_receipt",
    "check_template",
    "clean_channels",
    "delivery",
    "email_check",
    "enqueue",
    "ensure_default_templates",
    "handle_receipt",
    "next_channel",
    "otp",
    "resend",
    "reset_template",
    "retention",
    "retry_pending_receipts",
    "save_template",
    "scrub",
    "set_preference",
]
