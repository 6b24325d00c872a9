"""Build domain records for conformance tests (through the port only)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Protocol

from chirp.core.audience import audience
from chirp.core.context import Context
from chirp.core.ids import SnowflakeGenerator
from chirp.core.models import (
    Account,
    AccountBlock,
    AccountMute,
    App,
    Credentials,
    Event,
    Follow,
    Page,
    Status,
    Token,
    UserList,
)
from chirp.core.ports.timelines import FanOut
from chirp.core.secrets import Passwords
from chirp.storage import Store
from tests.helpers import make_settings

ids = SnowflakeGenerator(7)
_n = itertools.count()


def now() -> datetime:
    return datetime.now(UTC)


def event(kind: str = "test", **payload: int) -> Event:
    return Event(id=ids.next_id(), kind=kind, payload=dict(payload))


async def make_app(store: Store) -> App:
    app = App(
        id=ids.next_id(),
        name="app",
        website=None,
        redirect_uris=("urn:ietf:wg:oauth:2.0:oob",),
        scopes=("read", "write"),
        client_id=f"client-{next(_n)}",
        client_secret_digest="0" * 64,
        created_at=now(),
    )
    await store.create_app(app)
    return app


async def make_account(
    store: Store, username: str | None = None, display_name: str = ""
) -> Account:
    username = username or f"user{next(_n)}"
    account = Account(
        id=ids.next_id(), username=username, display_name=display_name, note="", created_at=now()
    )
    await store.create_account(
        account,
        Credentials(account.id, f"{username}@example.com", "$argon2id$fake", created_at=now()),
    )
    if display_name:
        updated = await store.update_account_profile(
            account.id, updated_at=now(), display_name=display_name
        )
        assert updated is not None
        return updated
    return account


def make_token(
    app: App, account: Account | None, *, refresh: str | None = None, ttl: int | None = None
) -> Token:
    created = now()
    return Token(
        id=ids.next_id(),
        digest=f"digest-{next(_n)}",
        app_id=app.id,
        account_id=account.id if account else None,
        scopes=("read",),
        created_at=created,
        expires_at=created + timedelta(seconds=ttl) if ttl else None,
        refresh_digest=refresh,
    )


async def post(
    store: Store,
    author: Account,
    text: str = "hello",
    *,
    visibility: str = "public",
    reply_to: Status | None = None,
    reblog_of: Status | None = None,
    quote_of: Status | None = None,
    mentions: tuple[int, ...] = (),
    tags: tuple[str, ...] = (),
    key: str | None = None,
    language: str | None = None,
) -> Status:
    status = Status(
        id=ids.next_id(),
        account_id=author.id,
        visibility=visibility,
        created_at=now(),
        text="" if reblog_of else text,
        content="" if reblog_of else f"<p>{text}</p>",
        in_reply_to_id=reply_to.id if reply_to else None,
        in_reply_to_account_id=reply_to.account_id if reply_to else None,
        reblog_of_id=reblog_of.id if reblog_of else None,
        quote_of_id=quote_of.id if quote_of else None,
        mention_ids=mentions,
        tags=tags,
        language=language,
    )
    status = replace(
        status,
        conversation_id=(reply_to.conversation_id or reply_to.id) if reply_to else status.id,
    )
    return await store.create_status(
        status,
        event=event("status.created", status_id=status.id),
        idempotency_key=key,
        idempotency_since=now() - timedelta(hours=1),
    )


async def follow(store: Store, who: Account, whom: Account) -> None:
    assert await store.add_follow(
        Follow(id=ids.next_id(), account_id=who.id, target_account_id=whom.id, created_at=now()),
        event=event("follow.created"),
    )


def rule_context(store: Store) -> Context:
    """A context over `store` for the core's rules (`core.audience`) in storage tests."""
    return Context(
        make_settings(),
        store,
        SnowflakeGenerator(1),
        Passwords(time_cost=1, memory_kib=8, parallelism=1),
    )


async def fan_out(store: Store, status: Status) -> list[int]:
    """Push `status` into the home feeds the audience rule (`core.audience`) gives it: what the
    dispatcher does for a new tweet. Returns the feeds it reached."""
    reached = await audience(rule_context(store), status)
    return await store.fan_out(status, owner_ids=reached.feed_ids)


async def planned(store: Store, status: Status) -> FanOut:
    """The fan-out of `status` by the audience rule (`feeds.plan_fan_out` without lists)."""
    reached = await audience(rule_context(store), status)
    return FanOut(status, reached.feed_ids)


class RangedFollowers(NamedTuple):
    author: Account
    friend: Account
    followers: list[Account]
    tweet: Status


async def ten_followers_two_with_a_friend(store: Store) -> RangedFollowers:
    """An author's tweet and its ten followers, the first and the sixth of whom also follow
    `friend`: a fan-out written in ranges of followers must keep the reply rule in each."""
    author, friend = await make_account(store), await make_account(store)
    followers = [await make_account(store) for _ in range(10)]
    for follower in followers:
        await follow(store, follower, author)
    await follow(store, followers[0], friend)
    await follow(store, followers[5], friend)
    return RangedFollowers(author, friend, followers, await post(store, author))


async def check_ranges_keep_the_reply_rule(store: Store, given: RangedFollowers) -> None:
    """Every follower got the tweet; a reply to `friend` reaches, in every range, only the
    followers who follow `friend` too; the tweet's fan-out again writes nothing."""
    for follower in given.followers:
        assert await store.home_timeline(follower.id, Page()) == [given.tweet.id]
    reply = await post(store, given.author, reply_to=await post(store, given.friend))
    followers = given.followers
    assert sorted(await fan_out(store, reply)) == sorted([followers[0].id, followers[5].id])
    assert await fan_out(store, given.tweet) == []  # idempotent


Pair = tuple[int, int]


class ListSpec(Protocol):
    """A generated list: its owner and members (indexes into the people), policy, exclusivity."""

    @property
    def owner(self) -> int: ...
    @property
    def members(self) -> frozenset[int]: ...
    @property
    def policy(self) -> str: ...
    @property
    def exclusive(self) -> bool: ...


async def make_graph(
    store: Store,
    size: int,
    *,
    follows: Iterable[Pair] = (),
    blocks: Iterable[Pair] = (),
    mutes: Iterable[Pair] = (),
) -> list[Account]:
    """`size` new accounts and the follows, blocks and mutes between them (pairs of indexes)."""
    people = [await make_account(store) for _ in range(size)]
    for who, whom in follows:
        await follow(store, people[who], people[whom])
    for who, whom in blocks:
        await store.add_block(AccountBlock(ids.next_id(), people[who].id, people[whom].id, now()))
    for who, whom in mutes:
        await store.save_mute(
            AccountMute(ids.next_id(), people[who].id, people[whom].id, True, now())
        )
    return people


async def make_lists(
    store: Store, people: list[Account], specs: Iterable[ListSpec]
) -> list[UserList]:
    """The lists `specs` describe, each member added (a list holds its owner and accounts the
    owner follows)."""
    made = []
    for spec in specs:
        user_list = UserList(ids.next_id(), people[spec.owner].id, "l", spec.policy, spec.exclusive)
        await store.create_list(user_list)
        members = [(ids.next_id(), people[m].id) for m in spec.members]
        assert await store.add_list_members(user_list.id, members, now()) == len(members)
        made.append(user_list)
    return made
