"""Notification pages: verify the phone number, log in with a code, choose how to be reached.

``masuk-kode/`` is public and must not tell whether an account exists: whatever NIK or number is
typed, the answer is the same ("if it is registered with a verified phone, a code is on its way")
and the code step looks the same; a wrong code, a code for nobody and a used-up budget give the
same messages. Requests are limited per phone (``services/otp.py``) and per client address (``throttle``).

``laporan-kirim/<channel>/`` is where HTTP gateways report delivery (public: the gateway has no
account; each channel checks its own signature or token in ``parse_webhook`` and raises a
``ValueError`` subclass for a request it does not trust).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from loket.core.access import citizen_required, login_required, public, safe_next_url
from loket.core.errors import DomainError
from loket.notifications import selectors, services, throttle
from loket.notifications.channels.registry import webhook_channel
from loket.notifications.forms import CodeForm, LoginStartForm, PreferenceForm
from loket.notifications.models import Channel
from loket.notifications.services import email_check, otp

logger = logging.getLogger(__name__)

LOGIN_SESSION_KEY = "notifications_login"
PHONE_SESSION_KEY = "notifications_phone_code_sent"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest) -> str:
    return safe_next_url(request, reverse("accounts:dashboard"))


@login_required
def verify_phone_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CodeForm()
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "send":
            try:
                otp.send_phone_code(user=user)
            except DomainError as exc:
                error = exc.message
            else:
                request.session[PHONE_SESSION_KEY] = True
                messages.success(
                    request,
                    _("We sent a code to %(phone)s. It is valid for %(minutes)s minutes.")
                    % {"phone": user.phone, "minutes": settings.OTP_VALID_MINUTES},
                )
                return redirect("notifications:verify_phone")
        elif action == "verify":
            form = CodeForm(request.POST)
            if form.is_valid():
                try:
                    otp.verify_phone(user=user, code=form.cleaned_data["code"])
                except DomainError as exc:
                    form.add_error("code", exc.message)
                else:
                    request.session.pop(PHONE_SESSION_KEY, None)
                    messages.success(request, _("Your phone number is verified."))
                    return redirect("notifications:verify_phone")
    context = {
        "phone": user.phone,
        "verified": selectors.phone_is_verified(user),
        "code_sent": bool(request.session.get(PHONE_SESSION_KEY)) or request.method == "POST",
        "form": form,
        "error": error,
    }
    return render(request, "notifications/verify_phone.html", context)


def _neutral_sent_message() -> str:
    return _(
        "If this NIK or number belongs to an account with a verified phone, we have sent a 6-digit code "
        "to that phone by SMS or WhatsApp. It is valid for %(minutes)s minutes."
    ) % {"minutes": settings.OTP_VALID_MINUTES}


def _too_many_requests() -> str:
    return _("Too many requests from this connection. Wait an hour, or log in with your password.")


@public
def login_code_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    pending = request.session.get(LOGIN_SESSION_KEY)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    client = throttle.client_address(request)
    start_form = LoginStartForm()
    code_form = CodeForm()
    error = ""
    if action == "restart":
        request.session.pop(LOGIN_SESSION_KEY, None)
        return redirect("notifications:login_code")
    if action == "start":
        start_form = LoginStartForm(request.POST)
        if start_form.is_valid():
            if not throttle.spend("login-code", client):
                error = _too_many_requests()
            else:
                try:
                    user = otp.start_login(login=start_form.cleaned_data["login"])
                except DomainError as exc:
                    start_form.add_error("login", exc.message)
                else:
                    request.session[LOGIN_SESSION_KEY] = {"user": user.pk if user else None, "tries": 0}
                    messages.info(request, _neutral_sent_message())
                    return redirect("notifications:login_code")
    elif action == "code" and pending is not None:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            if not throttle.spend("login-code", client):
                error = _too_many_requests()
            else:
                user = selectors.user_logging_in(pending.get("user"))
                try:
                    user = otp.finish_login(user=user, code=code_form.cleaned_data["code"])
                except DomainError as exc:
                    if exc.code == "format":  # not six digits: not counted as a try
                        code_form.add_error("code", exc.message)
                        return _render_login(request, start_form, code_form, error)
                    pending["tries"] = pending.get("tries", 0) + 1
                    if pending["tries"] >= settings.OTP_MAX_WRONG_TRIES or exc.code == "void":
                        request.session.pop(LOGIN_SESSION_KEY, None)
                        messages.error(
                            request, _("Too many wrong tries: this code no longer works. Ask for a new code.")
                        )
                        return redirect("notifications:login_code")
                    request.session[LOGIN_SESSION_KEY] = pending
                    code_form.add_error("code", exc.message)
                else:
                    request.session.pop(LOGIN_SESSION_KEY, None)
                    login(request, user, backend=MODEL_BACKEND)
                    messages.success(request, _("Welcome, %(name)s!") % {"name": user.full_name})
                    return redirect(_next_url(request))
    return _render_login(request, start_form, code_form, error)


def _render_login(request: HttpRequest, start_form, code_form, error: str) -> HttpResponse:
    context = {
        "pending": request.session.get(LOGIN_SESSION_KEY) is not None,
        "start_form": start_form,
        "code_form": code_form,
        "error": error,
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
        "minutes": settings.OTP_VALID_MINUTES,
        "per_window": settings.OTP_MAX_PER_WINDOW,
        "window": settings.OTP_WINDOW_MINUTES,
    }
    return render(request, "notifications/login_code.html", context)


@citizen_required
def preferences_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    preference = selectors.preference_for(user)
    order = selectors.channel_order(user, preference)
    initial = dict(zip(("first", "second", "third"), order, strict=False))
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preference(actor=user, user=user, channels=form.channels())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved: we will reach you in this order."))
            return redirect("notifications:preferences")
    reachable = selectors.usable_channels(
        Channel.values,
        phone=user.phone,
        email=user.email if preference is not None and preference.email_is_verified(user.email) else "",
    )
    context = {
        "form": form,
        "phone": user.phone,
        "phone_verified": preference is not None and preference.phone_is_verified(user.phone),
        "email": user.email,
        "email_verified": preference is not None and preference.email_is_verified(user.email),
        "reachable": [Channel(c).label for c in reachable],
    }
    return render(request, "notifications/preferences.html", context)


@public
@csrf_exempt
def receipts_webhook_view(request: HttpRequest, channel: str) -> HttpResponse:
    """Delivery receipts POSTed by a gateway; a GET is the subscription handshake (WhatsApp)."""
    gateway = webhook_channel(channel)
    if gateway is None:
        raise Http404
    if request.method == "GET":
        verify = getattr(gateway, "verify_subscription", None)
        challenge = verify(request.GET) if callable(verify) else None
        return HttpResponse(challenge, content_type="text/plain") if challenge is not None else HttpResponseForbidden()
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        receipts = gateway.parse_webhook(request.body, request.headers)
    except ValueError:  # the channel's WebhookRejected: wrong signature or token, unreadable body
        logger.warning("receipts webhook for %s rejected", channel)
        return HttpResponseForbidden()
    for receipt in receipts:
        services.apply_receipt(receipt)
    return HttpResponse("ok", content_type="text/plain")


@citizen_required
@require_POST
def send_email_link_view(request: HttpRequest) -> HttpResponse:
    """Send the link that proves the citizen's e-mail address."""
    try:
        email_check.send_link(user=request.user, base_url=request.build_absolute_uri("/"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("We sent a link to %(email)s. Open it within two days to confirm the address.")
            % {"email": request.user.email},
        )
    return redirect("notifications:preferences")


@citizen_required
@require_GET
def verify_email_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: the address is verified for the logged-in citizen it was sent to."""
    try:
        email_check.confirm(user=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your e-mail address is confirmed: notices can now also come by e-mail."))
    return redirect("notifications:preferences")
