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

A node subscribes to `chirp:topic:<topic>` only while it `listen`s to that topic. If Redis goes
away, publishing falls back to this node's own listeners (local delivery keeps working), the
listener loop reconnects with backoff and resubscribes, and errors are logged, never raised to
REST handlers.

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

from chirp.core.ports.bus import ONCE_SECONDS, WATCH_SECONDS, Deliver, Message, position_key

log = logging.getLogger(__name__)

EVENTS = "chirp:events"
INDEX = "chirp:idx:"
CHANNEL = "chirp:topic:"
ONCE = "chirp:once:"
WATCHED = "chirp:watched:"
INDEX_TTL_S = 86_400
# Watches of listened topics are renewed this often (a few times per expiry).
WATCH_RENEW_S = WATCH_SECONDS / 4

_PUBLISH = """
local keep = ARGV[3] == '1'
local once = ARGV[8]
if once ~= '' then
  local first = redis.call('GET', KEYS[3] .. once)
  if first then return first end
end
local id = ''
if keep then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[1], 'p', ARGV[2])
end
if once ~= '' then
  redis.call('SET', KEYS[3] .. once, id, 'EX', ARGV[9])
end
local message = id .. '\\n' .. ARGV[1] .. '\\n' .. ARGV[2]
for topic in string.gmatch(ARGV[11], '[^\\n]+') do
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


# KEYS: the global stream; ARGV: the watch prefix, the expiry, then topics. A watch already
# there is renewed; a new one starts after the last position so far.
_WATCH = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local since = '0-0'
if #last > 0 then since = last[1][1] end
for i = 3, #ARGV do
  local key = ARGV[1] .. ARGV[i]
  if not redis.call('SET', key, since, 'NX', 'EX', ARGV[2]) then
    redis.call('EXPIRE', key, ARGV[2])
  end
end
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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
        self._deliver: Deliver | None = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        # Subscriptions not yet confirmed by Redis: `listen` waits for them, so a replay that
        # follows cannot race past a message published meanwhile.
        self._pending: dict[str, asyncio.Future[None]] = {}

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
        # A private channel keeps the connection in subscribed mode even with no topic listened.
        await pubsub.subscribe("chirp:node-keepalive")
        if self._listened:
            # Redis may have restarted meanwhile (its keys gone): watch them again first.
            await self._watch(list(self._listened))
            await pubsub.subscribe(*(CHANNEL + t for t in self._listened))
        self._pubsub = pubsub

    async def _watch(self, topics: Sequence[str]) -> None:
        for start in range(0, len(topics), 1000):
            chunk = topics[start : start + 1000]
            await self._watch_script(keys=[EVENTS], args=[WATCHED, WATCH_SECONDS, *chunk])

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
        ]
        try:
            position = _text(await self._script(keys=[EVENTS, CHANNEL, ONCE], args=args))
        except (RedisError, OSError) as error:
            # Redis is away: this node's own listeners still get the event (without a position,
            # so a reconnect replays from the last one Redis gave them).
            log.warning("redis publish failed; delivering locally", extra={"error": str(error)})
            listened = self._listened.intersection(topics)
            if self._deliver is not None and listened:
                self._deliver(listened, Message("", event, payload))
            return ""
        return position

    async def listen(self, topic: str) -> None:
        if topic in self._listened:
            return
        self._listened.add(topic)
        if self._pubsub is None:
            return  # the reader watches and subscribes to every listened topic when it reconnects
        try:
            await self._watch([topic])
        except (RedisError, OSError) as error:  # replays of it reset until the reconnect
            log.warning("redis watch failed", extra={"topic": topic, "error": str(error)})
        confirmed = self._pending.setdefault(
            CHANNEL + topic, asyncio.get_running_loop().create_future()
        )
        try:
            await self._pubsub.subscribe(CHANNEL + topic)
            async with asyncio.timeout(2.0):
                await asyncio.shield(confirmed)
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("redis subscribe unconfirmed", extra={"topic": topic, "error": str(error)})
        finally:
            self._pending.pop(CHANNEL + topic, None)

    async def unlisten(self, topic: str) -> None:
        if topic not in self._listened:
            return
        self._listened.discard(topic)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(CHANNEL + topic)

    async def published(self, once: Sequence[str]) -> set[str]:
        if not once:
            return set()
        try:
            found = await self._client.mget([ONCE + key for key in once])
        except (RedisError, OSError) as error:
            # Unknown: the caller publishes, and the script still drops a repeat.
            log.warning("redis once lookup failed", extra={"error": str(error)})
            return set()
        return {key for key, value in zip(once, found, strict=True) if value is not None}

    async def replay(self, topic: str, after: str) -> list[Message] | None:
        after_ms = position_key(after)[0]
        index = INDEX + topic
        try:
            # Topic indexes expire a day after their last message: older positions (and
            # positions from the future, i.e. not ours) reset.
            now_ms = await self._now_ms()
            if after_ms < 0 or not 0 <= now_ms - after_ms <= INDEX_TTL_S * 1000:
                return None
            since = await self._client.get(WATCHED + topic)
            if since is None or position_key(after) < position_key(_text(since)):
                return None  # not kept then: nobody was watching the topic
            entries = await self._client.xrange(index, min=f"({after}", max="+")
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
        except (RedisError, OSError) as error:
            log.warning("redis replay failed", extra={"error": str(error)})
            return None
        out = []
        for entry_id, rows in zip(ids, found, strict=True):
            if not rows:
                return None  # the payload was trimmed from the global history
            fields = {_text(k): _text(v) for k, v in rows[0][1].items()}
            out.append(Message(entry_id, fields["e"], fields["p"]))
        return out

    async def _now_ms(self) -> int:
        seconds, micros = await self._client.time()
        return int(seconds) * 1000 + int(micros) // 1000

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                if self._pubsub is None:
                    await self._connect()
                if backoff > 0.1:
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
            except (RedisError, OSError) as error:
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
            backoff = min(backoff * 2, 5.0)

    def _handle(self, message: dict[str, Any]) -> None:
        topic = _text(message["channel"])[len(CHANNEL) :]
        if topic not in self._listened or self._deliver is None:
            return
        position, event, payload = _text(message["data"]).split("\n", 2)
        # One pub/sub message per topic: the hub encodes a frame once for a run of them.
        self._deliver((topic,), Message(position, event, payload))

    async def reachable(self) -> bool:
        try:
            async with asyncio.timeout(1.0):
                return bool(await self._client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def close(self) -> None:
        for task in (self._reader, self._renewer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._deliver = None
        await self._client.aclose()
