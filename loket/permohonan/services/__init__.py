"""The verbs of a request: start, fill in, upload, submit, withdraw (citizen, ``citizen``); assign,
verify, return, reject, process (staff, ``staff``); preview, send for signature and what happens
when a letter is signed (``letter``: ``record_signed``, called by the signing app, which moves
chained requests on by themselves); set the pickup, hand over (``pickup``); the city's rules
(``city``). ``form`` is the request form (its fields and what counts as filled in), ``notify`` the
citizen's messages, ``common`` what the verbs share.

Each verb takes keyword-only arguments including ``actor``, runs in one transaction with the
request's row locked, checks permission and the workflow (``workflow.require_transition``), saves
with ``update_fields`` and writes an audit row (``permohonan.<verb>``, from/to status). Refusals
are ``DomainError`` with a message that says what to do; ``FormErrors`` carries one per field.

Callers use this package as one module (``services.submit(...)``): the names below are its API.
"""

from loket.permohonan.selectors import upload_requirements
from loket.permohonan.services.citizen import attach_upload, save_draft, start_request, submit, withdraw
from loket.permohonan.services.city import set_city_policy
from loket.permohonan.services.common import FormErrors
from loket.permohonan.services.form import (
    AGAMA,
    IDENTITY_FIELDS,
    IDENTITY_LABELS,
    JENIS_KELAMIN,
    clean_identity,
    clean_values,
)
from loket.permohonan.services.letter import (
    letter_values,
    on_document_signed,
    preview_letter,
    record_signed,
    send_for_signature,
)
from loket.permohonan.services.pickup import hand_over, set_pickup
from loket.permohonan.services.staff import assign, reject, return_to_citizen, start_processing, verify

__all__ = [
    "AGAMA",
    "IDENTITY_FIELDS",
    "IDENTITY_LABELS",
    "JENIS_KELAMIN",
    "FormErrors",
    "assign",
    "attach_upload",
    "clean_identity",
    "clean_values",
    "hand_over",
    "letter_values",
    "on_document_signed",
    "preview_letter",
    "record_signed",
    "reject",
    "return_to_citizen",
    "save_draft",
    "send_for_signature",
    "set_city_policy",
    "set_pickup",
    "start_processing",
    "start_request",
    "submit",
    # A read, kept here for the callers that asked the services for it before it became a selector.
    "upload_requirements",
    "verify",
    "withdraw",
]
