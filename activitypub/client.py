"""The one outbound HTTP client for federation traffic.

Synchronous and thread-safe: one ``FederationClient`` per process, shared by request
handlers' worker threads and job threads, reusing connections. Every request goes
through the SSRF guard (``activitypub.ssrf``), a whole-request deadline, a body cap that
also holds for chunked, mislabelled and compressed bodies, and a typed error mapping.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urldefrag, urljoin

import httpx

from . import strictjson
from .errors import (
    ActorMismatchError,
    FetchBadContentType,
    FetchError,
    FetchForbiddenAddress,
    FetchGone,
    FetchNotFound,
    FetchTooLarge,
    FetchUnavailable,
    FormatError,
)
from .signatures.httpx_auth import HttpSignatureAuth
from .ssrf import GuardedTransport, check_url, deadline, deadline_exceeded
from .types import JsonObject
from .urls import same_origin
from .vocab import ACCEPT_ACTIVITY, ACCEPT_JRD, ACTIVITY_JSON, is_activity_content_type
from .webfinger import Acct, WebFingerAnswer, actor_url_from_jrd, parse_acct, subject_of_jrd, webfinger_url

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Mastodon retries these 4xx too: 401 can be a stale cached key or a clock hiccup.
_RETRYABLE_4XX = frozenset({401, 408, 429})
_DRAIN_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ClientConfig:
    user_agent: str
    allow_private_addresses: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_json_bytes: int = 1_000_000
    max_redirects: int = 5
    allow_http: bool = False


@dataclass(frozen=True)
class KeyPair:
    """The key an outgoing request is signed with: ``actor#main-key`` and its private PEM."""

    key_id: str
    private_key_pem: str = field(repr=False)


def _is_json_type(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _status_error(url: str, status: int) -> FetchError:
    if status == 404:
        return FetchNotFound(url, f"Not found: {url}", status_code=status)
    if status == 410:
        return FetchGone(url, f"Gone: {url}", status_code=status)
    if status >= 500:
        # 501 Not Implemented will not change by retrying.
        return FetchUnavailable(
            url, f"Remote server error {status}", status_code=status, retryable=status != 501
        )
    if status in _RETRYABLE_4XX:
        return FetchUnavailable(url, f"Remote answered {status}", status_code=status)
    return FetchError(url, f"Remote answered {status}", status_code=status)


def _drain(response: httpx.Response) -> None:
    # Reading a short reply to its end lets the connection go back to the pool.
    if response.is_stream_consumed:
        return
    received = 0
    for chunk in response.iter_raw():
        received += len(chunk)
        if received > _DRAIN_LIMIT:
            return


class FederationClient:
    """Signed fetches and deliveries to other servers. Use as a context manager or ``close()``."""

    # One connection pool per destination: a single shared pool serialises every request on its
    # lock, and many threads sending to many hosts then wait on each other (measured in B3).
    MAX_POOLS = 512

    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        before_request: Callable[[str], None] | None = None,
    ) -> None:
        """``before_request(url)`` runs before every request goes out; it may raise to stop it
        (fedi refuses network I/O while a database transaction is open in the calling thread)."""
        self._config = config
        self._transport = transport
        self._before_request = before_request
        self._pools: OrderedDict[str, httpx.Client] = OrderedDict()
        self._pools_lock = threading.Lock()
        self._http = self._new_client()

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            transport=self._transport
            or GuardedTransport(allow_private_addresses=self._config.allow_private_addresses),
            timeout=httpx.Timeout(
                connect=self._config.connect_timeout,
                read=self._config.read_timeout,
                write=self._config.read_timeout,
                pool=self._config.connect_timeout,
            ),
            headers={"User-Agent": self._config.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            # Environment proxies would route around the SSRF guard.
            trust_env=False,
        )

    def _client_for(self, url: httpx.URL) -> httpx.Client:
        if self._transport is not None:
            return self._http  # an injected transport (tests) is shared
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._pools_lock:
            client = self._pools.get(origin)
            if client is not None:
                self._pools.move_to_end(origin)
                return client
            client = self._pools[origin] = self._new_client()
            evicted = self._pools.popitem(last=False)[1] if len(self._pools) > self.MAX_POOLS else None
        if evicted is not None:
            evicted.close()
        return client

    def close(self) -> None:
        self._http.close()
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for client in pools:
            client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- public API -------------------------------------------------------------------

    def fetch_object(self, url: str, *, signed_as: KeyPair | None) -> JsonObject:
        """GET an ActivityStreams document and return it only if its origin vouches for its id.

        Redirects are followed (each hop re-checked). A document whose ``id`` is on another
        origin than the URL that finally served it raises ActorMismatchError
        (CVE-2024-23832); a different id on the same origin is fetched once more, as
        Mastodon does. The returned document's ``id`` is therefore authoritative.
        """
        with deadline(self._config.total_timeout):
            doc, final_url = self._get_json(url, ACCEPT_ACTIVITY, signed_as, is_activity_content_type)
            doc_id = self._document_id(doc, final_url)
            if doc_id == urldefrag(final_url).url:
                return doc
            doc, final_url = self._get_json(doc_id, ACCEPT_ACTIVITY, signed_as, is_activity_content_type)
            if self._document_id(doc, final_url) != urldefrag(final_url).url:
                raise ActorMismatchError(f"{doc_id} does not resolve to itself")
            return doc

    def fetch_jrd(self, url: str) -> JsonObject:
        """GET a WebFinger JRD."""
        with deadline(self._config.total_timeout):
            doc, _ = self._get_json(url, ACCEPT_JRD, None, _is_json_type)
            return doc

    def fetch_media(self, url: str, *, max_bytes: int) -> tuple[bytes, str]:
        """GET a media file (an attachment, an avatar) of at most `max_bytes`; returns the body
        and its declared content type. Same address checks, redirects and time budget as
        documents; the caller checks what the bytes really are."""
        with deadline(self._config.total_timeout):
            body, _, headers = self._get(url, "image/*, */*;q=0.1", None, limit=max_bytes)
            return body, headers.get("content-type", "")[:100]

    def fetch_text(self, url: str, accept: str) -> str:
        """GET a small text document (host-meta XRD, for instance)."""
        with deadline(self._config.total_timeout):
            body, _, _ = self._get(url, accept, None)
            return body.decode("utf-8", errors="replace")

    def webfinger(self, acct: Acct) -> WebFingerAnswer:
        """Resolve ``user@host`` to its actor URL (https; plain http only when allowed).

        A JRD whose ``subject`` names another account is followed once, and that account's
        own JRD must name itself (Mastodon's rule); otherwise FormatError. A JRD without a
        subject is taken as describing the account asked for.
        """
        subject, actor_url = self._jrd_of(acct)
        if subject is None or subject == parse_acct(str(acct)):
            return WebFingerAnswer(acct, actor_url)
        confirmed, actor_url = self._jrd_of(subject)
        if confirmed != subject:
            raise FormatError(f"WebFinger for {acct} names {subject}, whose own server does not confirm it")
        return WebFingerAnswer(subject, actor_url)

    def _jrd_of(self, acct: Acct) -> tuple[Acct | None, str]:
        schemes = ("https", "http") if self._config.allow_http else ("https",)
        error: FetchError | None = None
        for scheme in schemes:
            try:
                doc = self.fetch_jrd(webfinger_url(acct.host, acct, scheme=scheme))
            except FetchUnavailable as exc:
                error = exc
                continue
            return subject_of_jrd(doc), actor_url_from_jrd(doc)
        assert error is not None
        raise error

    def post_activity(self, inbox_url: str, body: bytes, *, signed_as: KeyPair) -> int:
        """POST a signed activity; return the 2xx status or raise a FetchError.

        ``FetchUnavailable`` (retryable) for 5xx, 401, 408, 429, timeouts and connection
        errors; ``FetchGone`` for 410; any other answer raises a non-retryable FetchError.
        """
        with deadline(self._config.total_timeout):
            self._check_url(inbox_url)
            request = self._http.build_request(
                "POST", inbox_url, content=body, headers={"Content-Type": ACTIVITY_JSON}
            )
            with self._send(request, signed_as) as response:
                if 200 <= response.status_code < 300:
                    _drain(response)
                    return response.status_code
                raise _status_error(inbox_url, response.status_code)

    # -- internals --------------------------------------------------------------------

    def _check_url(self, url: str) -> None:
        check_url(
            url,
            allow_http=self._config.allow_http,
            allow_private_addresses=self._config.allow_private_addresses,
        )

    @staticmethod
    def _document_id(doc: JsonObject, final_url: str) -> str:
        doc_id = doc.get("id")
        if not isinstance(doc_id, str) or not doc_id:
            raise FormatError("Fetched document has no id")
        doc_id = urldefrag(doc_id).url
        if not same_origin(doc_id, final_url):
            raise ActorMismatchError(f"{final_url} served a document claiming to be {doc_id}")
        return doc_id

    @contextmanager
    def _send(self, request: httpx.Request, signed_as: KeyPair | None) -> Iterator[httpx.Response]:
        url = str(request.url)
        if self._before_request is not None:
            self._before_request(url)
        auth = HttpSignatureAuth(signed_as.key_id, signed_as.private_key_pem) if signed_as else None
        try:
            response = self._client_for(request.url).send(request, auth=auth, stream=True)
        except FetchForbiddenAddress as exc:
            raise FetchForbiddenAddress(url, str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise FetchUnavailable(url, f"Timed out: {url}") from exc
        except httpx.TransportError as exc:
            raise FetchUnavailable(url, f"Connection failed: {url}") from exc
        try:
            yield response
        except httpx.TimeoutException as exc:
            raise FetchUnavailable(url, f"Timed out: {url}") from exc
        except httpx.TransportError as exc:
            raise FetchUnavailable(url, f"Connection failed: {url}") from exc
        finally:
            response.close()

    def _get(
        self, url: str, accept: str, signed_as: KeyPair | None, *, limit: int | None = None
    ) -> tuple[bytes, str, httpx.Headers]:
        """GET following redirects; return the body (at most `limit` bytes, by default
        max_json_bytes), the final URL and the response headers."""
        for _ in range(self._config.max_redirects + 1):
            self._check_url(url)
            request = self._http.build_request("GET", url, headers={"Accept": accept})
            with self._send(request, signed_as) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise _status_error(url, response.status_code)
                body = self._read_body(response, url, limit or self._config.max_json_bytes)
                return body, url, response.headers
        raise FetchError(url, "Too many redirects")

    def _get_json(
        self,
        url: str,
        accept: str,
        signed_as: KeyPair | None,
        content_type_ok: Callable[[str], bool],
    ) -> tuple[JsonObject, str]:
        body, final_url, headers = self._get(url, accept, signed_as)
        content_type = headers.get("content-type", "")
        if not content_type_ok(content_type):
            raise FetchBadContentType(final_url, f"Unexpected content type {content_type[:100]!r}")
        try:
            doc: Any = strictjson.loads(body)
        except FormatError as exc:
            raise FormatError(f"Invalid JSON from {final_url}") from exc
        if not isinstance(doc, dict):
            raise FormatError(f"Expected a JSON object from {final_url}")
        return doc, final_url

    def _read_body(self, response: httpx.Response, url: str, limit: int) -> bytes:
        """Read at most ``limit`` bytes (after decompression), whatever the headers claim."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchTooLarge(url, "Response too large")
        chunks: Iterable[bytes]
        decoder = None
        if response.is_stream_consumed:
            # In-process transports (httpx.MockTransport) hand over bodies already decoded.
            chunks = [response.content]
        else:
            chunks = response.iter_raw()
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding in ("gzip", "x-gzip", "deflate"):
                # wbits 47: zlib or gzip framing, detected from the header.
                decoder = zlib.decompressobj(wbits=47)
            elif encoding not in ("identity", ""):
                raise FetchError(url, f"Unsupported content encoding {encoding[:50]!r}")
        body = bytearray()
        try:
            for chunk in chunks:
                if deadline_exceeded():
                    raise FetchUnavailable(url, f"Timed out: {url}")
                # max_length stops a decompression bomb one byte past the limit.
                body += decoder.decompress(chunk, limit + 1 - len(body)) if decoder else chunk
                if len(body) > limit:
                    raise FetchTooLarge(url, "Response too large")
        except zlib.error as exc:
            raise FetchError(url, "Invalid compressed body") from exc
        return bytes(body)
