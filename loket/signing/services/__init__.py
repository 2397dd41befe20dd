"""The verbs of signing: the only code of the app that changes state.

- ``documents``: put a letter before its signer, sign a batch with one PIN entry, clear an attempt
  whose outcome was lost;
- ``revocation``: revoke a signed document or a signer's key;
- ``keys``: issue, import or register a signer's key, change its PIN, count wrong PINs;
- ``ca``: the deployment's CA: store it, accept an extra issuer, re-sign the CRL.

The public verbs are re-exported here, so callers write ``services.sign_documents(...)``.
"""

from loket.signing.services.ca import add_trusted_issuer, current_crl, init_authority, regenerate_crl, save_material
from loket.signing.services.documents import (
    BatchResult,
    clear_unknown_attempt,
    request_signature,
    sign_documents,
    verify_url,
)
from loket.signing.services.keys import (
    change_pin,
    check_pin,
    import_pkcs12,
    issue_signer_key,
    register_pkcs11_key,
    register_right_pin,
    register_wrong_pin,
    require_not_locked,
)
from loket.signing.services.revocation import revoke_document, revoke_signer_key

__all__ = [
    "BatchResult",
    "add_trusted_issuer",
    "change_pin",
    "check_pin",
    "clear_unknown_attempt",
    "current_crl",
    "import_pkcs12",
    "init_authority",
    "issue_signer_key",
    "regenerate_crl",
    "register_pkcs11_key",
    "register_right_pin",
    "register_wrong_pin",
    "request_signature",
    "require_not_locked",
    "revoke_document",
    "revoke_signer_key",
    "save_material",
    "sign_documents",
    "verify_url",
]
