"""Phone numbers as the channels need them.

Numbers are cleaned once, at entry, by ``loket.accounts.services.clean_phone``: whatever people
type (``0812 3456 7890``, ``62812…``, ``+62 812-…``) becomes E.164 (``+6281234567890``) or is
refused with an Indonesian message. Gateways (SMPP, HTTP, WhatsApp) want the international form
without the plus: ``gateway_msisdn``. Only mobile numbers can receive SMS or WhatsApp
(``is_mobile``): a landline number (``021 …``) is a valid Indonesian number for the accounts
app, but the outbox does not try to text it.
"""

from __future__ import annotations

import phonenumbers


def _parse(e164: str) -> phonenumbers.PhoneNumber:
    if not e164 or not e164.startswith("+"):
        raise ValueError("expected an E.164 number starting with +")
    number = phonenumbers.parse(e164, None)
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return number


def gateway_msisdn(e164: str) -> str:
    """``+6281234567890`` -> ``6281234567890`` (ValueError for anything else than valid E.164)."""
    number = _parse(e164)
    return f"{number.country_code}{number.national_number}"


def is_mobile(e164: str) -> bool:
    """True for a valid mobile number (SMS, WhatsApp); False for a landline or garbage."""
    try:
        number = _parse(e164)
    except (ValueError, phonenumbers.NumberParseException):
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
