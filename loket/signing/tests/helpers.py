"""Helpers for the signing tests: read a signed PDF back with pyHanko and pypdf, make a CA that is
not ours, sign with it."""

from __future__ import annotations

import io

from asn1crypto import keys
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader
from pypdf.generic import ContentStream

from loket.core import clock
from loket.signing import pades, pki


def embedded_signature(pdf: bytes, index: int = -1):
    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[index]


def signature_widget(pdf: bytes) -> dict:
    """The signature field's widget annotation on the last page (pypdf dictionary)."""
    page = PdfReader(io.BytesIO(pdf)).pages[-1]
    for annot in page.get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig" or (annot.get("/Parent") and annot["/Parent"].get_object().get("/FT") == "/Sig"):
            return annot
    raise AssertionError("no signature widget on the last page")


def appearance_text(pdf: bytes) -> list[str]:
    """The text of the widget's appearance stream (the /ActualText of pyHanko's text spans),
    following nested form XObjects."""
    reader = PdfReader(io.BytesIO(pdf))
    widget = None
    for annot in reader.pages[-1].get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig":
            widget = annot
    assert widget is not None
    found: list[str] = []

    def walk(xobject, depth=0):
        assert depth < 10
        stream = ContentStream(xobject, reader)
        for operands, operator in stream.operations:
            if operator == b"BDC" and len(operands) == 2 and hasattr(operands[1], "get"):
                text = operands[1].get("/ActualText")
                if text is not None:
                    found.append(str(text))
        for child in (xobject.get("/Resources") or {}).get("/XObject", {}).values():
            child = child.get_object()
            if child.get("/Subtype") == "/Form":
                walk(child, depth + 1)

    walk(widget["/AP"]["/N"].get_object())
    return found


def qr_streams(pdf: bytes) -> list[bytes]:
    """The content of every form XObject named /QR in the signature's appearance."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[bytes] = []

    def walk(xobject, depth=0):
        assert depth < 10
        for name, child in ((xobject.get("/Resources") or {}).get("/XObject", {})).items():
            child = child.get_object()
            if name == "/QR":
                found.append(child.get_data())
            if child.get("/Subtype") == "/Form":
                walk(child, depth + 1)

    for annot in reader.pages[-1].get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig":
            walk(annot["/AP"]["/N"].get_object())
    return found


def foreign_context_and_signer(*, name: str = "Orang Lain"):
    """A PadesContext and a pyHanko signer of a CA that is NOT this deployment's (made up here)."""
    material = pki.build_material()
    key = pki.new_private_key()
    cert = (
        pki._leaf_builder(
            material.ca_certificate,
            key.public_key(),
            pki.signer_subject(name=name, title="Kepala Desa Entah"),
            clock.now(),
            pki.SIGNER_VALIDITY,
        )
        .add_extension(pki._key_usage(signature=True, non_repudiation=True), critical=True)
        .sign(material.ca_key, hashes.SHA256())
    )
    ca_asn1 = pades.asn1_cert(material.ca_certificate)
    context = pades.PadesContext(
        trust_roots=[ca_asn1],
        other_certs=[pades.asn1_cert(material.tsa_certificate)],
        crls=[],
        timestamper=timestamps.DummyTimeStamper(
            tsa_cert=pades.asn1_cert(material.tsa_certificate),
            tsa_key=keys.PrivateKeyInfo.load(pki.private_key_der(material.tsa_key)),
            certs_to_embed=SimpleCertificateStore.from_certs([ca_asn1]),
        ),
    )
    signer = signers.SimpleSigner(
        signing_cert=pades.asn1_cert(cert),
        signing_key=keys.PrivateKeyInfo.load(pki.private_key_der(key)),
        cert_registry=SimpleCertificateStore.from_certs([ca_asn1]),
    )
    return context, signer, material
