"""The office admin's queue settings page: service groups, their quota rows and the queue rules.

Thin views: a POST carries an ``action`` naming one form; it is parsed, one verb of
``loket.queueing.services`` is called, and on success the page redirects (POST/redirect/GET) with a
message. A refusal shows the service's message on the form with everything typed kept (status
400). Rows are looked up by id within the office only: another office's id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loket.catalog.models import Service
from loket.catalog.selectors import services_offered_at
from loket.core import policy
from loket.core.access import permission_required
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.access import office_for_request
from loket.offices.models import Office
from loket.queueing import selectors, services
from loket.queueing.forms import QueueSettingsForm, QuotaForm, ServiceGroupForm
from loket.queueing.models import Quota, ServiceGroup


def _office_row(find: Callable[[int], Model | None], raw: str | None, *, required: bool = False):
    """The row ``find`` (a selector limited to the office) returns for the id ``raw``; None when no
    id was given and none is required; 404 for anything else (another office's row, a deleted one)."""
    if not raw and not required:
        return None
    if not (raw or "").isdigit():
        raise Http404("no such row")
    row = find(int(raw))
    if row is None:
        raise Http404("no such row")
    return row


def _group(office: Office, raw: str | None, *, required: bool = False) -> ServiceGroup | None:
    return _office_row(partial(selectors.office_group, office), raw, required=required)


def _quota(office: Office, raw: str | None, *, required: bool = False) -> Quota | None:
    return _office_row(partial(selectors.office_quota, office), raw, required=required)


def _page(office: Office, anchor: str = "") -> str:
    return reverse("queueing:manage", kwargs={"slug": office.slug}) + (f"#{anchor}" if anchor else "")


def _add_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.code if error.code in form.fields else None, error.message)


# --- POST handlers: each returns a redirect, or the bound form to show again --------------


Handler = Callable[[HttpRequest, Office, list[Service], QuerySet], HttpResponse | dict]


def _group_form(data, office: Office, offered: list[Service], group: ServiceGroup | None) -> ServiceGroupForm:
    return ServiceGroupForm(data, services=offered, taken=selectors.services_taken(office, group), group=group)


def _save_group(request: HttpRequest, office: Office, offered: list[Service], groups: QuerySet):
    group = _group(office, request.POST.get("group"))
    form = _group_form(request.POST, office, offered, group)
    if form.is_valid():
        try:
            saved = services.save_service_group(actor=request.user, office=office, group=group, **form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(
                request, _("Saved: group %(letter)s (%(name)s).") % {"letter": saved.letter, "name": saved.name}
            )
            return redirect(_page(office, f"kelompok-{saved.pk}"))
    return {"group_form": form}


def _delete_group(request: HttpRequest, office: Office, offered: list[Service], groups: QuerySet):
    group = _group(office, request.POST.get("group"), required=True)
    try:
        services.delete_service_group(actor=request.user, group=group)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_page(office, f"kelompok-{group.pk}"))
    messages.success(
        request,
        _("Group %(letter)s (%(name)s) was deleted, with its quota rows.")
        % {"letter": group.letter, "name": group.name},
    )
    return redirect(_page(office))


def _save_quota(request: HttpRequest, office: Office, offered: list[Service], groups: QuerySet):
    quota = _quota(office, request.POST.get("quota"))
    form = QuotaForm(request.POST, groups=groups, quota=quota)
    if form.is_valid():
        try:
            saved = services.save_quota(actor=request.user, quota=quota, **form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Saved for group %(letter)s (“%(scope)s”): %(online)s online bookings and %(walkin)s walk-in "
                    "tickets per session."
                )
                % {
                    "letter": saved.group.letter,
                    "scope": selectors.quota_scope(saved),
                    "online": saved.online_limit,
                    "walkin": saved.walkin_limit,
                },
            )
            return redirect(_page(office, f"kelompok-{saved.group_id}"))
    return {"quota_form": form}


def _delete_quota(request: HttpRequest, office: Office, offered: list[Service], groups: QuerySet):
    quota = _quota(office, request.POST.get("quota"), required=True)
    try:
        services.delete_quota(actor=request.user, quota=quota)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Deleted: the quota row “%(scope)s” of group %(letter)s.")
            % {"scope": selectors.quota_scope(quota), "letter": quota.group.letter},
        )
    return redirect(_page(office, f"kelompok-{quota.group_id}"))


def _save_settings(request: HttpRequest, office: Office, offered: list[Service], groups: QuerySet):
    form = QueueSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.update_queue_settings(actor=request.user, office=office, **form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Saved: the queue rules of %(office)s.") % {"office": office.name})
            return redirect(_page(office, "aturan"))
    return {"settings_form": form}


HANDLERS: dict[str, Handler] = {
    "group": _save_group,
    "delete_group": _delete_group,
    "quota": _save_quota,
    "delete_quota": _delete_quota,
    "settings": _save_settings,
}


# --- pages --------------------------------------------------------------------------------


@permission_required(policy.MANAGE_OFFICE)
@require_GET
def manage_index(request: HttpRequest) -> HttpResponse:
    """The offices whose queue this officer configures; straight to it when there is one."""
    offices = list(office_selectors.offices_for(request.user))
    if len(offices) == 1:
        return redirect("queueing:manage", slug=offices[0].slug)
    return render(request, "queueing/manage_index.html", {"offices": offices})


@permission_required(policy.MANAGE_OFFICE)
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The office's service groups with their quota rows, and the forms that change them."""
    office = office_for_request(request, slug, policy.MANAGE_OFFICE, include_inactive=True)
    offered = sorted(services_offered_at(office), key=lambda s: s.name)
    groups = selectors.service_groups(office)
    edit_group = _group(office, request.GET.get("kelompok"))
    edit_quota = _quota(office, request.GET.get("kuota"))
    for_group = _group(office, request.GET.get("tambah_kuota"))
    quota_initial = {"initial": {"group": for_group.pk}} if for_group is not None and edit_quota is None else {}
    shown = {
        "group_form": _group_form(None, office, offered, edit_group),
        "quota_form": QuotaForm(groups=groups, quota=edit_quota, **quota_initial),
        "settings_form": QueueSettingsForm(rules=selectors.queue_settings(office)),
    }

    if request.method == "POST":
        handler = HANDLERS.get(request.POST.get("action", ""))
        if handler is None:
            messages.error(request, _("This form could not be read. Reload the page and try again."))
            return redirect(_page(office))
        result = handler(request, office, offered, groups)
        if isinstance(result, HttpResponse):
            return result
        shown.update(result)

    context = {
        "office": office,
        "groups": selectors.group_overviews(office, offered),
        "offered": offered,
        "edit_group": shown["group_form"].group,
        "edit_quota": shown["quota_form"].quota,
        **shown,
    }
    status = 400 if any(shown[name].errors for name in shown) else 200
    return render(request, "queueing/manage.html", context, status=status)
