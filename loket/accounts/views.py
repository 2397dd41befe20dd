"""Accounts pages: log in and out, citizen registration, the dashboard, the officers page."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts import selectors, services
from loket.accounts.forms import CreateOfficerForm, GrantRoleForm, LoginForm, RegisterForm, RevokeRoleForm
from loket.core import policy
from loket.core.access import login_required, permission_required, public
from loket.core.errors import DomainError

# DomainError codes that belong to a form field (the rest are shown above the form).
_REGISTER_FIELDS = {"nik": "nik", "duplicate_nik": "nik", "full_name": "full_name", "phone": "phone",
                    "email": "email", "password": "password1"}  # fmt: skip
_OFFICER_FIELDS = {"username", "full_name", "nip", "phone", "email", "password"}


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("accounts:dashboard")


@public
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method != "POST":
        return redirect("accounts:dashboard")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["login"].strip()
        found = selectors.user_by_login(raw)
        if found is not None:
            username = found.username
        else:
            username = selectors.normalize_nik(raw) if selectors.looks_like_nik(raw) else raw
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(_next_url(request))
        # A locked-out attempt is turned into the lockout page by the axes middleware.
        form.add_error(
            None,
            _(
                "The NIK/username or the password is wrong. Check them and try again; "
                "after several wrong tries the account is locked for a while."
            ),
        )
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@public
def register_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_citizen(
                nik=data["nik"],
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password1"],
                email=data.get("email") or "",
            )
        except DomainError as exc:
            form.add_error(_REGISTER_FIELDS.get(exc.code), exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Welcome, %(name)s!") % {"name": user.full_name})
            return redirect("accounts:dashboard")
    return render(request, "accounts/register.html", {"form": form})


def _manage_hours_url(office) -> str:
    """Link to the office's opening-hours page (offices app); empty if that page is not installed."""
    try:
        return reverse("offices:manage_hours", kwargs={"slug": office.slug})
    except NoReverseMatch:
        return ""


def _manage_queue_url(office) -> str:
    """Link to the office's queue settings page (queueing app); empty if that page is not installed."""
    try:
        return reverse("queueing:manage", kwargs={"slug": office.slug})
    except NoReverseMatch:
        return ""


def _manage_letters_url(office) -> str:
    """Link to the office's letterhead and letter templates page (letters app); empty if not installed."""
    try:
        return reverse("letters:manage", kwargs={"slug": office.slug})
    except NoReverseMatch:
        return ""


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {"account": user}
    if user.is_officer:
        offices = list(selectors.manageable_offices_for(user)[:200])
        context.update(
            roles=list(selectors.roles_for(user)),
            managed_offices=[
                (office, _manage_hours_url(office), _manage_queue_url(office), _manage_letters_url(office))
                for office in offices
            ],
            may_manage_officers=policy.allows_somewhere(user, policy.MANAGE_OFFICE),
            may_manage_holidays=policy.allows_somewhere(user, policy.MANAGE_CITY),
        )
    return render(request, "accounts/dashboard.html", context)


def _selected_office(request: HttpRequest, offices):
    office_id = request.GET.get("office") or request.POST.get("office_filter") or ""
    if office_id.isdigit():
        return offices.filter(pk=int(office_id)).first()
    return None


@permission_required(policy.MANAGE_OFFICE)
def officers_view(request: HttpRequest) -> HttpResponse:
    """Officers of the offices the actor administers, with forms to grant and revoke roles."""
    actor = request.user
    offices = selectors.manageable_offices_for(actor)
    office = _selected_office(request, offices)
    grant_roles = policy.office_roles_grantable_somewhere(actor, offices[:50])
    action = request.POST.get("action") if request.method == "POST" else None
    grant_form = GrantRoleForm(
        request.POST if action == "grant" else None,
        offices=offices,
        roles=grant_roles,
        initial={"office": office},
    )
    create_form = CreateOfficerForm(request.POST if action == "create" else None)
    revoke_error = None

    if action == "grant" and grant_form.is_valid():
        data = grant_form.cleaned_data
        target = selectors.officer_by_username(data["username"])
        if target is None:
            grant_form.add_error("username", _("No officer account has this username. Create the account first."))
        else:
            try:
                services.grant_role(
                    actor=actor, user=target, role=data["role"], office=data["office"], title=data["title"]
                )
            except DomainError as exc:
                grant_form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(name)s is now %(role)s at %(office)s.")
                    % {"name": target.full_name, "role": policy.Role(data["role"]).label, "office": data["office"]},
                )
                return redirect(request.get_full_path())
    elif action == "revoke":
        revoke_form = RevokeRoleForm(request.POST)
        if revoke_form.is_valid():
            role = selectors.roles_at_offices_for(actor).filter(pk=revoke_form.cleaned_data["officer_role"]).first()
            if role is None:
                revoke_error = _("This role does not exist at an office you manage.")
            else:
                try:
                    services.revoke_role(actor=actor, officer_role=role, reason=revoke_form.cleaned_data["reason"])
                except DomainError as exc:
                    revoke_error = exc.message
                else:
                    messages.success(request, _("The role was revoked."))
                    return redirect(request.get_full_path())
        else:
            revoke_error = _("Write the reason for revoking this role.")
    elif action == "create" and create_form.is_valid():
        try:
            new = services.create_officer(actor=actor, **create_form.cleaned_data)
        except DomainError as exc:
            create_form.add_error(exc.code if exc.code in _OFFICER_FIELDS else None, exc.message)
        else:
            messages.success(
                request,
                _("The account %(username)s was created. Now give it a role below.") % {"username": new.username},
            )
            return redirect(request.get_full_path())

    roles = selectors.roles_at_offices_for(actor, office)
    rows = [(role, role.role in policy.grantable_roles(actor, office=role.office)) for role in roles[:500]]
    return render(
        request,
        "accounts/officers.html",
        {
            "offices": offices,
            "office": office,
            "rows": rows,
            "grant_form": grant_form,
            "create_form": create_form,
            "revoke_error": revoke_error,
        },
    )
