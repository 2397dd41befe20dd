"""The channels a worker may use, built from the settings.

``NOTIFY_CHANNELS`` maps a channel name to its backend and options::

    NOTIFY_CHANNELS = {
        "sms": {"backend": "loket.notifications.channels.smpp.SmppChannel", "host": "…", …},
        "whatsapp": {"backend": "loket.notifications.channels.http.HttpGatewayChannel", …},
        "email": {"backend": "loket.notifications.channels.django_mail.DjangoMailChannel"},
    }

``backend`` is the dotted path of a class or factory; it is called with the other keys as keyword
arguments and must return a ``Channel`` (``channels/base.py``) whose ``name`` is the key. A name
missing from the setting is simply not available: the outbox skips it and falls back to the
citizen's next channel (a message with no usable channel ends failed, saying so). The default
setting configures only ``email`` through Django's own e-mail backend (``EMAIL_*`` settings).

Gateways that report delivery by HTTP (WhatsApp Cloud API, HTTP SMS gateways) POST to
``/notifikasi/laporan-kirim/<channel>/``; the view hands the body to the channel's
``parse_webhook(body, headers)`` (and a GET to ``verify_subscription(params)``), see ``views.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from loket.notifications.channels.base import Channel

KNOWN = ("sms", "whatsapp", "email")


class Registry:
    """Channel objects by name; ``close()`` closes each (SMPP binds, HTTP sessions)."""

    def __init__(self, channels: Mapping[str, Channel]):
        self._channels = dict(channels)

    def get(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._channels

    @property
    def names(self) -> list[str]:
        return list(self._channels)

    def close(self) -> None:
        for channel in self._channels.values():
            try:
                channel.close()
            except Exception:  # noqa: S112 - closing one channel must not keep the others open
                continue


def build_channel(name: str, entry: Mapping) -> Channel:
    """One channel from its ``NOTIFY_CHANNELS`` entry."""
    if name not in KNOWN:
        raise ImproperlyConfigured(f"NOTIFY_CHANNELS: unknown channel {name!r} (known: {', '.join(KNOWN)})")
    options = dict(entry)
    backend = options.pop("backend", "")
    if not backend:
        raise ImproperlyConfigured(f"NOTIFY_CHANNELS[{name!r}] needs a 'backend' (a dotted path)")
    channel = import_string(backend)(**options)
    if getattr(channel, "name", None) != name or not hasattr(channel, "dedupes"):
        raise ImproperlyConfigured(
            f"NOTIFY_CHANNELS[{name!r}]: {backend} must give a channel named {name!r} with a 'dedupes' flag"
        )
    return channel


def build_registry(config: Mapping[str, Mapping] | None = None) -> Registry:
    """The registry for ``config`` (default: ``settings.NOTIFY_CHANNELS``)."""
    config = settings.NOTIFY_CHANNELS if config is None else config
    return Registry({name: build_channel(name, entry) for name, entry in config.items()})


_webhook_channels: dict[tuple[str, str], Channel] = {}


def webhook_channel(name: str):
    """The configured channel ``name`` for the receipts webhook (built once per process and
    configuration), or None when it is not configured or takes no webhooks (``parse_webhook``)."""
    entry = settings.NOTIFY_CHANNELS.get(name)
    if entry is None:
        return None
    key = (name, repr(sorted(entry.items())))
    if key not in _webhook_channels:
        _webhook_channels[key] = build_channel(name, entry)
    channel = _webhook_channels[key]
    return channel if callable(getattr(channel, "parse_webhook", None)) else None
