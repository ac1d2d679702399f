"""ratekeeper for `requests`: a Session (and an adapter) that weighs, waits, settles and retries.

::

    from ratekeeper.requests import Session

    session = Session("hyperliquid", store="sqlite:///tmp/hl.db")
    book = session.post_info({"type": "l2Book", "coin": "BTC"})
    r = session.post("/exchange", json=signed_order)       # relative to the venue's API

Requests to other hosts pass through untouched. With ``proxy_pool=[...]`` each request to the
venue goes through one proxy of the pool, spending that proxy's own per-IP budget (see
:mod:`ratekeeper.proxies`). Install with ``pip install 'ratekeeper[requests]'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .http._extras import missing_extra

try:
    import requests
    from requests.adapters import BaseAdapter, HTTPAdapter
    from requests.models import PreparedRequest, Response
    from urllib3 import exceptions as _u3
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_extra("requests", "requests", _exc) from _exc

from ._clock import Clock
from ._errors import ActionOutcomeUnknown, ActionRefused, VenueRefused
from ._limiter import Limiter
from .http._extras import check_socks
from .http._gate import Gate, PriorityFn, join_url
from .http._options import EstimatesArg, MarginArg, Options, build_gate
from .http._retry import RetryPolicy
from .http._sync.send import send_sync
from .proxies import Probe, Proxy, ProxyPoolArg, ProxyRouter, ProxyStatistics
from .stores import StoreSpec
from .venues import Venue

__all__ = ["ActionOutcomeUnknown", "ActionRefused", "Adapter", "Options", "RetryPolicy", "Session", "VenueRefused"]

_Timeout = float | tuple[float, float] | tuple[float, None] | None
_Cert = bytes | str | tuple[bytes | str, bytes | str] | None


class _IO:
    @staticmethod
    def status(response: Response) -> int:
        return int(response.status_code)

    @staticmethod
    def headers(response: Response) -> Any:
        return response.headers

    @staticmethod
    def discard(response: Response) -> None:
        response.close()


_NOT_SENT: tuple[type[BaseException], ...] = tuple(
    getattr(_u3, name)
    for name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")
    if hasattr(_u3, name)
)
"""urllib3 errors raised before a request leaves (NameResolutionError is urllib3 2 only)."""


def _reason(exc: BaseException) -> object:
    """The urllib3 error behind a requests exception (unwrapping MaxRetryError and urllib3's
    ProxyError)."""
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, _u3.MaxRetryError):
        reason = reason.reason
    if isinstance(reason, _u3.ProxyError):
        reason = getattr(reason, "original_error", None) or (reason.args[1] if len(reason.args) > 1 else reason)
    return reason


def _proxy_error_sent(exc: BaseException) -> bool:
    """Whether a ``ProxyError`` may have come after the request reached the proxy.

    urllib3 reports as a proxy error everything that goes wrong on a connection it no longer
    counts as connected to the proxy, and http.client closes (so "disconnects") a connection
    whose response never came: a request written to a plain-HTTP proxy that then hung up
    surfaces as a ProxyError too. Only a connection that was never made, or a tunnel the proxy
    refused, is certainly unsent."""
    reason = _reason(exc)
    if isinstance(reason, _NOT_SENT):
        return False
    return not (isinstance(reason, OSError) and "Tunnel connection failed" in str(reason))


def _sent(exc: BaseException) -> bool | None:
    """Whether a requests error happened after the request may have reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ProxyError):
        return _proxy_error_sent(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # the TLS handshake comes before the request
    if isinstance(exc, requests.exceptions.ConnectionError):
        return not isinstance(_reason(exc), _NOT_SENT)
    if isinstance(
        exc,
        (
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    ):
        return True
    return None


def _body(request: PreparedRequest) -> bytes | str | None:
    body = request.body
    return body if isinstance(body, (bytes, str)) else None


def _via(proxy: Proxy) -> dict[str, str]:
    return {"http": proxy.url, "https": proxy.url}


def _check_pool(gate: Gate[Limiter]) -> None:
    """Refuse, before anything is sent, a pool this library cannot use (SOCKS without PySocks,
    which urllib3 sends through SOCKS proxies with)."""
    check_socks(gate, "requests", "socks", "PySocks")


def _probe(adapter: BaseAdapter) -> Probe:
    """A health-check probe: GET a URL through a proxy with ``adapter`` (not rate limited)."""

    def probe(proxy: Proxy, url: str, timeout: float) -> int:
        request = requests.Request("GET", url).prepare()
        response = adapter.send(request, timeout=timeout, proxies=_via(proxy))
        try:
            return int(response.status_code)
        finally:
            response.close()

    return probe


class Adapter(BaseAdapter):
    """A transport adapter that puts the venue's limiter in front of another adapter.

    Mount it on any ``requests.Session`` for the venue's prefix::

        s.mount("https://api.hyperliquid.xyz/", Adapter("hyperliquid"))

    ``inner`` is the adapter that sends (default: a plain ``HTTPAdapter``, which never retries;
    never give it a urllib3 ``Retry``: its retries would bypass the limiter). The keyword
    options are :class:`Session`'s (or ``options=``, an :class:`~ratekeeper.Options`).
    """

    def __init__(
        self,
        venue: str | Venue | None = None,
        *,
        inner: BaseAdapter | None = None,
        gate: Gate[Limiter] | None = None,
        options: Options | None = None,
        **keywords: Any,
    ) -> None:
        super().__init__()
        if gate is None:
            if venue is None:
                raise TypeError("Adapter needs a venue (a name or a Venue) or a gate")
            gate = build_gate(venue, Limiter, Options.given(options, keywords))
        elif venue is not None or keywords or options is not None:
            raise TypeError("pass either gate= or a venue with its options, not both")
        self.gate = gate
        self.inner: BaseAdapter = inner if inner is not None else HTTPAdapter()
        _check_pool(gate)
        self._probe = _probe(self.inner)
        if gate.router is not None:
            gate.router.bind_probe(self._probe)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: _Timeout = None,
        verify: bool | str = True,
        cert: _Cert = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        inner = self.inner
        plan = self.gate.plan(request.method or "GET", request.url or "", _body(request))
        if plan is None:
            return inner.send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)

        def send(proxy: Proxy | None) -> Response:
            if proxy is None:  # no pool, or the direct connection: as the session would send it
                return inner.send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
            routed = request.copy()
            routed.headers.pop("Proxy-Authorization", None)  # the pool's proxy gets its own
            return inner.send(routed, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=_via(proxy))

        def read(response: Response) -> bytes | None:
            return None if stream else response.content

        return send_sync(self.gate, plan, send, read, _IO, _sent, self._probe)

    def close(self) -> None:
        self.inner.close()


class Session(requests.Session):
    """A ``requests.Session`` whose requests to the venue are rate limited.

    ``venue``: a name (``"hyperliquid"``) or a :class:`~ratekeeper.venues.Venue` (with
    overrides). ``base_url`` (default: the venue's mainnet API, or testnet with
    ``testnet=True``): relative URLs are joined to it; requests to other hosts pass through
    untouched. ``store``: where the budget lives (``"sqlite:///…"`` to share it between
    processes). ``limiter``: a ready :class:`~ratekeeper.Limiter` instead (then ``store``,
    ``margin`` and ``clock`` are not accepted). ``ip``, ``account``, ``address``, ``key``
    (an API key's label, for budgets per key such as HTX's legacy one): the scope values
    this session spends. ``retry``: a :class:`RetryPolicy` for idempotent reads.
    ``priority``: weighed request → limiter priority. ``margin``: seconds added to each window
    for network transit jitter: by default measured (a :class:`~ratekeeper.TransitMargin`
    starting at the venue's default, set from the time each request's answer took, widened
    after an unpredicted 429), or a fixed number of seconds. ``estimates``: what to
    book for a weight known only after the answer: ``"learned"`` (default: what recent
    answers of the same kind carried), ``"max"`` (the documented bound) or a shared
    :class:`~ratekeeper.Estimates`. ``proxy_pool``: proxies
    to send through, each with its own per-IP budget: a list of URLs, a
    :class:`~ratekeeper.proxies.ProxyPool`, ``"file:/path"`` or ``"env:VAR"`` (see
    docs/proxies.md); ``ip`` then names the direct connection's budget. ``options``: all of
    these as one :class:`~ratekeeper.Options` value instead (the keywords then stay unset).

    What raises: :class:`~ratekeeper.ActionRefused` when an action is answered with a rate
    limit or ban, :class:`~ratekeeper.ActionOutcomeUnknown` when an action hits a connection
    error or timeout after it may have been sent, ``InvalidRequest`` (a ``ValueError``) for a
    request the venue would refuse whole; reads are retried and finally returned as answered
    (or their last connection error re-raised).
    """

    def __init__(
        self,
        venue: str | Venue,
        *,
        base_url: str | None = None,
        store: StoreSpec = "memory://",
        proxy_pool: ProxyPoolArg = None,
        limiter: Limiter | None = None,
        ip: str | None = None,
        account: str | None = None,
        address: str | None = None,
        key: str | None = None,
        retry: RetryPolicy | None = None,
        priority: PriorityFn | None = None,
        margin: MarginArg = None,
        clock: Clock | None = None,
        testnet: bool = False,
        estimates: EstimatesArg = "learned",
        options: Options | None = None,
    ) -> None:
        super().__init__()
        opts = Options.given(
            options,
            Options(
                base_url=base_url,
                store=store,
                proxy_pool=proxy_pool,
                limiter=limiter,
                ip=ip,
                account=account,
                address=address,
                key=key,
                retry=retry,
                priority=priority,
                margin=margin,
                clock=clock,
                testnet=testnet,
                estimates=estimates,
            ),
        )
        self.gate: Gate[Limiter] = build_gate(venue, Limiter, opts)
        self._gated: dict[int, tuple[BaseAdapter, Adapter]] = {}
        _check_pool(self.gate)
        if self.gate.router is not None:
            self.gate.router.bind_probe(_probe(super().get_adapter(self.gate.base_url)))

    @property
    def limiter(self) -> Limiter:
        """The limiter this session spends (``statistics()`` shows what the store learned)."""
        return self.gate.limiter

    @property
    def venue(self) -> Venue:
        return self.gate.venue

    @property
    def base_url(self) -> str:
        return self.gate.base_url

    def get_adapter(self, url: str) -> BaseAdapter:
        """The mounted adapter for ``url``, behind the limiter when ``url`` is the venue's."""
        inner = super().get_adapter(url)
        if isinstance(inner, Adapter) or not self.gate.handles(url):
            return inner  # another host, or an adapter that is already a limiter
        entry = self._gated.get(id(inner))
        if entry is None or entry[0] is not inner:
            entry = (inner, Adapter(inner=inner, gate=self.gate))
            self._gated[id(inner)] = entry
        return entry[1]

    @property
    def proxy_router(self) -> ProxyRouter | None:
        """The router of the proxy pool (``None`` without one)."""
        return self.gate.router

    def proxy_statistics(self) -> tuple[ProxyStatistics, ...]:
        """Per member of the proxy pool: failure records (re-read from the store now) and this
        session's counters. Empty without a pool."""
        return self.gate.proxy_statistics()

    def check_proxies(self, *, only_down: bool = True) -> dict[str, bool]:
        """Run the pool's ``health_check`` on the failed proxies (on every proxy with
        ``only_down=False``): each that passes is back for everyone sharing the store.
        Returns label -> passed."""
        return self.gate.check_proxies("session", only_down=only_down)

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        if isinstance(request.url, str) and "://" not in request.url:
            request.url = join_url(self.gate.base_url, request.url)
        return super().prepare_request(request)

    def post_info(self, payload: Mapping[str, Any], timeout: float = 30.0) -> Any:
        """POST ``payload`` to Hyperliquid's ``/info`` and return the parsed JSON.

        Raises ``requests.HTTPError`` when the final answer is not a success (a read that ran
        out of retries).
        """
        response = self.post(self.gate.info_url(), json=dict(payload), timeout=timeout)
        response.raise_for_status()
        return response.json()
