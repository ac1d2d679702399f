"""One connection: :class:`Connection` sends each message once the venue's limits admit it
(message rates, subscriptions, users, posts in flight), releases what an answer or a close
gives back, and renews its leases while it lives; :class:`Connect` is what opening returns
(awaitable, or ``async with``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._clock import TimerHandle
from .._errors import SubscriptionRefused
from .._limiter import AsyncGrant, AsyncLimiter
from .._limits import Cost
from ..stores import LeaseResult
from ._common import check_seconds, log, sleep_or_event
from ._library import ClientConnection, ConnectionClosed, ConnectionClosedOK
from ._rules import CONNECTIONS, INFLIGHT_POSTS, SUBSCRIPTIONS, USERS, WsMessage, WsTopic
from ._shared import _USERS, _user_holder

if TYPE_CHECKING:
    from ._limiter import WebSocketLimiter

__all__ = ["Connect", "Connection", "ConnectionStatistics", "Message"]

Message = str | bytes | bytearray | memoryview | Mapping[str, Any] | list[Any]
"""What :meth:`Connection.send` takes: text, bytes, or a JSON object / array (sent as text)."""


@dataclass(frozen=True, slots=True)
class ConnectionStatistics:
    """One connection's counts. ``waited``: seconds spent waiting for the connection count
    and the new-connection rate before it opened; ``leases_lost``: renewals the store
    refused (the lease had expired and its room was taken: logged as a warning)."""

    id: str
    url: str
    open: bool
    waited: float
    subscriptions: int
    topics: tuple[str, ...]
    users: tuple[str, ...]
    inflight_posts: int
    messages_sent: int
    posts_sent: int
    posts_answered: int
    posts_timed_out: int
    subscriptions_refused: int
    lease_renewals: int
    leases_lost: int


class Connection:
    """A WebSocket connection whose sends are kept within the venue's limits.

    ``send`` waits for the message rates, refuses subscriptions over a limit
    (:class:`SubscriptionRefused`), takes an in-flight slot for each post; ``recv`` and
    ``async for`` hand back what the server sends and release the slot of each answered
    post. Every other attribute is the underlying
    :class:`websockets.asyncio.client.ClientConnection`'s (also at :attr:`protocol`).
    """

    def __init__(self, gate: WebSocketLimiter, url: str, conn_id: str, scope: dict[str, str]) -> None:
        self._gate = gate
        self.url = url
        self.id = conn_id
        self._scope_arg = scope
        self._scopes = {name: gate._scope_of(name, scope) for name in gate._leased}
        self._ws: ClientConnection | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._held_connection = 0
        self._topics: dict[str, str | None] = {}
        self._releasing = 0
        self._releasing_users: Counter[str] = Counter()
        self._release_handles: set[TimerHandle] = set()
        self._users: Counter[str] = Counter()
        self._posts: dict[str, TimerHandle | None] = {}
        self._post_units = 0
        self._closed = asyncio.Event()
        self._finishing: asyncio.Future[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._local = AsyncLimiter(gate._conn_limits, clock=gate._clock) if gate._conn_limits else None
        self._waited = 0.0
        self._stats: Counter[str] = Counter()
        self._finish_callbacks: list[Callable[[], Awaitable[None]]] = []

    # -- the websockets connection ----------------------------------------------------------

    @property
    def protocol(self) -> ClientConnection:
        """The underlying websockets connection."""
        if self._ws is None:
            raise RuntimeError("the connection is not open yet")
        return self._ws

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self._ws is None:
            raise AttributeError(name)
        return getattr(self._ws, name)

    def _check_alive(self) -> None:
        if self._closed.is_set() or (self._ws is None and self._gate._closed):
            if self._ws is not None and not self._gate._closed:
                # the server (or the caller) closed it: what websockets itself raises
                exc = getattr(self._ws, "close_exc", None)
                raise exc if isinstance(exc, ConnectionClosed) else ConnectionClosedOK(None, None)
            raise RuntimeError(f"connection to {self.url} was closed while it waited (its limiter was closed)")

    @property
    def closed(self) -> bool:
        """Whether the connection is closed (its slots are given back once it is)."""
        return self._closed.is_set()

    async def recv(self, decode: bool | None = None) -> str | bytes:
        """The next message from the server (see ``ClientConnection.recv``). An answer to a
        post in flight releases that post's slot."""
        message = await self.protocol.recv(decode)
        if self._posts:
            self._check_answer(message)
        return message

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages until the connection closes (normally: the loop ends; with an error: it
        raises ``ConnectionClosedError``), as ``ClientConnection`` iterates."""
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection, then give back its connection slot, subscriptions and posts."""
        try:
            if self._ws is not None:
                await self._ws.close(code, reason)
        finally:
            await self._finish()
        keeper = self._keeper
        if keeper is not None and keeper is not asyncio.current_task():
            await asyncio.wait({keeper})

    async def wait_closed(self) -> None:
        """Wait until the connection is closed and everything it held is given back."""
        await self._closed.wait()
        if self._finishing is not None:
            await asyncio.shield(self._finishing)
        keeper = self._keeper
        if keeper is not None and keeper is not asyncio.current_task():
            await asyncio.wait({keeper})

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message: Message, *, timeout: float | None = None, priority: int = 0) -> None:
        """Send one message once the venue's limits admit it.

        ``message``: text, bytes, or a dict / list (sent as JSON text). ``timeout``: seconds
        to wait for the message rates and an in-flight post slot (None: as long as it takes);
        a longer wait raises :class:`~ratekeeper.RateLimited`. A subscribe over a limit raises
        :class:`SubscriptionRefused`; a post without an id, or with the id of a post still in
        flight, raises ``ValueError``. All before anything is sent or charged.
        """
        data, decoded = _encode(message)
        check_seconds("timeout", timeout)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise TypeError(f"priority must be an int, got {priority!r}")
        ws = self.protocol
        if self.closed:
            closed_exc = getattr(ws, "close_exc", None)
            raise closed_exc if isinstance(closed_exc, ConnectionClosed) else ConnectionClosedOK(None, None)
        gate = self._gate
        msg = gate.rules.parse(decoded)
        if not isinstance(msg, WsMessage):
            raise TypeError(f"{gate.rules.venue} WsRules.parse returned {type(msg).__name__}, not WsMessage")
        clock = gate._clock
        deadline = None if timeout is None else clock.now() + timeout
        post = msg.kind == "post" and INFLIGHT_POSTS in gate._leased
        if post:
            if msg.post_id is None:
                raise ValueError(
                    f"a {gate.rules.venue} post needs an 'id' to match its response (its in-flight slot is "
                    f"released by that response); got {_short(decoded)}"
                )
            if msg.post_id in self._posts:
                raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
        added: tuple[WsTopic, ...] = ()
        if msg.kind == "subscribe" and msg.topics:
            added = await self._take_topics(msg.topics, check_message=True)
        post_taken = inserted = False
        try:
            if post:
                await gate._hold(self, INFLIGHT_POSTS, 1, deadline, "post in flight")
                post_taken = True
                assert msg.post_id is not None
                if msg.post_id in self._posts:  # another send took this id while we waited
                    raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
            shared, local = gate._costs[msg.kind]
            await self._charge(shared, local, deadline, priority)
            if post:
                assert msg.post_id is not None
                if msg.post_id in self._posts:  # another send with this id went while we waited
                    raise ValueError(f"post id {msg.post_id} is already in flight on this connection")
                self._posts[msg.post_id] = None  # before sending: an answer may come at once
                inserted = True
            await ws.send(data)
        except BaseException:
            if post_taken:
                assert msg.post_id is not None
                if not inserted:  # our slot, never tied to an id: give it back
                    await self._shrink(INFLIGHT_POSTS, 1)
                elif msg.post_id in self._posts:  # our entry, not answered yet: give both back
                    self._posts.pop(msg.post_id)
                    await self._shrink(INFLIGHT_POSTS, 1)
                # else an answer already matched it and released the slot (_post_done)
            if added:
                await self._drop_topics(added, at_once=True)
            raise
        self._stats["messages_sent"] += 1
        if post:
            assert msg.post_id is not None
            self._stats["posts_sent"] += 1
            if msg.post_id in self._posts:
                loop = asyncio.get_running_loop()
                pid = msg.post_id
                self._posts[pid] = clock.call_at(
                    loop, clock.now() + gate._timeout, lambda: self._post_done(pid, timed_out=True)
                )
        if msg.kind == "unsubscribe" and msg.topics:
            gone = tuple(t for t in msg.topics if t.key in self._topics)
            if gone:
                await self._drop_topics(gone)

    async def _charge(self, shared: Cost, local: Cost, deadline: float | None, priority: int) -> list[AsyncGrant]:
        """Acquire the shared and the per-connection rates of one message, both admitted at
        the same moment (a grant booked before a later wait on the other would under-count)."""
        gate = self._gate
        clock = gate._clock
        scope = self._scope_arg

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - clock.now())

        lim = self._local
        if not local or lim is None:
            return (
                [await gate.limiter.acquire(shared, timeout=left(), priority=priority, scope=scope)] if shared else []
            )
        if not shared:
            return [await lim.acquire(local, timeout=left(), priority=priority)]
        while True:
            g_shared = await gate.limiter.acquire(shared, timeout=left(), priority=priority, scope=scope)
            g_local = await lim.try_acquire(local, priority=priority)
            if g_local is not None:
                return [g_shared, g_local]
            await g_shared.release()
            g_local = await lim.acquire(local, timeout=left(), priority=priority)
            g_shared2 = await gate.limiter.try_acquire(shared, priority=priority, scope=scope)
            if g_shared2 is not None:
                return [g_shared2, g_local]
            await g_local.release()

    # -- subscriptions ------------------------------------------------------------------------

    def _refused(
        self,
        limit: str,
        scope: str | None,
        held: float,
        capacity: float,
        requested: float,
        topics: tuple[str, ...],
        why: str,
    ) -> SubscriptionRefused:
        self._stats["subscriptions_refused"] += 1
        shown = ", ".join(topics[:3]) + (f" and {len(topics) - 3} more" if len(topics) > 3 else "")
        return SubscriptionRefused(
            f"{self._gate.venue.name}: subscription refused before sending ({limit}): {why}; topics: {shown}",
            limit=limit,
            scope=scope,
            held=held,
            capacity=capacity,
            requested=requested,
            topics=topics,
        )

    async def _take_topics(self, topics: tuple[WsTopic, ...], *, check_message: bool = False) -> tuple[WsTopic, ...]:
        """Hold the subscriptions (and users) of ``topics`` not already held on this
        connection, or raise :class:`SubscriptionRefused` holding nothing more."""
        gate = self._gate
        rules = gate.rules
        keys = tuple(t.key for t in topics)
        if check_message and rules.max_topics_per_message is not None and len(topics) > rules.max_topics_per_message:
            raise self._refused(
                "topics_per_message",
                None,
                0,
                rules.max_topics_per_message,
                len(topics),
                keys,
                f"one message may carry {rules.max_topics_per_message} topics, this one has {len(topics)}",
            )
        async with self._lock(SUBSCRIPTIONS):
            new = tuple(t for t in topics if t.key not in self._topics)
            if not new:
                return ()
            new_keys = tuple(t.key for t in new)
            if rules.max_topics is not None and len(self._topics) + len(new) > rules.max_topics:
                raise self._refused(
                    "topics_per_connection",
                    None,
                    len(self._topics),
                    rules.max_topics,
                    len(new),
                    new_keys,
                    f"this connection holds {len(self._topics)} of {rules.max_topics} topics, "
                    f"the message adds {len(new)}",
                )
            if SUBSCRIPTIONS in gate._leased:
                scope = self._scopes[SUBSCRIPTIONS]
                units = self._units(SUBSCRIPTIONS) + len(new)
                if units > gate._limits[SUBSCRIPTIONS].capacity:
                    r = LeaseResult(False, self._units(SUBSCRIPTIONS), 0.0)  # more than the limit holds at all
                else:
                    r = await gate._lease(SUBSCRIPTIONS, scope, self.id, units)
                if not r.granted:
                    cap = gate._limits[SUBSCRIPTIONS].capacity
                    raise self._refused(
                        SUBSCRIPTIONS,
                        scope,
                        r.held,
                        cap,
                        len(new),
                        new_keys,
                        f"{r.held:g} of {cap:g} subscriptions held, the message adds {len(new)}",
                    )
            taken: list[str] = []
            try:
                if USERS in gate._leased:
                    for user in dict.fromkeys(t.user for t in new if t.user is not None and not self._users[t.user]):
                        assert user is not None
                        r = await self._take_user(user)
                        if not r.granted:
                            cap = gate._limits[USERS].capacity
                            raise self._refused(
                                USERS,
                                self._scopes[USERS],
                                r.held,
                                cap,
                                1,
                                new_keys,
                                f"{r.held:g} of {cap:g} users held, user {user} would be one more",
                            )
                        taken.append(user)
            except BaseException:
                for user in taken:
                    self._drop_user(user)
                if SUBSCRIPTIONS in gate._leased:
                    await self._set_lease(SUBSCRIPTIONS, locked=True)
                raise
            for t in new:
                self._topics[t.key] = t.user
                if t.user is not None:
                    self._users[t.user] += 1
            return new

    async def _take_user(self, user: str) -> LeaseResult:
        gate = self._gate
        scope = self._scopes[USERS]
        limit = gate._limits[USERS]
        if gate._local_store:
            return _USERS.take_local(gate._store, limit, scope, user)
        if _USERS.count(gate._store, scope, user):
            _USERS.add(gate._store, scope, user)
            return LeaseResult(True, 0.0, 0.0)
        r = await gate._lease(USERS, scope, _user_holder(user), 1)
        if r.granted:
            _USERS.add(gate._store, scope, user)
        return r

    def _drop_user(self, user: str) -> None:
        gate = self._gate
        if USERS not in gate._leased:
            return
        try:
            _USERS.drop(gate._store, gate._limits[USERS], self._scopes[USERS], user)
        except Exception:
            log.warning("releasing WebSocket user %s failed; its lease expires by itself", user, exc_info=True)
        gate._notify_release()

    async def _drop_topics(self, topics: tuple[WsTopic, ...], *, at_once: bool = False) -> None:
        """Stop holding ``topics`` (unsubscribed, or never sent): at once, or after the
        release delay (an unsubscribe may reach the server after a subscribe sent elsewhere)."""
        users: list[str] = []
        n = 0
        for t in topics:
            if self._topics.pop(t.key, "missing") == "missing":
                continue
            n += 1
            if t.user is not None:
                self._users[t.user] -= 1
                if self._users[t.user] <= 0:
                    del self._users[t.user]
                    users.append(t.user)
        if not n:
            return
        delay = 0.0 if at_once else self._gate._release_delay
        if delay <= 0:
            for user in users:
                self._drop_user(user)
            await self._set_lease(SUBSCRIPTIONS)
            return
        self._releasing += n
        self._releasing_users.update(users)
        clock = self._gate._clock
        handle: TimerHandle | None = None

        def later() -> None:
            if handle is not None:
                self._release_handles.discard(handle)
            if self._finishing is not None:
                return  # the connection closed: everything was given back
            self._releasing -= n
            self._releasing_users.subtract(users)
            self._releasing_users += Counter()  # drop the counts that reached 0
            for user in users:
                self._drop_user(user)
            self._update_soon(SUBSCRIPTIONS)

        handle = clock.call_at(asyncio.get_running_loop(), clock.now() + delay, later)
        self._release_handles.add(handle)

    # -- posts ------------------------------------------------------------------------------

    def _check_answer(self, message: str | bytes) -> None:
        rules = self._gate.rules
        try:
            text = message.decode() if isinstance(message, bytes) else message
            hint = rules.answer_hint
            if (hint is not None and hint not in text) or not text.lstrip().startswith(("{", "[")):
                return
            pid = rules.response_id(json.loads(text))
        except (ValueError, UnicodeDecodeError):
            return
        if pid is not None and pid in self._posts:
            self._post_done(pid, timed_out=False)

    def _post_done(self, pid: str, *, timed_out: bool) -> None:
        if pid not in self._posts:
            return
        handle = self._posts.pop(pid)
        if handle is not None and not timed_out:
            handle.cancel()
        self._stats["posts_timed_out" if timed_out else "posts_answered"] += 1
        if timed_out:
            log.info(
                "post %s on %s unanswered after %.3g s: its in-flight slot is released",
                pid,
                self.url,
                self._gate._timeout,
            )
        self._post_units = max(0, self._post_units - 1)
        self._update_soon(INFLIGHT_POSTS)

    # -- leases of this connection ------------------------------------------------------------

    def _lock(self, name: str) -> asyncio.Lock:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    def _units(self, name: str) -> int:
        if name == CONNECTIONS:
            return self._held_connection
        if name == SUBSCRIPTIONS:
            return len(self._topics) + self._releasing
        if name == INFLIGHT_POSTS:
            return self._post_units
        return 0

    def _grow(self, name: str, extra: int) -> None:
        if name == CONNECTIONS:
            self._held_connection += extra
        elif name == INFLIGHT_POSTS:
            self._post_units += extra

    async def _shrink(self, name: str, fewer: int) -> None:
        if name == INFLIGHT_POSTS:
            self._post_units = max(0, self._post_units - fewer)
        await self._set_lease(name)

    async def _set_lease(self, name: str, *, locked: bool = False) -> None:
        """Set (lower, or renew) this connection's lease on ``name`` to its current units."""
        gate = self._gate
        if name not in gate._leased:
            return
        try:
            if locked:
                await gate._lease(name, self._scopes[name], self.id, self._units(name))
            else:
                async with self._lock(name):
                    await gate._lease(name, self._scopes[name], self.id, self._units(name))
        except Exception:
            log.warning("updating the %s lease of %s failed; it expires by itself", name, self.url, exc_info=True)
        gate._notify_release()

    def _update_soon(self, name: str) -> None:
        """``_set_lease`` from a callback: at once on a memory store (it never waits), else in
        a task."""
        gate = self._gate
        if name not in gate._leased or self._finishing is not None:
            return
        if gate._local_store:
            try:
                gate._store.lease(gate._limits[name], self._scopes[name], self.id, self._units(name))
            except Exception:
                log.warning("updating the %s lease of %s failed", name, self.url, exc_info=True)
            gate._notify_release()
            return
        task = asyncio.ensure_future(self._set_lease(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_keeper(self) -> None:
        if self._keeper is None:
            self._keeper = asyncio.ensure_future(self._keep())

    async def _keep(self) -> None:
        """Renew this connection's leases every third of the shortest lease period until it
        closes, then give everything back."""
        gate = self._gate
        every = gate._renew_every
        try:
            while not self._closed.is_set():
                await sleep_or_event(gate._clock, every, self._closed)
                if self._closed.is_set():
                    break
                await self._renew()
        finally:
            if not self._closed.is_set() or self._finishing is None:
                await self._finish()

    async def _renew(self) -> None:
        gate = self._gate
        for name in (CONNECTIONS, SUBSCRIPTIONS, INFLIGHT_POSTS):
            if name not in gate._leased:
                continue
            async with self._lock(name):
                units = self._units(name)
                if units <= 0 or self._closed.is_set():
                    continue
                await self._renew_one(name, self._scopes[name], self.id, units)
        if USERS in gate._leased:
            for user in dict.fromkeys([*self._users, *self._releasing_users]):
                if self._closed.is_set():
                    break
                await self._renew_one(USERS, self._scopes[USERS], _user_holder(user), 1)

    async def _renew_one(self, name: str, scope: str | None, holder: str, units: int) -> None:
        try:
            r = await self._gate._lease(name, scope, holder, units)
        except Exception:
            log.warning("renewing the %s lease of %s failed; trying again", name, self.url, exc_info=True)
            return
        self._stats["lease_renewals"] += 1
        if not r.granted:
            self._stats["leases_lost"] += 1
            log.warning(
                "the %s lease of %s (%s, %d units) had expired and its room is taken (%g held): this connection "
                "is no longer counted there until room frees; was the event loop blocked longer than the lease?",
                name,
                self.url,
                holder,
                units,
                r.held,
            )

    def _attach(self, ws: ClientConnection, waited: float) -> None:
        self._ws = ws
        self._waited = waited

        def closed(_: object) -> None:
            self._closed.set()

        watcher = asyncio.ensure_future(ws.wait_closed())
        watcher.add_done_callback(closed)
        self._tasks.add(watcher)
        watcher.add_done_callback(self._tasks.discard)

    async def _finish(self) -> None:
        """Give back everything this connection holds (once; later callers wait for it)."""
        if self._finishing is not None:
            await asyncio.shield(self._finishing)
            return
        self._finishing = asyncio.get_running_loop().create_future()
        self._closed.set()
        gate = self._gate
        try:
            for handle in self._posts.values():
                if handle is not None:
                    handle.cancel()
            for later in self._release_handles:
                later.cancel()
            self._release_handles.clear()
            self._posts.clear()
            self._post_units = 0
            self._topics.clear()
            self._releasing = 0
            users = [*self._users, *self._releasing_users.elements()]
            self._users.clear()
            self._releasing_users.clear()
            for name in (INFLIGHT_POSTS, SUBSCRIPTIONS, CONNECTIONS):
                if name in gate._leased:
                    async with self._lock(name):
                        if name == CONNECTIONS:
                            self._held_connection = 0
                        try:
                            await gate._lease(name, self._scopes[name], self.id, 0)
                        except Exception:
                            log.warning(
                                "releasing the %s lease of %s failed; it expires", name, self.url, exc_info=True
                            )
            for user in users:
                self._drop_user(user)
        finally:
            gate._connections.pop(self.id, None)
            gate._notify_release()
            self._finishing.set_result(None)
            for task in list(self._tasks):
                if task is not asyncio.current_task():
                    task.cancel()
            callbacks, self._finish_callbacks = self._finish_callbacks, []
            for callback in callbacks:
                try:
                    await callback()
                except Exception:
                    log.warning("a close callback of %s failed", self.url, exc_info=True)

    def _on_finish(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` once the connection has given everything back."""
        if self._finishing is not None and self._finishing.done():
            task = asyncio.ensure_future(callback())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._finish_callbacks.append(callback)

    # -- statistics -------------------------------------------------------------------------

    def statistics(self) -> ConnectionStatistics:
        """This connection's counts now."""
        s = self._stats
        return ConnectionStatistics(
            id=self.id,
            url=self.url,
            open=self._ws is not None and not self.closed,
            waited=self._waited,
            subscriptions=len(self._topics),
            topics=tuple(self._topics),
            users=tuple(self._users),
            inflight_posts=len(self._posts),
            messages_sent=s["messages_sent"],
            posts_sent=s["posts_sent"],
            posts_answered=s["posts_answered"],
            posts_timed_out=s["posts_timed_out"],
            subscriptions_refused=s["subscriptions_refused"],
            lease_renewals=s["lease_renewals"],
            leases_lost=s["leases_lost"],
        )

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._ws is not None else "opening")
        return f"<ratekeeper.websockets.Connection {self.url} {state} id={self.id}>"


def _encode(message: object) -> tuple[str | bytes, Any]:
    """The frame to send and the decoded value the venue's parser reads."""
    if isinstance(message, str):
        return message, _maybe_json(message)
    if isinstance(message, (bytes, bytearray, memoryview)):
        data = bytes(message)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return data, data
        return data, _maybe_json(text)
    if isinstance(message, (Mapping, list)):
        try:
            text = json.dumps(message, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"message is not JSON-serialisable: {exc}") from None
        return text, json.loads(text)
    raise TypeError(f"message must be str, bytes, or a dict / list to send as JSON, got {type(message).__name__}")


def _maybe_json(text: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


class Connect:
    """What :func:`connect` returns: ``await`` it for a :class:`Connection`, or use it as
    ``async with connect(...) as ws`` (closed on exit)."""

    def __init__(self, opener: Callable[[], Awaitable[Connection]]) -> None:
        self._opener = opener
        self._conn: Connection | None = None

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._opener().__await__()

    async def __aenter__(self) -> Connection:
        self._conn = await self._opener()
        return self._conn

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            await self._conn.close()
