"""Redis bus: pub/sub for live delivery between nodes, Redis Streams for the replay history.

Publishing runs one Lua script, so a message's position (its id in the global stream
`chirp:events`) and its PUBLISH happen atomically and every listener sees positions in order.
Per topic, an index stream (`chirp:idx:<topic>`) holds the positions of that topic's messages under
the *same* ids (so no payload is stored twice); both are capped with `MAXLEN ~`. Redis 7 reports
Each index entry also names the topic's previous position, so replay
knows exactly whether trimming took something the client has not seen: the first entry after
the client's position must point back to at most that position.

Only watched topics are indexed (see `chirp.core.ports.bus`): a node that listens to a topic sets
`chirp:watched:<topic>` (the last global position then: the index is complete after it) with a
`WATCH_SECONDS` expiry, and renews it while it listens. For a tweet to 1,000 followers, mostly
offline, the script then does two cheap calls per follower instead of four, two of them stream
writes (two workers posting had Redis at 100% of a core on those). The topics go to the script
as one argument, a line each: redis-py frames each argument in Python, and a thousand of them
cost a worker more than posting the tweet did.

A node subscribes to `chirp:topic:<topic>` only while it `listen`s to that topic.

Positions are `<epoch>-<sequence>` (stream ids given as `<epoch>-*`): the epoch (`chirp:epoch`)
is the Redis time when the dataset's history began, set by whichever script finds it missing. A
Redis restarted empty begins a new epoch, so positions handed out before reset on replay instead
of passing for a history that is simply empty.

If Redis goes away, `publish` raises `BusUnavailable` (delivering to this node's own sockets
only would leave other nodes' sockets silently behind), and the listener loop reconnects with
backoff. Before it hands on anything new, it re-watches and resubscribes every listened topic,
then replays each from the last position it delivered there (or since it listened), so sockets
get what was published while the link was down; topics whose history cannot say (another epoch,
trimmed, not watched) get a `RESET` message instead. Errors are logged, never raised to REST
handlers.

One Redis (or a primary with replicas) is assumed: the script touches keys it is not given, which
Redis Cluster would reject.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chirp.core.ports.bus import (
    ONCE_SECONDS,
    RESET,
    WATCH_SECONDS,
    BusUnavailable,
    Deliver,
    Message,
    position_key,
)

log = logging.getLogger(__name__)

EVENTS = "chirp:events"
INDEX = "chirp:idx:"
CHANNEL = "chirp:topic:"
ONCE = "chirp:once:"
WATCHED = "chirp:watched:"
EPOCH = "chirp:epoch"
INDEX_TTL_S = 86_400
# Watches of listened topics are renewed this often (a few times per expiry).
WATCH_RENEW_S = WATCH_SECONDS / 4
# For this long after Redis came back empty, every topic is indexed (longer than a node's
# reconnection takes: its backoff tops out at `RECONNECT_MAX_S`).
YOUNG_EPOCH_S = 10.0
RECONNECT_MAX_S = 2.0
# A reconnect whose resubscriptions are not all confirmed by then is dropped and tried again.
RESUBSCRIBE_TIMEOUT_S = 10.0

# The current epoch, begun now if there is none (after any id the events stream holds, so new
# ids stay above old ones). `ARGV`-free: spliced into both scripts, with KEYS[1] the events
# stream and KEYS[4] the epoch key.
_EPOCH = """
local epoch = redis.call('GET', KEYS[4])
if not epoch then
  local t = redis.call('TIME')
  epoch = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
  local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #newest > 0 then
    local ms = string.match(newest[1][1], '^(%d+)-')
    if #ms > #epoch or (#ms == #epoch and ms >= epoch) then
      epoch = string.format('%.0f', tonumber(ms) + 1)
    end
  end
  redis.call('SET', KEYS[4], epoch)
  -- Its first entry, `<epoch>-0`, is nobody's message: positions "before anything" (a watch
  -- begun on an empty history) are below every message's.
  redis.call('XADD', KEYS[1], epoch .. '-0', 'e', '', 'p', '', 'o', '')
end
"""

_PUBLISH = (
    _EPOCH
    + """
local keep = ARGV[3] == '1'
local once = ARGV[8]
if once ~= '' then
  local first = redis.call('GET', KEYS[3] .. once)
  if first then return first end
end
local id = ''
if keep then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], epoch .. '-*',
    'e', ARGV[1], 'p', ARGV[2], 'o', once)
end
if once ~= '' then
  redis.call('SET', KEYS[3] .. once, id, 'EX', ARGV[9])
end
local message = id .. '\\n' .. once .. '\\n' .. ARGV[1] .. '\\n' .. ARGV[2]
-- A young epoch (Redis came back empty moments ago) indexes every topic, watched or not,
-- until the nodes have had time to reconnect and watch theirs again: what they missed since
-- the epoch began is then in the history (see `_catch_up`).
local young = false
if keep then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  young = now - tonumber(epoch) < tonumber(ARGV[12])
end
for topic in string.gmatch(ARGV[11], '[^\\n]+') do
  if young then
    redis.call('SET', ARGV[10] .. topic, epoch .. '-0', 'NX', 'EX', ARGV[13])
  end
  if keep and redis.call('EXISTS', ARGV[10] .. topic) == 1 then
    local index = ARGV[6] .. topic
    local last = redis.call('XREVRANGE', index, '+', '-', 'COUNT', 1)
    local prev = '0-0'
    if #last > 0 then prev = last[1][1] end
    redis.call('XADD', index, 'MAXLEN', '~', ARGV[5], id, 'prev', prev)
    redis.call('EXPIRE', index, ARGV[7])
  end
  redis.call('PUBLISH', KEYS[2] .. topic, message)
end
return id
"""
)


# KEYS: the global stream, -, -, the epoch; ARGV: the watch prefix, the expiry, then topics. A
# watch already there is renewed; a new one starts after the last position so far, which is
# returned.
_WATCH = (
    _EPOCH
    + """
local since = epoch .. '-0'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then since = last[1][1] end
for i = 3, #ARGV do
  local key = ARGV[1] .. ARGV[i]
  if not redis.call('SET', key, since, 'NX', 'EX', ARGV[2]) then
    redis.call('EXPIRE', key, ARGV[2])
  end
end
return since
"""
)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _confirmed(pubsub: Any, channels: int) -> list[dict[str, Any]]:
    """Wait until Redis confirmed `channels` subscriptions; returns the messages read meanwhile."""
    early: list[dict[str, Any]] = []
    async with asyncio.timeout(RESUBSCRIBE_TIMEOUT_S):
        while channels > 0:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            if message["type"] == "subscribe":
                channels -= 1
            else:
                early.append(message)
    return early


class RedisBus:
    def __init__(self, url: str, *, history: int = 100_000, per_topic: int = 500) -> None:
        self._client = aioredis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
        )
        self._history = history
        self._per_topic = per_topic
        self._script = self._client.register_script(_PUBLISH)
        self._watch_script = self._client.register_script(_WATCH)
        self._renewer: asyncio.Task[None] | None = None
        self._listened: set[str] = set()
        # Per listened topic, the last position this node handed on (or the bus's position when
        # it began listening); None: listened while Redis was away, so what it missed is unknown.
        self._last: dict[str, str | None] = {}
        self._deliver: Deliver | None = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        # Publishes queued for the sender (`_send`), with what each publisher waits on.
        self._outgoing: list[tuple[list[Any], asyncio.Future[Any]]] = []
        self._sender: asyncio.Task[None] | None = None
        # Subscriptions not yet confirmed by Redis: `listen` waits for them, so a replay that
        # follows cannot race past a message published meanwhile.
        self._pending: dict[str, asyncio.Future[None]] = {}
        # Topics `listen` is catching up (see there), with their channel's messages meanwhile.
        self._held: dict[str, list[Message]] = {}
        self.reconnects = 0

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        try:
            await self._connect()
        except (RedisError, OSError) as error:
            log.warning("redis bus unavailable at start; retrying", extra={"error": str(error)})
        self._reader = asyncio.create_task(self._read_forever(), name="chirp-redis-bus")
        self._renewer = asyncio.create_task(self._renew_watches(), name="chirp-redis-watches")

    async def _connect(self) -> None:
        pubsub = self._client.pubsub()
        try:
            # A private channel keeps the connection in subscribed mode even with no topic.
            await pubsub.subscribe("chirp:node-keepalive")
            early: list[dict[str, Any]] = []
            topics = list(self._listened)
            if topics:
                # Redis may have restarted meanwhile (its keys gone): watch them again first.
                now = await self._watch(topics)
                await pubsub.subscribe(*(CHANNEL + t for t in topics))
                early = await _confirmed(pubsub, len(topics) + 1)
                await self._catch_up(topics, now)
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            raise
        self._pubsub = pubsub
        for message in early:  # published after the resubscription: after the catch-up
            if message["type"] == "message":
                self._handle(message)

    async def _catch_up(self, topics: list[str], now: str) -> None:
        """Hand on what each topic got while this node was not subscribed. A topic whose last
        position is of an earlier epoch (Redis came back empty) or unknown gets `RESET` (what
        was in flight when the link broke is lost), then what the new epoch holds for it, when
        its history is whole since the epoch began (a young epoch indexes every topic)."""
        epoch = _text(await self._client.get(EPOCH) or b"")
        lost: list[str] = []
        fresh: dict[str, list[Message]] = {}

        async def one(topic: str) -> None:
            last = self._last.get(topic)
            if last is not None and last.partition("-")[0] == epoch:
                missed = await self._replay(topic, last)
                if missed is not None:
                    for message in missed:
                        self._hand_on((topic,), message)
                    return
                lost.append(topic)
                return
            lost.append(topic)
            since_epoch = await self._replay(topic, f"{epoch}-0")
            if since_epoch is not None:
                fresh[topic] = since_epoch

        for start in range(0, len(topics), 64):
            await asyncio.gather(*(one(t) for t in topics[start : start + 64]))
        if not lost:
            return
        log.warning(
            "redis history lost for listened topics",
            extra={"topics": len(lost), "replayed_since_epoch": len(fresh)},
        )
        for topic in lost:
            self._last[topic] = f"{epoch}-0" if topic in fresh else now
        if self._deliver is not None:
            self._deliver(lost, Message("", RESET, "{}"))
        for topic, messages in fresh.items():
            for message in messages:
                self._hand_on((topic,), message)

    async def _watch(self, topics: Sequence[str]) -> str:
        """Watch `topics`; returns the bus's position now (their history is complete after)."""
        now = ""
        for start in range(0, len(topics), 1000):
            chunk = topics[start : start + 1000]
            now = _text(
                await self._watch_script(
                    keys=[EVENTS, CHANNEL, ONCE, EPOCH], args=[WATCHED, WATCH_SECONDS, *chunk]
                )
            )
        return now

    async def _renew_watches(self) -> None:
        while True:
            await asyncio.sleep(WATCH_RENEW_S)
            try:
                await self._watch(list(self._listened))
            except (RedisError, OSError) as error:
                log.warning("redis watch renewal failed", extra={"error": str(error)})

    async def publish(
        self,
        topics: Sequence[str],
        event: str,
        payload: str,
        *,
        keep: bool = True,
        once: str | None = None,
    ) -> str:
        if not topics:
            return ""
        # One argument, a line a topic (see the module docstring).
        joined = "\n".join(topics)
        if joined.count("\n") != len(topics) - 1 or "" in topics:
            raise ValueError("bus topics must be non-empty and hold no line break")
        if once is not None and ("\n" in once or not once):
            raise ValueError("a once key must be non-empty and hold no line break")
        args = [
            event,
            payload,
            "1" if keep else "0",
            self._history,
            self._per_topic,
            INDEX,
            INDEX_TTL_S,
            once or "",
            ONCE_SECONDS,
            WATCHED,
            joined,
            int(YOUNG_EPOCH_S * 1000),
            int(YOUNG_EPOCH_S * 6),
        ]
        sent = asyncio.get_running_loop().create_future()
        self._outgoing.append((args, sent))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="chirp-redis-publish")
        return _text(await sent)

    async def _send(self) -> None:
        """Send what `publish` queued, in order, the messages queued meanwhile in one pipeline:
        one round trip for a batch's pushes (they were one each, and the dispatcher waited on
        every one), and one connection, so Redis runs them in the order they were published."""
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for args, _ in batch:
                        await self._script(
                            keys=[EVENTS, CHANNEL, ONCE, EPOCH], args=args, client=pipe
                        )
                    results = await pipe.execute(raise_on_error=False)
            except (RedisError, OSError) as error:
                results = [error] * len(batch)
            except BaseException as error:  # cancelled (closing): nobody waits in vain
                for _, sent in batch:
                    if not sent.done():
                        sent.set_exception(BusUnavailable(repr(error)))
                raise
            for (_, sent), result in zip(batch, results, strict=True):
                if sent.done():  # its publisher was cancelled
                    continue
                if isinstance(result, (RedisError, OSError)):
                    sent.set_exception(BusUnavailable(str(result)))
                elif isinstance(result, BaseException):
                    sent.set_exception(result)
                else:
                    sent.set_result(result)

    async def listen(self, topic: str) -> None:
        if topic in self._listened:
            return
        self._listened.add(topic)
        self._last[topic] = None
        if self._pubsub is None:
            return  # the reader watches and subscribes to every listened topic when it reconnects
        try:
            self._last[topic] = await self._watch([topic])
        except (RedisError, OSError) as error:  # replays of it reset until the reconnect
            log.warning("redis watch failed", extra={"topic": topic, "error": str(error)})
        confirmed = self._pending.setdefault(
            CHANNEL + topic, asyncio.get_running_loop().create_future()
        )
        # What is published after the watch began but before the subscription takes is in the
        # topic's history, not on its channel: replayed once the subscription is confirmed,
        # with the channel's messages held meanwhile (they would pass the replayed ones).
        held = self._held.setdefault(topic, [])
        try:
            await self._pubsub.subscribe(CHANNEL + topic)
            async with asyncio.timeout(2.0):
                await asyncio.shield(confirmed)
            since = self._last.get(topic)
            # Usually nothing came in between: one look at the topic's index says so.
            if since is not None and await self._client.xrange(
                INDEX + topic, min=f"({since}", max="+", count=1
            ):
                for message in await self._replay(topic, since) or ():
                    self._hand_on((topic,), message)
        except (RedisError, OSError, TimeoutError, AttributeError) as error:
            # AttributeError: the reader dropped the link meanwhile (it resubscribes)
            log.warning("redis subscribe unconfirmed", extra={"topic": topic, "error": str(error)})
        finally:
            self._pending.pop(CHANNEL + topic, None)
            if self._held.get(topic) is held:
                del self._held[topic]
            if topic in self._listened:
                for message in held:
                    self._hand_on((topic,), message)

    async def unlisten(self, topic: str) -> None:
        if topic not in self._listened:
            return
        self._listened.discard(topic)
        self._last.pop(topic, None)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(CHANNEL + topic)

    async def replay(self, topic: str, after: str) -> list[Message] | None:
        try:
            return await self._replay(topic, after)
        except (RedisError, OSError) as error:
            log.warning("redis replay failed", extra={"error": str(error)})
            return None

    async def _replay(self, topic: str, after: str) -> list[Message] | None:
        if position_key(after)[0] < 0:
            return None
        epoch, since = await self._client.mget([EPOCH, WATCHED + topic])
        if epoch is None or after.partition("-")[0] != _text(epoch):
            return None  # from another life of the history (Redis restarted empty), or not ours
        if since is None or position_key(after) < position_key(_text(since)):
            return None  # not kept then: nobody was watching the topic
        entries = await self._client.xrange(INDEX + topic, min=f"({after}", max="+")
        if not entries:
            return []
        previous = _text((entries[0][1] or {}).get(b"prev", b"0-0"))
        if position_key(previous) > position_key(after):
            return None  # the topic had a message after `after` that has been trimmed
        ids = [_text(entry_id) for entry_id, _ in entries]
        async with self._client.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xrange(EVENTS, min=entry_id, max=entry_id)
            found = await pipe.execute()
        out = []
        for entry_id, rows in zip(ids, found, strict=True):
            if not rows:
                return None  # the payload was trimmed from the global history
            fields = {_text(k): _text(v) for k, v in rows[0][1].items()}
            out.append(Message(entry_id, fields["e"], fields["p"], fields.get("o", "")))
        return out

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                if self._pubsub is None:
                    await self._connect()
                    if backoff > 0.1:
                        self.reconnects += 1
                        log.info("redis bus reconnected", extra={"topics": len(self._listened)})
                backoff = 0.1
                while True:
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "message":
                        self._handle(message)
                    elif message["type"] == "subscribe":
                        waiting = self._pending.get(_text(message["channel"]))
                        if waiting is not None and not waiting.done():
                            waiting.set_result(None)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as error:
                log.warning(
                    "redis bus disconnected; retrying",
                    extra={"error": str(error), "retry_in_s": backoff},
                )
            finally:
                pubsub, self._pubsub = self._pubsub, None
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, RECONNECT_MAX_S)

    def _handle(self, message: dict[str, Any]) -> None:
        topic = _text(message["channel"])[len(CHANNEL) :]
        if topic not in self._listened:
            return
        position, once, event, payload = _text(message["data"]).split("\n", 3)
        held = self._held.get(topic)
        if held is not None:  # `listen` is catching the topic up
            held.append(Message(position, event, payload, once))
            return
        # One pub/sub message per topic: the hub encodes a frame once for a run of them.
        self._hand_on((topic,), Message(position, event, payload, once))

    def _hand_on(self, topics: tuple[str], message: Message) -> None:
        if message.position:
            last = self._last.get(topics[0])
            if last is not None and position_key(message.position) <= position_key(last):
                return  # replayed by the catch-up already
            self._last[topics[0]] = message.position
        if self._deliver is not None:
            self._deliver(topics, message)

    async def reachable(self) -> bool:
        try:
            async with asyncio.timeout(1.0):
                return bool(await self._client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def close(self) -> None:
        for task in (self._reader, self._renewer, self._sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._deliver = None
        await self._client.aclose()
