# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.
"""One request to the venue: route, acquire, send, read, settle, observe, retry.

This is the whole flow once. It touches the network only through the callbacks each
integration passes in (requests, httpx, aiohttp, the gateway), so the shells stay thin; it
is written once, for asyncio, and ``scripts/unasync.py`` writes the threaded twin
(``_sync/send.py``) from it, so the two cannot drift apart in what they decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..._limiter import Grant, Limiter
from ..._limits import Cost
from ..._margin import DIRECT
from ...proxies import Probe, Trip
from .._gate import Gate, Plan
from .._io import Read, Send, Settle, sleep
from .._steps import (
    PROXY_AUTH_FAILED,
    ResponseIO,
    log_booking_failed,
    log_give_up,
    log_retry,
    parse_body,
    raise_clean,
)

__all__ = ["send_sync"]

R = TypeVar("R")


def _move(gate: Gate[Any], plan: Plan, settle: Settle, cost: Cost) -> None:
    try:
        settle(cost, answered=True)
    except Exception:
        log_booking_failed(gate, plan, "moving the booking of a request that failed after it was sent")


class _Shares:
    """A grant and the grants of its plan's further shares, settled and released together."""

    __slots__ = ("_main", "_others")

    def __init__(self, main: Grant, others: tuple[Grant, ...]) -> None:
        self._main = main
        self._others = others

    @property
    def late(self) -> float:
        return self._others[-1].late if self._others else self._main.late

    @property
    def cost(self) -> dict[str, float]:
        return self._main.cost

    def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        self._main.settle(actual_cost, answered=answered)
        for grant in self._others:
            grant.settle(grant.cost, answered=answered)

    def release(self) -> None:
        self._main.release()
        for grant in self._others:
            grant.release()


def _take_shares(limiter: Limiter, plan: Plan, grant: Grant) -> Grant | _Shares:
    """``grant`` with the plan's further shares acquired (all returned if one cannot be)."""
    if not plan.shares:
        return grant
    taken: list[Grant] = []
    try:
        for cost, scope in plan.shares:
            taken.append(limiter.acquire(cost, scope=scope, priority=plan.priority))
    except BaseException:
        for other in taken:
            other.release()
        grant.release()
        raise
    return _Shares(grant, tuple(taken))


def send_sync(
    gate: Gate[Limiter],
    plan: Plan,
    send: Send[R],
    read: Read[R],
    io: ResponseIO[R],
    classify: Callable[[BaseException], bool | None],
    probe: Probe | None = None,
) -> R:
    """One request to the venue: route, acquire, send, read, settle, observe, retry.

    ``send(proxy)`` sends the request through ``proxy`` (``None``: the way the client sends
    without a pool). ``classify(exc)`` says whether a transport error happened after the
    request may have left (``True``), certainly before (``False``), or is not a transport
    error at all (``None``: re-raised as is, the charge kept). ``probe`` fetches a health-check
    URL through a proxy (for a pool whose every proxy is failed).
    """
    limiter = gate.limiter
    router = gate.router
    trip = Trip() if router is not None else None
    attempt = 0
    while True:
        attempt += 1
        member = None
        p = plan
        if router is None or trip is None:
            first = limiter.acquire(plan.cost, scope=plan.scope, priority=plan.priority)
            grant = _take_shares(limiter, p, first)
        else:
            member, p, first = router.route(plan, trip, probe, with_ip=gate.with_ip)
            grant = _take_shares(limiter, p, first)
            router.note_sent(member)
        slot = gate.clock.now() - grant.late
        response: R | None = None
        try:
            response = send(member.proxy if member is not None else None)
            answered = gate.clock.now() - slot
            raw = read(response)
        except BaseException as exc:
            if response is not None:
                io.discard(response)
            sent = classify(exc)
            if sent is None:
                raise
            if not sent:
                grant.release()
            else:  # it may have been counted, no later than now: its booking moves here
                _move(gate, p, grant.settle, grant.cost)
            if router is not None and trip is not None and member is not None:
                if router.failed(trip, member, exc, sent, p, gate.retry):
                    attempt -= 1  # another route, not another attempt
                    continue
                if p.kind == "action" and sent:
                    raise gate.unknown(p, exc) from exc
                raise_clean(gate, exc)
            verdict, delay = gate.after_error(p, sent, attempt)
            if verdict == "unknown":
                raise gate.unknown(p, exc) from exc
            if verdict == "raise":
                raise
            log_retry(gate, p, attempt, delay, f"{type(exc).__name__}: {exc}")
            sleep(gate.clock, delay)
            continue
        status = io.status(response)
        if status == 407 and router is not None and trip is not None and member is not None and member.proxy:
            grant.release()  # the proxy refused it: the venue never saw it
            if router.failed(trip, member, PROXY_AUTH_FAILED, False, p, gate.retry):
                io.discard(response)
                attempt -= 1
                continue
            return response
        headers = io.headers(response)
        body = parse_body(raw, venue=gate.venue.name, status=status, url=p.url) if raw is not None else None
        out = gate.outcome(p, status, headers, body, attempt=attempt)
        try:
            # answered: the venue counted it by now, so its booking moves here (a streamed
            # body is not read: the estimate stands)
            grant.settle(out.actual if raw is not None else grant.cost, answered=True)
            if out.observations:
                limiter.observe(out.observations, scope=p.scope)
            gate.answered(member.key if member is not None else DIRECT, answered, status in (418, 429))
        except Exception:
            log_booking_failed(gate, p, "settling, observing or measuring the margin")
        if router is not None and trip is not None and member is not None:
            router.note_answer(trip, member, rate_limited=out.rate_limited, retry=out.verdict == "retry")
        if out.verdict == "ok":
            return response
        if out.verdict == "refuse":
            raise gate.refused(p, status, body, out, response)
        if out.verdict == "give_up":
            log_give_up(gate, p, status, out, attempt)
            return response
        log_retry(gate, p, attempt, out.delay, out.reason)
        io.discard(response)
        sleep(gate.clock, out.delay)
