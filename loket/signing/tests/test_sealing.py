"""Sealing a private key with a PIN: round trip, wrong PIN, re-seal, tampering, parameters."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from loket.signing import sealing
from loket.signing.signers.base import WrongPin

SECRET = b"\x30\x82" + bytes(range(256)) * 4


def test_round_trip_and_the_blob_is_json_with_its_parameters():
    blob = sealing.seal(SECRET, "24681357")
    again = json.loads(json.dumps(blob))
    assert sealing.unseal(again, "24681357") == SECRET
    assert again["v"] == 1 and again["kdf"] == "argon2id" and again["cipher"] == "aes-256-gcm"
    assert {"memory_kib", "time_cost", "parallelism", "salt", "nonce", "ciphertext"} <= again.keys()
    assert SECRET.hex() not in json.dumps(blob)  # nothing in the clear


def test_same_secret_same_pin_seals_differently_every_time():
    one, two = sealing.seal(SECRET, "24681357"), sealing.seal(SECRET, "24681357")
    assert one["salt"] != two["salt"] and one["ciphertext"] != two["ciphertext"]


def test_wrong_pin_is_wrong_pin_with_an_indonesian_message():
    blob = sealing.seal(SECRET, "24681357")
    with translation.override("id"), pytest.raises(WrongPin) as caught:
        sealing.unseal(blob, "24681358")
    assert str(caught.value.message) == "PIN salah."
    with pytest.raises(WrongPin):
        sealing.unseal(blob, "")


def test_reseal_changes_the_pin_and_keeps_the_secret():
    blob = sealing.seal(SECRET, "24681357")
    resealed = sealing.reseal(blob, "24681357", "lupa-lagi-99")
    assert sealing.unseal(resealed, "lupa-lagi-99") == SECRET
    with pytest.raises(WrongPin):
        sealing.unseal(resealed, "24681357")
    with pytest.raises(WrongPin):
        sealing.reseal(blob, "salah-salah", "lupa-lagi-99")


def test_tampered_parameters_or_ciphertext_fail_like_a_wrong_pin():
    blob = sealing.seal(SECRET, "24681357")
    with pytest.raises(WrongPin):
        sealing.unseal({**blob, "time_cost": blob["time_cost"] + 1}, "24681357")
    flipped = bytearray(sealing._unb64(blob["ciphertext"]))
    flipped[0] ^= 1
    with pytest.raises(WrongPin):
        sealing.unseal({**blob, "ciphertext": sealing._b64(bytes(flipped))}, "24681357")


@pytest.mark.parametrize(
    "change",
    [{"v": 2}, {"kdf": "scrypt"}, {"memory_kib": 16 * 1024 * 1024}, {"salt": "not base64!"}, {"nonce": "AAAA"}],
)
def test_a_blob_that_seal_did_not_write_is_refused(change):
    blob = sealing.seal(SECRET, "24681357")
    with pytest.raises(sealing.SealedBlobInvalid):
        sealing.unseal({**blob, **change}, "24681357")


def test_the_production_default_is_memory_hard_and_tests_use_cheap_parameters(settings):
    assert sealing.DEFAULT_KDF["memory_kib"] >= 64 * 1024 and sealing.DEFAULT_KDF["time_cost"] >= 3
    assert sealing.kdf_params() == settings.SIGNING_KDF_TEST_PARAMS  # conftest
    settings.SIGNING_KDF_TEST_PARAMS = None
    assert sealing.kdf_params() == sealing.DEFAULT_KDF
    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 8, "time_cost": 1, "parallelism": 1}
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        sealing.kdf_params()


def test_a_blob_sealed_with_the_default_unseals_with_its_own_parameters(settings):
    settings.SIGNING_KDF_TEST_PARAMS = None
    blob = sealing.seal(b"key", "24681357")
    assert blob["memory_kib"] == 64 * 1024
    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 8, "time_cost": 1, "parallelism": 1}
    assert sealing.unseal(blob, "24681357") == b"key"


def test_unicode_pins_are_normalised():
    blob = sealing.seal(b"key", "kata-sandi-é")  # composed é
    assert sealing.unseal(blob, "kata-sandi-e\u0301") == b"key"  # e + combining acute
