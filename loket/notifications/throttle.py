"""A per-client request budget for the public login-by-code page, kept in Django's cache.

The page answers the same whether an account exists or not, and codes are limited per phone
(``services/otp.py``); this budget caps what one client address may ask in an hour (codes requested and
codes typed together, ``OTP_REQUESTS_PER_IP_PER_HOUR``), so the page cannot be used to try many
NIKs or phone numbers. With several server processes, configure a shared cache (CACHES) so they
count together; the default local-memory cache counts per process.
"""

from __future__ import annotations

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def _key(scope: str, client: str) -> str:
    return "loket-otp-budget:" + hashlib.sha256(f"{scope}:{client}".encode()).hexdigest()[:32]


def client_address(request) -> str:
    """The client's address as django-axes resolves it for the password login (its IP settings
    apply: behind a proxy configure them, e.g. AXES_IPWARE_PROXY_COUNT, or every visitor counts as
    the proxy)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


def spend(scope: str, client: str, limit: int | None = None) -> bool:
    """Count one request of ``client``; False once the hour's budget is used up."""
    limit = settings.OTP_REQUESTS_PER_IP_PER_HOUR if limit is None else limit
    key = _key(scope, client)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        used = 1
    return used <= limit
