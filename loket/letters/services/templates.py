"""Letter templates: an office's own template for a service, or the default one for every office
(office empty). Checking, saving and deleting them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import clock
from loket.core.errors import DomainError
from loket.letters import selectors, templating
from loket.letters.models import LetterTemplate
from loket.letters.services.common import require_manager
from loket.offices.models import Office


def check_template(
    *,
    actor,
    service: Service,
    office: Office | None,
    classification_code: str,
    title: str,
    body: str,
    template: LetterTemplate | None = None,
) -> dict[str, str]:
    """Permission and validation of ``save_template`` without saving (the admin form uses it)."""
    require_manager(actor, office)
    if template is not None and template.pk and template.office_id != (office.pk if office else None):
        require_manager(actor, template.office)  # moving a template needs the right to its old place too
    if office is not None and not service.is_provided_at(office.kind):
        raise DomainError(
            _("%(office)s does not provide %(service)s, so it needs no letter template for it.")
            % {"office": office.name, "service": service.name},
            code="not_provided",
        )
    cleaned = {
        "classification_code": templating.validate_classification_code(classification_code),
        "title": templating.validate_title(title),
        "body": templating.validate_body(body, selectors.allowed_placeholders(service)),
    }
    # Changing a given row must not make a second template for its (service, office); without a
    # row, save_template changes the one that exists there instead of adding one.
    if template is not None and template.pk and selectors.other_template_exists(service, office, template):
        raise DomainError(
            _("There is already a letter template for %(service)s here. Change that one instead.")
            % {"service": service.name},
            code="duplicate",
        )
    return cleaned


@transaction.atomic
def save_template(
    *,
    actor,
    service: Service,
    office: Office | None,
    classification_code: str,
    title: str,
    body: str,
    template: LetterTemplate | None = None,
) -> LetterTemplate:
    """Create or change the letter template of ``service`` for ``office`` (None: the default for every
    office). With ``template`` that row is changed (possibly moved); otherwise the one existing for
    (service, office) is changed, or a new one created."""
    cleaned = check_template(
        actor=actor,
        service=service,
        office=office,
        classification_code=classification_code,
        title=title,
        body=body,
        template=template,
    )
    if template is not None and template.pk:
        row = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    else:
        row = LetterTemplate.objects.select_for_update().filter(service=service, office=office).first()
    created = row is None
    if row is None:
        row = LetterTemplate(service=service, office=office)
    changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
    if not created and (row.service_id != service.pk or row.office_id != (office.pk if office else None)):
        changed += ["service", "office"]
    row.service, row.office = service, office
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    if created:
        row.save()
    else:
        row.save(update_fields=["service", "office", *cleaned, "updated_at"])
    record(
        actor=actor,
        action="letters.template.save",
        obj=row,
        office_id=office.pk if office else None,
        data={
            "created": created,
            "changed": sorted(changed),
            "service": service.code,
            "classification_code": row.classification_code,
        },
    )
    return row


def _template_in_use(count: int) -> DomainError:
    return DomainError(
        ngettext(
            "This template cannot be deleted: %(count)s letter was already issued from it and keeps it for the "
            "records. Change the template instead; letters already issued stay as they are.",
            "This template cannot be deleted: %(count)s letters were already issued from it and keep it for the "
            "records. Change the template instead; letters already issued stay as they are.",
            count,
        )
        % {"count": count},
        code="in_use",
    )


@transaction.atomic
def delete_template(*, actor, template: LetterTemplate) -> None:
    """Delete a letter template, e.g. an office's own one so that its letters use the default again.
    Refused once letters were issued from it: a letter keeps the template it was made from."""
    row = LetterTemplate.objects.select_for_update().filter(pk=template.pk).first()
    if row is None:
        raise DomainError(_("This letter template no longer exists. Reload the page."), code="gone")
    require_manager(actor, row.office)
    # The row lock also holds back a letter being issued from it (its foreign key waits for the lock).
    issued = selectors.letters_issued_from(row)
    if issued:
        raise _template_in_use(issued)
    # The audit row keeps the whole template: it is the only record of it once deleted.
    record(
        actor=actor,
        action="letters.template.delete",
        obj=row,
        from_state=row.title,
        office_id=row.office_id,
        data={
            "service": row.service.code,
            "classification_code": row.classification_code,
            "title": row.title,
            "body": row.body,
        },
    )
    try:
        row.delete()
    except ProtectedError as exc:
        raise _template_in_use(len(exc.protected_objects)) from exc
