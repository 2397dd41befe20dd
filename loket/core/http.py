"""The one HTTP client for Loket's outgoing calls (SMS/WhatsApp gateways, BSrE, SATUSEHAT), on httpx.

::

    client = HttpClient("https://api.example.go.id/v1", name="SATUSEHAT", auth=BearerToken(token),
                        connect_timeout=5, read_timeout=30, retries=2)
    response = client.get("/Patient", params={"identifier": "…"})        # GET: idempotent
    response = client.post("/Encounter", json=payload)                   # POST: not idempotent
    response = client.post("/user/check/status", json={…}, idempotent=True)   # a read-only POST
    response.status, response.headers, response.json()

Errors. A call returns a ``Response`` for a 2xx answer and otherwise raises one of three errors,
each saying what became of the request, which is what the callers' own error tables turn on:

- ``NotSent``: the server cannot have the whole request: connection refused, DNS failure,
  connect timeout, TLS handshake failure, the request not written out completely. Nothing can
  have been processed.
- ``OutcomeUnknown``: the whole request went out and no complete answer came back (a read
  timeout, the connection dropped, an answer that is malformed or larger than
  ``max_response_bytes``). The server may have acted on it.
- ``HttpStatusError``: a complete answer with another status, carrying ``status``, ``headers``,
  ``data`` (the parsed JSON, or None) and ``response``. ``retryable`` is True when the server said
  it refused before processing (429, 503; for idempotent calls also 502, 504) and the retries
  here ran out or its ``Retry-After`` was too long to wait; ``retry_after`` is what it asked for.

Retries. A call is tried ``retries`` more times, waiting ``backoff`` seconds and then twice as
long each time, only when trying again cannot make the server act twice:

=====================================  ======================  ==============================
what happened                          idempotent call         other calls
=====================================  ======================  ==============================
``NotSent``                            retried                 retried
429, 503 (refused before processing)   retried                 retried
502, 504 (a proxy gave up waiting)     retried                 ``HttpStatusError``
``OutcomeUnknown``                     retried                 raised at once, never retried
any other status                       ``HttpStatusError``     ``HttpStatusError``
=====================================  ======================  ==============================

A call is idempotent when the caller says so (``idempotent=True``) or, by default, when its method
is GET, HEAD or OPTIONS. Sending a message is never idempotent, whatever its method. After a 429
or 503 the wait is at least the answer's ``Retry-After`` (seconds or an HTTP date). One longer than
``max_retry_after`` ends the call at once when ``long_retry_after="give_up"`` (a queue can wait
better than a worker thread), or is cut to ``max_retry_after`` with ``"wait_max"``. ``busy_answer``
lets a caller refuse to retry a 429/503 whose body says the refusal is final (WhatsApp error codes).

Connections. Each call opens its own connection and closes it after the answer (``Connection:
close``, no keep-alive): on a reused connection that the server closes at the same moment, a request
it never read fails just as one it read and dropped, and a safe retry would become an unknown
outcome. No cookies are kept, redirects are not followed (a 3xx is an ``HttpStatusError``), and
nothing is taken from the environment (proxies, CA bundles): ``verify`` is a CA file or an
``ssl.SSLContext``, the system's CAs by default.

Logs. One warning per failed attempt: the client's ``name``, the method, the path without its query,
what happened (an exception's type or the status), the attempt, and the caller's ``log_context``.
Never the base URL, a query string, headers, bodies or credentials. httpx's own INFO line for each
request has the whole URL; a filter installed here drops its query string and user info (a GET
gateway's API key and phone number are in the query). ``loket.core.redact`` masks NIKs and phone
numbers in what callers log; ``Response.summary()`` is a short, masked excerpt of an answer.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.cookiejar
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from loket.core.redact import redact

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_STATUSES = frozenset({429, 503})  # refused before processing, whatever the call
PROXY_STATUSES = frozenset({502, 504})  # a proxy gave up waiting: the server may have acted
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "Loket/1"

BasicAuth = httpx.BasicAuth  # ``auth=BasicAuth(client_id, secret)``


def _sleep(seconds: float) -> None:  # the one place the client waits (tests record instead)
    time.sleep(seconds)


# --- answers and errors -----------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``Retry-After``: seconds or an HTTP date), or None."""
        return parse_retry_after(self.headers.get("Retry-After"))

    def summary(self, limit: int = 300) -> str:
        """The start of the body for an error message: whitespace folded, numbers masked."""
        return redact(self.content[: limit * 4].decode("utf-8", "replace"), limit)


class HttpError(Exception):
    """A call that did not get a 2xx answer. ``str()`` names no secret: the client, the method,
    the path without its query and what happened; ``reason`` is the last failure alone."""

    def __init__(self, message: str, *, reason: str, attempts: int):
        super().__init__(message)
        self.reason = reason
        self.attempts = attempts


class NotSent(HttpError):
    """The server cannot have the whole request: nothing can have been processed."""


class OutcomeUnknown(HttpError):
    """The whole request went out and no complete answer came back: the server may have acted."""


class HttpStatusError(HttpError):
    """A complete answer whose status is not 2xx."""

    def __init__(self, message: str, *, response: Response, retryable: bool, attempts: int):
        super().__init__(message, reason=f"HTTP {response.status}", attempts=attempts)
        self.response = response
        self.status = response.status
        self.headers = response.headers
        self.retryable = retryable

    @property
    def data(self) -> Any:
        return self.response.json()

    @property
    def retry_after(self) -> float | None:
        return self.response.retry_after


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


class BearerToken(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request (``repr`` never shows the token). A
    token that must be fetched and refreshed (OAuth2) is an ``httpx.Auth`` of its own."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "<BearerToken>"

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


# --- one attempt ------------------------------------------------------------------------------


class _NotSent(Exception):
    pass


class _NoAnswer(Exception):
    pass


class _Progress:
    """httpcore's trace of one attempt: whether the whole request was written. (httpcore goes on
    to read an answer after a failed write, so the exception alone cannot tell.)"""

    def __init__(self):
        self.sent = False

    def __call__(self, event: str, info: dict) -> None:
        if event == "http11.send_request_body.complete":
            self.sent = True


def _reason(exc: BaseException) -> str:
    """The type of the innermost cause (``ConnectionRefusedError``, ``TimeoutError``, …): httpx
    wraps httpcore's exception, which wraps the socket's."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            inner = next((arg for arg in exc.args if isinstance(arg, BaseException)), None)
        if inner is None or id(inner) in seen:
            return type(exc).__name__
        seen.add(id(inner))
        exc = inner


def _read_at_most(answer: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    for chunk in answer.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise _NoAnswer("answer too large")
    return bytes(body)


# --- the client -------------------------------------------------------------------------------


class HttpClient:
    """Calls to one service at ``base_url``. See the module's documentation."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str = "http",
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | Callable[[httpx.Request], httpx.Request] | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 30,
        long_retry_after: Literal["give_up", "wait_max"] = "give_up",
        busy_answer: Callable[[Response], bool] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        verify: ssl.SSLContext | str | None = None,
        user_agent: str = USER_AGENT,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if retries < 0 or backoff < 0 or max_retry_after < 0:
            raise ValueError("retries, backoff and max_retry_after must not be negative")
        if long_retry_after not in {"give_up", "wait_max"}:
            raise ValueError("long_retry_after must be 'give_up' or 'wait_max'")
        self.base_url = base_url
        self.name = name
        self.host = parts.hostname
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self.long_retry_after = long_retry_after
        self.max_response_bytes = max_response_bytes
        self._busy_answer = busy_answer
        self._auth = auth
        self._verify = verify
        self._headers = {"User-Agent": user_agent, "Accept": "application/json", **dict(headers or {})}
        # Connection: close on every request; see "Connections" in the module's documentation.
        self._headers["Connection"] = "close"
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<HttpClient {self.name} {urlsplit(self.base_url).scheme}://{self.host}>"

    def get(self, path: str = "", **options) -> Response:
        return self.request("GET", path, **options)

    def post(self, path: str = "", **options) -> Response:
        return self.request("POST", path, **options)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str = "",
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        log_context: str = "",
    ) -> Response:
        """``method`` to the base URL + ``path`` with ``params`` in the query and one body
        (``json``, ``data`` form-encoded, or ``content`` as is); a 2xx ``Response`` or one of the
        errors of the module's documentation. ``log_context`` (e.g. ``"request=…"``) is added to
        this call's log lines: put no secret in it."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in SAFE_METHODS
        url = httpx.URL(self._url(path))
        if params:  # added to the base URL's query (httpx would replace it)
            url = url.copy_merge_params(params)
        call = {
            "method": method,
            "url": url,
            "json": json,
            "data": data,
            "content": content,
            "headers": headers,
        }
        where = f"{self.name} {method} {urlsplit(path).path or '/'}"
        attempts = 1 + self.retries
        for attempt in range(1, attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._attempt(call)
            except _NotSent as exc:
                failure: HttpError = NotSent(f"{where}: not sent ({exc})", reason=str(exc), attempts=attempt)
            except _NoAnswer as exc:
                failure = OutcomeUnknown(f"{where}: sent, no answer ({exc})", reason=str(exc), attempts=attempt)
                if not idempotent:
                    raise failure from None  # the server may have acted: never again from here
            else:
                if response.ok:
                    return response
                retryable = self._retryable(response, idempotent)
                failure = HttpStatusError(
                    f"{where}: answered HTTP {response.status}",
                    response=response,
                    retryable=retryable,
                    attempts=attempt,
                )
                if not retryable:
                    raise failure
                retry_after = response.retry_after
                if retry_after is not None and retry_after > self.max_retry_after:
                    if self.long_retry_after == "give_up":
                        self._log_attempt(failure, attempt, attempts, log_context)
                        raise failure
                    retry_after = self.max_retry_after
                wait = max(wait, retry_after or 0.0)
            self._log_attempt(failure, attempt, attempts, log_context)
            if attempt < attempts:
                _sleep(wait)
        raise failure

    # -- inside ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        """The base URL with ``path`` appended to its path (its query string kept)."""
        if "?" in path or "#" in path:
            raise ValueError("pass the query as params, not in the path")
        if not path:
            return self.base_url
        scheme, netloc, base_path, query, _fragment = urlsplit(self.base_url)
        return urlunsplit((scheme, netloc, base_path.rstrip("/") + "/" + path.lstrip("/"), query, ""))

    def _retryable(self, response: Response, idempotent: bool) -> bool:
        if response.status in PROXY_STATUSES:
            return idempotent
        if response.status not in BUSY_STATUSES:
            return False
        return self._busy_answer is None or self._busy_answer(response)

    def _log_attempt(self, failure: HttpError, attempt: int, attempts: int, context: str) -> None:
        logger.warning("%s, attempt %d/%d %s", failure, attempt, attempts, context)

    def _httpx(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                verify = self._verify
                if not isinstance(verify, ssl.SSLContext):
                    verify = ssl.create_default_context(cafile=verify or None)
                self._client = httpx.Client(
                    auth=self._auth,
                    headers=self._headers,
                    timeout=httpx.Timeout(
                        connect=self.connect_timeout,
                        read=self.read_timeout,
                        write=self.read_timeout,
                        pool=self.connect_timeout,
                    ),
                    limits=httpx.Limits(max_keepalive_connections=0),
                    verify=verify,
                    # A jar that accepts no cookie: every call stands alone.
                    cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
                    follow_redirects=False,
                    trust_env=False,
                )
            return self._client

    def _attempt(self, call: dict) -> Response:
        progress = _Progress()
        try:
            with self._httpx().stream(**call, extensions={"trace": progress}) as answer:
                body = _read_at_most(answer, self.max_response_bytes)
        except httpx.TransportError as exc:
            raise (_NoAnswer if progress.sent else _NotSent)(_reason(exc)) from exc
        except httpx.DecodingError as exc:  # a compressed answer that does not decompress
            raise _NoAnswer(_reason(exc)) from exc
        return Response(answer.status_code, answer.headers, body)


# --- httpx's own log line -----------------------------------------------------------------------


class _UrlWithoutQuery(logging.Filter):
    """httpx logs ``HTTP Request: POST https://user:pass@host/path?query "HTTP/1.1 200 OK"`` at
    INFO; keep the scheme, host, port and path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                str(arg.copy_with(query=None, fragment=None, userinfo=b"")) if isinstance(arg, httpx.URL) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_UrlWithoutQuery())
