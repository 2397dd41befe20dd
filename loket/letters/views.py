"""The office admin's letter pages (/surat/kelola/…): the office's letterhead and numbering, and its
own letter template per service, with a preview of the typed (unsaved) text.

Thin views: the forms parse input, ``loket.letters.services`` checks and saves (permission, the safe
template language, the audit row). A refusal shows the service's message on the form with everything
typed kept (status 400); a success redirects (POST/redirect/GET) with a message. The office admin of
the office may open them, and a city admin (offices of their kabupaten/kota) or a system admin.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.catalog.models import Service
from loket.core import policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.letters import samples, selectors, services
from loket.letters.forms import LetterTemplateForm, OfficeLetterSettingsForm
from loket.letters.models import DEFAULT_NUMBER_FORMAT, LetterTemplate, OfficeLetterSettings
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.offices.models import Office

# DomainError codes of the services that belong to a form field (the rest are shown above the form).
SETTINGS_ERROR_FIELDS = {"unit_lines": "unit_lines", "unit_code": "unit_code", "logo": "logo"}
TEMPLATE_ERROR_FIELDS = {
    "classification_code": "classification_code",
    "title": "title",
    "body": "body",
    "braces": "body",
    "placeholder": "body",
    "unknown_placeholder": "body",
}


# --- helpers --------------------------------------------------------------------------------


def _add_error(form: forms.Form, error: DomainError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(error.code), error.message)


def _manage_url(office: Office, anchor: str = "") -> str:
    return reverse("letters:manage", kwargs={"slug": office.slug}) + (f"#{anchor}" if anchor else "")


def _template_url(office: Office, service: Service) -> str:
    return reverse("letters:template", kwargs={"slug": office.slug, "service_slug": service.slug})


# --- pages ----------------------------------------------------------------------------------


@permission_required(policy.MANAGE_OFFICE)
@require_GET
def manage_index(request: HttpRequest) -> HttpResponse:
    """The offices whose letterheads and templates this officer manages; straight to it when there is one."""
    offices = list(office_selectors.offices_for(request.user))
    if len(offices) == 1:
        return redirect("letters:manage", slug=offices[0].slug)
    return render(request, "letters/manage_index.html", {"offices": offices})


def _manage_context(office: Office, form: OfficeLetterSettingsForm, current: OfficeLetterSettings | None) -> dict:
    """The settings form, the office's services with their templates, and the sample letter number
    in the format as typed (or as saved)."""
    rows = selectors.service_templates(office, selectors.online_services(office))
    if form.is_bound:
        number_format = form.data.get(form.add_prefix("number_format"), "")
        unit_code = form.data.get(form.add_prefix("unit_code"), "")
    else:
        number_format = current.number_format if current else DEFAULT_NUMBER_FORMAT
        unit_code = current.unit_code if current else ""
    # The sample number uses the series of a template the office really uses, where there is one.
    kode = next((r.applies.classification_code for r in rows if r.applies), samples.EXAMPLE_CODE)
    today = office_selectors.local_today(office)
    example, tokens = samples.number_help(number_format.strip(), unit_code, kode, today)
    return {
        "office": office,
        "form": form,
        "current": current,
        "rows": rows,
        "example_number": example,
        "example_code": kode,
        "example_sequence": samples.EXAMPLE_SEQUENCE,
        "number_tokens": tokens,
    }


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The office's letterhead and numbering form, and its services with the template each uses."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    current = selectors.settings_for(office)
    if request.method == "POST":
        form = OfficeLetterSettingsForm(request.POST, request.FILES, current=current)
        if form.is_valid():
            try:
                services.save_office_settings(
                    actor=request.user,
                    office=office,
                    settings=form.letter_settings(),
                    remove_logo=form.cleaned_data["remove_logo"],
                )
            except DomainError as error:
                _add_error(form, error, SETTINGS_ERROR_FIELDS)
            else:
                messages.success(
                    request, _("Saved: the letterhead and letter numbering of %(office)s.") % {"office": office.name}
                )
                return redirect(_manage_url(office))
    else:
        form = OfficeLetterSettingsForm(current=current)
    context = _manage_context(office, form, current)
    return render(request, "letters/manage.html", context, status=400 if form.errors else 200)


def _service_of(office: Office, service_slug: str) -> Service:
    """The service by slug, if the office provides it for online requests or has its own template for it."""
    service = selectors.service_with_templates(office, service_slug)
    if service is None:
        raise Http404("service not found")
    return service


def _preview(request: HttpRequest, office: Office, service: Service, own, data: dict) -> HttpResponse:
    cleaned = services.check_template(actor=request.user, service=service, office=office, template=own, **data)
    draft = LetterTemplate(service=service, office=office, **cleaned)
    pdf = services.render_preview(
        template=draft,
        office=office,
        values=samples.sample_values(office, selectors.service_fields(service), office_selectors.local_today(office)),
        signer=samples.sample_signer(office),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pratinjau-{service.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _revert(request: HttpRequest, office: Office, service: Service, own, default) -> HttpResponse:
    if own is None:
        messages.info(
            request,
            _("%(office)s has no template of its own for %(service)s.")
            % {"office": office.name, "service": service.name},
        )
        return redirect(_template_url(office, service))
    try:
        services.delete_template(actor=request.user, template=own)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_template_url(office, service))
    if default is not None:
        messages.success(
            request,
            _("The office's own template was deleted: letters for %(service)s use the default template again.")
            % {"service": service.name},
        )
    else:
        messages.warning(
            request,
            _(
                "The office's own template was deleted. There is no default template for %(service)s, so no letter "
                "can be made for it until a template is saved."
            )
            % {"service": service.name},
        )
    return redirect(_manage_url(office, "templat"))


def _template_context(office: Office, service: Service, own, default) -> dict:
    fields = selectors.service_fields(service)
    return {
        "office": office,
        "service": service,
        "own": own,
        "default": default,
        "offered": service.pk in {s.pk for s in selectors.online_services(office)},
        "has_settings": selectors.settings_for(office) is not None,
        "issued_from_own": selectors.letters_issued_from(own) if own else 0,
        "placeholders": samples.placeholders(office, fields, office_selectors.local_today(office)),
        "example_placeholder": "{{ nama }}",
        "example_row": "Nama : {{ nama }}",
        "signer": samples.sample_signer(office),
    }


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def template(request: HttpRequest, slug: str, service_slug: str) -> HttpResponse:
    """The office's own letter template for one service: edit, preview the typed text, save, or go
    back to the default template."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    service = _service_of(office, service_slug)
    own = selectors.office_template(office, service)
    default = selectors.default_template(service)

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "revert":
            return _revert(request, office, service, own, default)
        if action not in ("save", "preview"):
            messages.error(request, _("This form could not be read. Reload the page and try again."))
            return redirect(_template_url(office, service))
        form = LetterTemplateForm(request.POST)
        if form.is_valid():
            try:
                if action == "preview":
                    return _preview(request, office, service, own, form.cleaned_data)
                services.save_template(
                    actor=request.user, service=service, office=office, template=own, **form.cleaned_data
                )
            except DomainError as error:
                _add_error(form, error, TEMPLATE_ERROR_FIELDS)
            else:
                messages.success(
                    request,
                    _("Saved: the letter template of %(office)s for %(service)s. Letters made from now on use it.")
                    % {"office": office.name, "service": service.name},
                )
                return redirect(_template_url(office, service))
    else:
        fields = selectors.service_fields(service)
        form = LetterTemplateForm(start=own or default or samples.starter_template(service, fields))
    context = _template_context(office, service, own, default)
    context["form"] = form
    return render(request, "letters/template.html", context, status=400 if form.errors else 200)
