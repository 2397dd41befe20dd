"""Accounts pages: log in and out, citizen registration, the dashboard, the officers page."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts import selectors, services
from loket.accounts.forms import CreateOfficerForm, GrantRoleForm, LoginForm, RegisterForm, RevokeRoleForm
from loket.core import policy
from loket.core.access import login_required, permission_required, public, safe_next_url
from loket.core.errors import DomainError

# DomainError codes that belong to a form field (the rest are shown above the form).
_REGISTER_FIELDS = {"nik": "nik", "duplicate_nik": "nik", "full_name": "full_name", "phone": "phone",
                    "email": "email", "password": "password1"}  # fmt: skip
_OFFICER_FIELDS = {"username", "full_name", "nip", "phone", "email", "password"}


def _next_url(request: HttpRequest) -> str:
    return safe_next_url(request, reverse("accounts:dashboard"))


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


# The management pages of other apps the dashboard links to, by URL name; a link is left out when
# its app is not installed (accounts may not import those apps).
_OFFICE_PAGES = ("offices:manage_hours", "queueing:manage", "letters:manage")


def _office_page_url(name: str, office) -> str:
    try:
        return reverse(name, kwargs={"slug": office.slug})
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
                (office, *(_office_page_url(name, office) for name in _OFFICE_PAGES)) for office in offices
            ],
            may_manage_officers=policy.allows_somewhere(user, policy.MANAGE_OFFICE),
            may_manage_holidays=policy.allows_somewhere(user, policy.MANAGE_CITY),
        )
    return render(request, "accounts/dashboard.html", context)


def _selected_office(request: HttpRequest, actor):
    """The office the page is narrowed to (``?office=``, kept across a post), if the actor manages it."""
    office_id = request.GET.get("office") or request.POST.get("office_filter") or ""
    return selectors.managed_office(actor, int(office_id)) if office_id.isdigit() else None


def _grant(request: HttpRequest, form: GrantRoleForm) -> bool:
    """Grant the role of a valid ``form``; on refusal the message goes on the form. Whether it was granted."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    target = selectors.officer_by_username(data["username"])
    if target is None:
        form.add_error("username", _("No officer account has this username. Create the account first."))
        return False
    try:
        services.grant_role(
            actor=request.user, user=target, role=data["role"], office=data["office"], title=data["title"]
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(
        request,
        _("%(name)s is now %(role)s at %(office)s.")
        % {"name": target.full_name, "role": policy.Role(data["role"]).label, "office": data["office"]},
    )
    return True


def _revoke(request: HttpRequest) -> str | None:
    """Revoke the posted role: None when it was revoked, else the message to show above the list."""
    form = RevokeRoleForm(request.POST)
    if not form.is_valid():
        return _("Write the reason for revoking this role.")
    role = selectors.managed_role(request.user, form.cleaned_data["officer_role"])
    if role is None:
        return _("This role does not exist at an office you manage.")
    try:
        services.revoke_role(actor=request.user, officer_role=role, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return exc.message
    messages.success(request, _("The role was revoked."))
    return None


def _create(request: HttpRequest, form: CreateOfficerForm) -> bool:
    """Create the officer account of a valid ``form``; refusals go on the form. Whether it was created."""
    if not form.is_valid():
        return False
    try:
        new = services.create_officer(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        form.add_error(exc.code if exc.code in _OFFICER_FIELDS else None, exc.message)
        return False
    messages.success(
        request, _("The account %(username)s was created. Now give it a role below.") % {"username": new.username}
    )
    return True


@permission_required(policy.MANAGE_OFFICE)
def officers_view(request: HttpRequest) -> HttpResponse:
    """Officers of the offices the actor administers, with forms to grant and revoke roles and to
    create officer accounts. Each form posts its ``action``; only that form is bound."""
    actor = request.user
    offices = selectors.manageable_offices_for(actor)
    office = _selected_office(request, actor)
    action = request.POST.get("action") if request.method == "POST" else None
    grant_form = GrantRoleForm(
        request.POST if action == "grant" else None,
        offices=offices,
        roles=selectors.office_roles_grantable_by(actor),
        initial={"office": office},
    )
    create_form = CreateOfficerForm(request.POST if action == "create" else None)
    revoke_error = None
    if action == "grant":
        done = _grant(request, grant_form)
    elif action == "revoke":
        revoke_error = _revoke(request)
        done = revoke_error is None
    else:
        done = action == "create" and _create(request, create_form)
    if done:
        return redirect(request.get_full_path())
    context = {
        "offices": offices,
        "office": office,
        "rows": selectors.officer_rows_for(actor, office),
        "grant_form": grant_form,
        "create_form": create_form,
        "revoke_error": revoke_error,
    }
    return render(request, "accounts/officers.html", context)
