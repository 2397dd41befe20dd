"""What the signing app tells the workflow apps: a document was signed.

Handlers run synchronously inside the transaction that stores the signature (``services._finish``),
so the request's move (e.g. to "selesai", or a chained request continuing) and the signature are
committed together or not at all. A workflow app subscribes in its ``AppConfig.ready``:

    from loket.signing import events
    events.on_signed(handler)          # handler(document: SignedDocument) -> None
"""

from __future__ import annotations

from collections.abc import Callable

_handlers: list[Callable] = []


def on_signed(handler: Callable) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def off_signed(handler: Callable) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def signed(document) -> None:
    for handler in list(_handlers):
        handler(document)
