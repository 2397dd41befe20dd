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


def build_registry(config: Mapping[str, Mapping] | None = None) -> Registry:
    """The registry for ``config`` (default: ``settings.NOTIFY_CHANNELS``)."""
    config = settings.NOTIFY_CHANNELS if config is None else config
    channels: dict[str, Channel] = {}
    for name, entry in config.items():
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
        channels[name] = channel
    return Registry(channels)
