"""The login throttle's keys: what django-axes stores and logs a login attempt as.

Axes records failed logins (table ``axes_accessattempt``) and logs lockouts with the username
tried. For citizens that is a NIK, which may appear neither in a log line nor in a table kept for
throttling (DESIGN.md, UU 27/2022). So a NIK-shaped username is stored as a keyed hash — the same
NIK always gives the same value, so lockouts still work per account — and masked in log lines.
"""

import hashlib
import hmac

from django.conf import settings

from loket.regions.nik import looks_like_nik, mask_nik, normalize_nik

NIK_KEY_PREFIX = "nik:"


def attempt_username(request, credentials) -> str:
    """The username axes stores for an attempt (AXES_USERNAME_CALLABLE)."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("login", "")
    raw = (raw or "").strip()
    if not looks_like_nik(raw):
        return raw
    digest = hmac.new(settings.SECRET_KEY.encode(), normalize_nik(raw).encode(), hashlib.sha256).hexdigest()
    return NIK_KEY_PREFIX + digest[:40]


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names an attempt in its log lines (AXES_CLIENT_STR_CALLABLE), the NIK masked."""
    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    shown = mask_nik(normalize_nik(username)) if username and looks_like_nik(username) else (username or "")
    return f'{{username: "{shown}", ip_address: "{ip_address}", path_info: "{path_info}"}}'
