"""Sealing a private key with a PIN or passphrase: Argon2id derives a key, AES-256-GCM encrypts.

Why this shape:

- **Argon2id** (RFC 9106) is memory-hard: every guess of the PIN costs an attacker who stole the
  database the same 64 MiB and ~0.25 s of one core as it costs us once per signing session. The
  default (``DEFAULT_KDF``: 64 MiB, 4 passes, 1 lane) is RFC 9106's second recommended setting
  (64 MiB, 3 passes) with one more pass, so that one derivation takes about 0.25 s on the
  development machine (measured 0.24-0.25 s; 3 passes took 0.20 s); a signing session derives
  once, so a batch of letters pays it once.
- **AES-256-GCM** authenticates as well as encrypts: a wrong PIN gives a wrong key and the tag does
  not verify, so a wrong PIN is told apart from a right one without storing anything derived from
  the PIN (no verifier hash to attack separately).
- The **parameters travel with the blob** (and are bound to the ciphertext as associated data), so
  the default can be raised later without breaking keys sealed before: ``reseal`` (on a PIN change)
  moves a key to the current parameters.
- The blob is plain JSON (base64 for bytes) so it sits in a ``JSONField``.

The PIN is never logged or kept: it lives only in the arguments of these functions. Tests use cheap
parameters through ``settings.SIGNING_KDF_TEST_PARAMS`` (refused in production); blobs sealed that
way still unseal anywhere, since their parameters are inside them.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from loket.signing.signers.base import WrongPin

VERSION = 1
KDF_NAME = "argon2id"
CIPHER_NAME = "aes-256-gcm"
DEFAULT_KDF: dict[str, int] = {"memory_kib": 64 * 1024, "time_cost": 4, "parallelism": 1}
SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
# Bounds for parameters read from a blob: a blob crafted with 16 GiB of memory must not take the
# server down (a real blob was written by ``seal`` with sane values).
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_TIME_COST = 20
_MAX_PARALLELISM = 16


class SealedBlobInvalid(ValueError):
    """The blob is not one ``seal`` wrote (wrong version, missing fields, absurd parameters)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise SealedBlobInvalid("expected base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError as exc:
        raise SealedBlobInvalid("bad base64") from exc


def kdf_params() -> dict[str, int]:
    """The parameters new seals use: the memory-hard default, or the test suite's cheap ones."""
    test_params = getattr(settings, "SIGNING_KDF_TEST_PARAMS", None)
    if not test_params:
        return dict(DEFAULT_KDF)
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("SIGNING_KDF_TEST_PARAMS is for the test suite only, never in production")
    return {key: int(test_params[key]) for key in DEFAULT_KDF}


def _secret(pin: str) -> bytes:
    # NFC so that the same PIN typed on two keyboards (composed or decomposed accents) is the same.
    return unicodedata.normalize("NFC", pin).encode("utf-8")


def derive_key(pin: str, salt: bytes, params: dict[str, int]) -> bytes:
    """Argon2id(pin, salt) -> 32 bytes. One call = one memory-hard derivation (tests count them)."""
    return hash_secret_raw(
        secret=_secret(pin),
        salt=salt,
        time_cost=params["time_cost"],
        memory_cost=params["memory_kib"],
        parallelism=params["parallelism"],
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _header(params: dict[str, int], salt: bytes) -> dict[str, Any]:
    return {"v": VERSION, "kdf": KDF_NAME, **params, "salt": _b64(salt), "cipher": CIPHER_NAME}


def _associated_data(header: dict[str, Any]) -> bytes:
    # The header is authenticated: changing the parameters or the salt fails like a wrong PIN.
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def seal(secret: bytes, pin: str) -> dict[str, Any]:
    """Encrypt ``secret`` (a private key, DER) under a key derived from ``pin``; a JSON-able dict."""
    if not isinstance(pin, str) or not pin:
        raise ValueError("a PIN is required")
    params = kdf_params()
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    header = _header(params, salt)
    key = derive_key(pin, salt, params)
    ciphertext = AESGCM(key).encrypt(nonce, bytes(secret), _associated_data(header))
    return {**header, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def _read(blob: Any) -> tuple[dict[str, Any], dict[str, int], bytes, bytes, bytes]:
    if not isinstance(blob, dict) or blob.get("v") != VERSION:
        raise SealedBlobInvalid("unknown sealed key format")
    if blob.get("kdf") != KDF_NAME or blob.get("cipher") != CIPHER_NAME:
        raise SealedBlobInvalid("unknown algorithms")
    try:
        params = {key: int(blob[key]) for key in DEFAULT_KDF}
    except (KeyError, TypeError, ValueError) as exc:
        raise SealedBlobInvalid("missing KDF parameters") from exc
    if not (
        8 <= params["memory_kib"] <= _MAX_MEMORY_KIB
        and 1 <= params["time_cost"] <= _MAX_TIME_COST
        and 1 <= params["parallelism"] <= _MAX_PARALLELISM
    ):
        raise SealedBlobInvalid("KDF parameters out of bounds")
    salt = _unb64(blob.get("salt"))
    nonce = _unb64(blob.get("nonce"))
    ciphertext = _unb64(blob.get("ciphertext"))
    if len(salt) < 8 or len(nonce) != NONCE_BYTES or len(ciphertext) < 16:
        raise SealedBlobInvalid("bad sizes")
    header = _header(params, salt)
    return header, params, salt, nonce, ciphertext


def unseal(blob: dict[str, Any], pin: str) -> bytes:
    """The secret sealed in ``blob``; ``WrongPin`` when ``pin`` is not the one it was sealed with."""
    header, params, salt, nonce, ciphertext = _read(blob)
    if not isinstance(pin, str) or not pin:
        raise WrongPin(_("The PIN is wrong."))
    key = derive_key(pin, salt, params)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _associated_data(header))
    except InvalidTag:
        raise WrongPin(_("The PIN is wrong.")) from None


def reseal(blob: dict[str, Any], old_pin: str, new_pin: str) -> dict[str, Any]:
    """The same secret sealed under ``new_pin`` (fresh salt and nonce, current parameters).
    ``WrongPin`` when ``old_pin`` is wrong; the old blob stays valid until the caller replaces it."""
    return seal(unseal(blob, old_pin), new_pin)
