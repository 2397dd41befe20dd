"""Read-only questions about letters: which template a service uses at an office, which placeholders
it may use, an office's letter settings, the services and templates on the office admin's pages,
and an issued letter's PDF."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loket.catalog.models import Service, ServiceField
from loket.catalog.selectors import services_offered_at
from loket.core.errors import DomainError
from loket.letters.models import Letter, LetterTemplate, OfficeLetterSettings
from loket.letters.templating import allowed_keys
from loket.offices.models import Office


def settings_for(office: Office) -> OfficeLetterSettings | None:
    """The office's letterhead and numbering settings, or None if it has none yet."""
    return OfficeLetterSettings.objects.filter(office=office).first()


def office_template(office: Office, service: Service) -> LetterTemplate | None:
    """The office's own template for ``service``, or None."""
    return LetterTemplate.objects.filter(service=service, office=office).select_related("service").first()


def default_template(service: Service) -> LetterTemplate | None:
    """The template for ``service`` at offices without their own (office empty), or None."""
    return LetterTemplate.objects.filter(service=service, office__isnull=True).select_related("service").first()


def template_for(office: Office, service: Service) -> LetterTemplate | None:
    """The office's own template for ``service``, else the default one (office empty), else None."""
    return office_template(office, service) or default_template(service)


def other_template_exists(service: Service, office: Office | None, template: LetterTemplate) -> bool:
    """Whether (service, office) has a template other than ``template``."""
    return LetterTemplate.objects.filter(service=service, office=office).exclude(pk=template.pk).exists()


def letters_issued_from(template: LetterTemplate) -> int:
    return Letter.objects.filter(template=template).count()


def service_fields(service: Service) -> list[ServiceField]:
    """The service's request form fields, in their order (each may be a placeholder)."""
    return list(service.fields.all())


def allowed_placeholders(service: Service) -> list[str]:
    """The standard keys (``STANDARD_PLACEHOLDERS``), then the keys of the service's request form fields."""
    return allowed_keys(service.fields.values_list("key", flat=True))


# --- the office admin's letter pages ------------------------------------------------------


def online_services(office: Office) -> list[Service]:
    """The services the office provides that can be requested online (they end in a letter)."""
    return sorted((s for s in services_offered_at(office) if s.allows_online_request), key=lambda s: s.name)


def service_with_templates(office: Office, service_slug: str) -> Service | None:
    """The service by slug if the office provides it online or has its own template for it, else None."""
    service = Service.objects.filter(slug=service_slug).first()
    if service is None:
        return None
    if service.pk in {s.pk for s in online_services(office)}:
        return service
    if LetterTemplate.objects.filter(service=service, office=office).exists():
        return service
    return None


@dataclass(frozen=True)
class ServiceTemplate:
    """One service of the office and the letter template that applies to it there."""

    service: Service
    own: LetterTemplate | None
    default: LetterTemplate | None

    @property
    def applies(self) -> LetterTemplate | None:
        return self.own or self.default


def service_templates(office: Office, offered: list[Service]) -> list[ServiceTemplate]:
    """For each of the ``offered`` services, the office's own template and the default one."""
    rows = LetterTemplate.objects.filter(service__in=offered).filter(Q(office=office) | Q(office__isnull=True))
    own = {t.service_id: t for t in rows if t.office_id}
    default = {t.service_id: t for t in rows if not t.office_id}
    return [ServiceTemplate(service=s, own=own.get(s.pk), default=default.get(s.pk)) for s in offered]


def letters_with_reference(reference: str) -> QuerySet[Letter]:
    """Letters issued for one workflow object, e.g. ``permohonan:PMH-7K3Q-9XTA``; newest first."""
    return Letter.objects.filter(reference=reference).select_related("office", "service")


def letter_pdf(letter: Letter) -> bytes:
    """The issued PDF from the private storage, checked against its SHA-256."""
    with letter.pdf.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != letter.pdf_sha256:
        raise DomainError(
            _("The stored PDF of letter %(number)s does not match its fingerprint. Please tell the system admin.")
            % {"number": letter.number},
            code="pdf_damaged",
        )
    return content
