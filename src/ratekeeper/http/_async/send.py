"""One request to the venue: route, acquire, send, read, settle, observe, retry.

This is the whole flow once. It touches the network only through the callbacks each
integration passes in (requests, httpx, aiohttp, the gateway), so the shells stay thin; it
is written once, for asyncio, and ``scripts/unasync.py`` writes the threaded twin
(``_sync/send.py``) from it, so the two cannot drift apart in what they decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..._limiter import AsyncGrant, AsyncLimiter
from ..._limits import Cost
from ..._margin import DIRECT
from ...proxies import AsyncProbe, Trip
from .._aio import Read, Send, Settle, sleep
from .._gate import Gate, Plan
from .._steps import (
    PROXY_AUTH_FAILED,
    ResponseIO,
    log_booking_failed,
    log_give_up,
    log_retry,
    parse_body,
    raise_clean,
)

__all__ = ["send_async"]

R = TypeVar("R")


async def _amove(gate: Gate[Any], plan: Plan, settle: Settle, cost: Cost) -> None:
    try:
        await settle(cost, answered=True)
    except Exception:
        log_booking_failed(gate, plan, "moving the booking of a request that failed after it was sent")


class _AsyncShares:
    """A grant and the grants of its plan's further shares, settled and released together."""

    __slots__ = ("_main", "_others")

    def __init__(self, main: AsyncGrant, others: tuple[AsyncGrant, ...]) -> None:
        self._main = main
        self._others = others

    @property
    def late(self) -> float:
        return self._others[-1].late if self._others else self._main.late

    @property
    def cost(self) -> dict[str, float]:
        return self._main.cost

    async def settle(self, actual_cost: Cost, *, answered: bool = False) -> None:
        await self._main.settle(actual_cost, answered=answered)
        for grant in self._others:
            await grant.settle(grant.cost, answered=answered)

    async def release(self) -> None:
        await self._main.release()
        for grant in self._others:
            await grant.release()


async def _atake_shares(limiter: AsyncLimiter, plan: Plan, grant: AsyncGrant) -> AsyncGrant | _AsyncShares:
    """``grant`` with the plan's further shares acquired (all returned if one cannot be)."""
    if not plan.shares:
        return grant
    taken: list[AsyncGrant] = []
    try:
        for cost, scope in plan.shares:
            taken.append(await limiter.acquire(cost, scope=scope, priority=plan.priority))
    except BaseException:
        for other in taken:
            await other.release()
        await grant.release()
        raise
    return _AsyncShares(grant, tuple(taken))


async def send_async(
    gate: Gate[AsyncLimiter],
    plan: Plan,
    send: Send[R],
    read: Read[R],
    io: ResponseIO[R],
    classify: Callable[[BaseException], bool | None],
    probe: AsyncProbe | None = None,
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
            first = await limiter.acquire(plan.cost, scope=plan.scope, priority=plan.priority)
            grant = await _atake_shares(limiter, p, first)
        else:
            member, p, first = await router.aroute(plan, trip, probe, with_ip=gate.with_ip)
            grant = await _atake_shares(limiter, p, first)
            router.note_sent(member)
        slot = gate.clock.now() - grant.late
        response: R | None = None
        try:
            response = await send(member.proxy if member is not None else None)
            answered = gate.clock.now() - slot
            raw = await read(response)
        except BaseException as exc:
            if response is not None:
                io.discard(response)
            sent = classify(exc)
            if sent is None:
                raise
            if not sent:
                await grant.release()
            else:  # it may have been counted, no later than now: its booking moves here
                await _amove(gate, p, grant.settle, grant.cost)
            if router is not None and trip is not None and member is not None:
                if await router.afailed(trip, member, exc, sent, p, gate.retry):
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
            await sleep(gate.clock, delay)
            continue
        status = io.status(response)
        if status == 407 and router is not None and trip is not None and member is not None and member.proxy:
            await grant.release()  # the proxy refused it: the venue never saw it
            if await router.afailed(trip, member, PROXY_AUTH_FAILED, False, p, gate.retry):
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
            await grant.settle(out.actual if raw is not None else grant.cost, answered=True)
            if out.observations:
                await limiter.observe(out.observations, scope=p.scope)
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
        await sleep(gate.clock, out.delay)
