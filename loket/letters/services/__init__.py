"""The verbs of letters: an office's letter settings (``office_settings``), letter templates
(``templates``), previews and issuing a numbered letter (``issuing``), and the demo's letterheads
and default templates (``demo``); ``common`` holds what they share.

Each service takes keyword-only arguments including ``actor`` (None = the system, e.g. the demo
loader), checks permission, runs in one transaction and writes an audit row:

- an office's settings and templates: its office admin (also a city admin for offices in their
  kabupaten/kota, and a system admin); default templates (office empty): a system admin only;
- issuing: an officer of the office (petugas, verifikator, signer, office admin) or the system.

Callers use this package as one module (``services.issue_letter(...)``): the names below are its
API, with the inputs the verbs take (``LetterSettings``, ``Signer``) and ``build_document``, the
document a letter's PDF is rendered from (``loket.letters.rendering``).
"""

from loket.letters.rendering import Signer, build_document
from loket.letters.services.issuing import issue_letter, render_preview
from loket.letters.services.office_settings import (
    MAX_UNIT_LINES,
    SETTINGS_FIELDS,
    LetterSettings,
    check_office_settings,
    save_office_settings,
)
from loket.letters.services.templates import check_template, delete_template, save_template

__all__ = [
    "MAX_UNIT_LINES",
    "SETTINGS_FIELDS",
    "LetterSettings",
    "Signer",
    "build_document",
    "check_office_settings",
    "check_template",
    "delete_template",
    "issue_letter",
    "render_preview",
    "save_office_settings",
    "save_template",
]
