"""Queue changes across API processes, for the display boards: published after commit, streamed as they come.

A change of a site's queue (an arrival, a call, a recall, a step) is published on the site's channel once
its transaction has committed (``QueueEvents.publish``, wired as ``Context.queue_changed``). Litestar's
channels carry it: in this process's memory on the embedded default, through Redis pub/sub when
``BOOKING_EVENTS_URL`` is set, so that a call made on one API process reaches the boards connected to any
other.

Each process keeps one feed per site that displays watch (``BoardFeed``): it takes the changes as they
come, reads the board once for all of those that came together (one read, however many displays are
connected) and hands every display the changes with the board as it now stands. Nothing polls the
database: a read follows a change. A display that cannot keep up is let go; its browser reconnects and
gets the board as it stands, which is also what every stream sends first.

A stream is Server-Sent Events: ``retry:`` (how soon a browser comes back after a drop), then the board,
then one message per burst of changes, and every ``KEEP_ALIVE_S`` a comment and an ``alive`` event, so that
proxies and the display's script know the line is alive. When the server is asked to stop (SIGTERM,
Ctrl-C) the streams end at once, so that a restart never waits on the displays; they come back by themselves.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit

import anyio
import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

from booking.announcements import announcement
from booking.queue import ANNOUNCED, QueueEvent
from booking.settings import Settings

log = logging.getLogger("booking.events")

RETRY_MS = 2000  # a display that lost the stream tries again after this long
KEEP_ALIVE_S = 15.0
LISTENER_BACKLOG = 64  # messages a display may fall behind before it is let go (it reconnects)
REDIS_PAUSE_S = 1.0  # between attempts to reach Redis again after it was lost
RESYNC = b'{"kind":"resync"}'  # not a change: "read the board again" (changes may have been missed)
# A comment for proxies, and an "alive" event a page can see (comments never reach its script): a display
# that hears nothing for a few of these knows its line is dead, even when no socket was closed.
KEEP_ALIVE = b": keep-alive\nevent: alive\ndata: {}\n\n"


class QueueChange(msgspec.Struct, omit_defaults=True):
    """One change as a display receives it: no personal data."""

    kind: str  # arrival, call, recall, start, done, missed, comeback, transfer; "change" when unknown
    ticket: str | None = None
    agency: str | None = None
    counter: str | None = None
    say: str | None = None  # for a call or recall: the sentence to speak (booking.announcements)


def change_of(event: QueueEvent | None) -> QueueChange:
    if event is None:
        return QueueChange(kind="change")
    say = None
    if event.kind in ANNOUNCED and event.counter:
        say = announcement(event.ticket, event.counter).spoken
    return QueueChange(kind=event.kind, ticket=event.ticket, agency=event.agency, counter=event.counter, say=say)


class QueueEvents:
    """The channels plugin, the publisher and the per-site feeds of one API process."""

    def __init__(self, settings: Settings, read_board: Callable[[str], bytes]) -> None:
        self.read_board = read_board  # the site's board as JSON bytes (a database read; runs in a thread)
        if settings.events_url:
            backend = ResilientRedisBackend.from_url(settings.events_url)
            self._prefix = f"antrian:{_redis_database(settings.events_url)}:queue:"
        else:
            backend = MemoryChannelsBackend()
            self._prefix = "queue:"
        self.plugin = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._feeds: dict[str, BoardFeed] = {}
        self._ending = False

    def channel(self, site: str) -> str:
        # Redis pub/sub ignores the database number: the channel carries it, so two deployments sharing a
        # Redis on different databases never hear each other.
        return self._prefix + site

    async def on_startup(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ending = False
        _end_streams_on_exit(self)

    async def on_shutdown(self) -> None:
        self.end_streams()
        for feed in list(self._feeds.values()):
            await feed.stop()
        self._feeds.clear()

    def publish(self, site: str, event: QueueEvent | None = None) -> None:
        """Tell every board of ``site``, in every process, that its queue changed. Call it after the commit.

        Safe from any thread (request handlers run in a thread pool); it never waits and never fails the
        request: a change that cannot be published is logged, and the boards catch up with the next one.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        data = msgspec.json.encode(change_of(event))
        try:
            if _running_loop() is loop:
                self.plugin.publish(data, self.channel(site))
            else:
                loop.call_soon_threadsafe(self._publish_quietly, data, self.channel(site))
        except RuntimeError as problem:  # the loop or the plugin is shutting down
            log.warning("queue change of %s not published: %s", site, problem)

    def _publish_quietly(self, data: bytes, channel: str) -> None:
        try:
            self.plugin.publish(data, channel)
        except RuntimeError as problem:
            log.warning("queue change not published: %s", problem)

    async def stream(self, site: str) -> AsyncIterator[bytes]:
        """The Server-Sent Events of a site's board: ``retry:``, the board now, then each burst of changes."""
        async with self._watching(site) as inbox:
            yield f"retry: {RETRY_MS}\n\n".encode()
            try:
                board = await anyio.to_thread.run_sync(self.read_board, site)
            except Exception:  # noqa: BLE001 - the database away: end the stream, the display comes back later
                log.exception("the board of %s could not be read for a display", site)
                return
            yield _event(b'{"changes":[],"board":' + board + b"}")
            while True:
                try:
                    message = await asyncio.wait_for(inbox.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    yield KEEP_ALIVE
                    continue
                if message is None:  # let go: the server stops, or this display fell behind
                    return
                yield _event(message)

    def end_streams(self) -> None:
        """End every open stream now (the server is stopping); the displays reconnect elsewhere or later."""
        self._ending = True
        for feed in self._feeds.values():
            feed.let_all_go()

    @asynccontextmanager
    async def _watching(self, site: str) -> AsyncIterator[asyncio.Queue[bytes | None]]:
        inbox: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=LISTENER_BACKLOG)
        if self._ending:
            inbox.put_nowait(None)
            yield inbox
            return
        feed = self._feeds.get(site)
        if feed is None:  # kept for the life of the process: a site's feed costs nothing while no board watches
            feed = self._feeds[site] = BoardFeed(site, self.channel(site), self.plugin, self.read_board)
        await feed.started()
        feed.listeners.add(inbox)
        try:
            yield inbox
        finally:
            feed.listeners.discard(inbox)


class BoardFeed:
    """One site's changes in one process: read the board once per burst, hand it to every display."""

    def __init__(self, site: str, channel: str, plugin: ChannelsPlugin, read_board: Callable[[str], bytes]) -> None:
        self.site = site
        self.channel = channel
        self.plugin = plugin
        self.read_board = read_board
        self.listeners: set[asyncio.Queue[bytes | None]] = set()
        self._changes: list[bytes] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._starting: asyncio.Lock = asyncio.Lock()

    async def started(self) -> None:
        async with self._starting:
            if self._task is None:
                subscriber = await self.plugin.subscribe(self.channel)
                self._task = asyncio.create_task(self._run(subscriber), name=f"board-feed-{self.site}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def let_all_go(self) -> None:
        for inbox in list(self.listeners):
            _let_go(inbox)
        self.listeners.clear()

    async def _take(self, data: bytes) -> None:
        self._changes.append(data)
        self._arrived.set()

    async def _run(self, subscriber) -> None:
        try:
            async with subscriber.run_in_background(self._take):
                while True:
                    await self._arrived.wait()
                    self._arrived.clear()
                    changes = [change for change in self._changes if change != RESYNC]
                    self._changes = []
                    if not self.listeners:
                        continue
                    try:
                        board = await anyio.to_thread.run_sync(self.read_board, self.site)
                    except Exception:
                        # The displays keep what they show; let them go, and each reads the board again as
                        # it reconnects (and retries while the database is away).
                        log.exception("the board of %s could not be read after a change", self.site)
                        self.let_all_go()
                        continue
                    message = b'{"changes":[' + b",".join(changes) + b'],"board":' + board + b"}"
                    for inbox in list(self.listeners):
                        try:
                            inbox.put_nowait(message)
                        except asyncio.QueueFull:
                            self.listeners.discard(inbox)
                            _let_go(inbox)
        finally:
            with suppress(Exception):
                await self.plugin.unsubscribe(subscriber, self.channel)


class ResilientRedisBackend(RedisChannelsPubSubBackend):
    """Litestar's Redis pub/sub backend, made to outlive Redis going away for a while.

    A publish that fails is logged and dropped (the request that made the change has committed; the boards
    catch up with the next change). A subscription that breaks is taken up again once Redis answers, and
    every feed is told to read its board again, for the changes published while it was away.
    """

    @classmethod
    def from_url(cls, url: str) -> ResilientRedisBackend:
        from redis.asyncio import Redis

        return cls(redis=Redis.from_url(url, health_check_interval=30, socket_keepalive=True))

    async def publish(self, data: bytes, channels) -> None:
        try:
            await super().publish(data, channels)
        except Exception as problem:  # noqa: BLE001 - Redis away or refusing: the change is not lost, only late
            log.warning("queue change not published to Redis: %s", problem)

    async def stream_events(self):
        while True:
            try:
                async for channel, data in super().stream_events():
                    yield channel, data
            except asyncio.CancelledError:
                raise
            except Exception as problem:  # noqa: BLE001 - Redis went away: wait until it answers, listen again
                log.warning("lost the queue changes' subscription to Redis: %s", problem)
                await self._listen_again()
                log.warning("listening to the queue changes on Redis again")
                for channel in list(self._pub_sub.channels):
                    yield channel.decode() if isinstance(channel, bytes) else channel, RESYNC

    async def _listen_again(self) -> None:
        while True:
            await asyncio.sleep(REDIS_PAUSE_S)
            try:
                channels = list(self._pub_sub.channels)
                if channels:
                    await self._pub_sub.subscribe(*channels)
                else:
                    await self._redis.ping()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001, S112 - still away
                continue


def _event(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"  # JSON has no line breaks: one data line


def _let_go(inbox: asyncio.Queue[bytes | None]) -> None:
    while not inbox.empty():
        inbox.get_nowait()
    inbox.put_nowait(None)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _redis_database(url: str) -> str:
    return urlsplit(url).path.strip("/") or "0"


def _end_streams_on_exit(events: QueueEvents) -> None:
    """Chain onto the server's SIGTERM and SIGINT handlers: end the streams, then let the server stop.

    Uvicorn waits for open responses before it shuts down, and a display's stream never ends by itself.
    Only the main thread may set signal handlers (a server run in a test's thread has none to chain to).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = events._loop
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)
        if not callable(previous) or getattr(previous, "_ends_streams", False):
            continue

        def ending(signum, frame, previous=previous) -> None:
            loop.call_soon_threadsafe(events.end_streams)
            previous(signum, frame)

        ending._ends_streams = True  # type: ignore[attr-defined]
        signal.signal(number, ending)
