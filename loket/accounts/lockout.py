"""django-axes hooks: how a login attempt is described in log lines.

Axes logs failed logins and lockouts with the username tried. For citizens that is a NIK, and
no NIK may appear in a log line (DESIGN.md), so NIK-shaped usernames are masked.
"""

from loket.accounts.selectors import looks_like_nik, normalize_nik
from loket.regions.nik import mask_nik


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    shown = mask_nik(normalize_nik(username)) if username and looks_like_nik(username) else (username or "")
    return f'{{username: "{shown}", ip_address: "{ip_address}", path_info: "{path_info}"}}'
