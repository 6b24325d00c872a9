"""Home timelines with accounts too big to fan out (`feeds.read_home`): their tweets are
pulled at read time and kept by the audience rule for the reader, and pages stay whole and
in order however many of a big account's tweets the reader does not get."""

from __future__ import annotations

from dataclasses import replace

from chirp.core import feeds
from chirp.core.audience import Reader
from chirp.core.context import Context
from chirp.core.models import AccountMute, Page, Status, UserList
from tests.storage.factories import fan_out, follow, ids, make_account, now, post


def pulling(ctx: Context) -> Context:
    return replace(ctx, settings=ctx.settings.model_copy(update={"fanout_follower_threshold": 2}))


async def read_all(ctx: Context, owner_id: int, limit: int) -> list[int]:
    """Every page, walking back by `max_id` as a client follows the Link header."""
    found: list[int] = []
    page = Page(limit=limit)
    while ids := await feeds.read_home(ctx, owner_id, page):
        assert len(ids) == limit or not await feeds.read_home(
            ctx, owner_id, replace(page, max_id=ids[-1])
        )
        found += ids
        page = Page(limit=limit, max_id=ids[-1])
    return found


async def test_pages_skip_what_the_reader_does_not_get(ctx: Context) -> None:
    ctx = pulling(ctx)
    reader, other_fan, star, friend, stranger = [await make_account(ctx.store) for _ in range(5)]
    for fan in (reader, other_fan):
        await follow(ctx.store, fan, star)
    await follow(ctx.store, reader, friend)
    strangers_tweet = await post(ctx.store, stranger, "hi")
    expected: list[Status] = []
    for round_ in range(30):
        # Mostly replies to a stranger (the reader does not get them), now and then a tweet.
        for _ in range(9):
            await post(ctx.store, star, "re", reply_to=strangers_tweet)
        expected.append(await post(ctx.store, star, f"news {round_}"))
        if round_ % 7 == 0:
            mine = await post(ctx.store, friend, "friend")
            await fan_out(ctx.store, mine)
            expected.append(mine)
    wanted = sorted((s.id for s in expected), reverse=True)

    assert await read_all(ctx, reader.id, 4) == wanted
    assert await read_all(ctx, reader.id, 40) == wanted
    # Walking forward from the oldest, as a client catching up with `min_id`.
    oldest = wanted[-1]
    newer = await feeds.read_home(ctx, reader.id, Page(limit=3, min_id=oldest))
    assert newer == wanted[-4:-1]
    since = await feeds.read_home(ctx, reader.id, Page(limit=3, since_id=oldest))
    assert since == wanted[:3]


async def test_retweets_of_muted_accounts_stay_out(ctx: Context) -> None:
    ctx = pulling(ctx)
    reader, other_fan, star, muted = [await make_account(ctx.store) for _ in range(4)]
    for fan in (reader, other_fan):
        await follow(ctx.store, fan, star)
    original = await post(ctx.store, muted, "original")
    retweet = await post(ctx.store, star, reblog_of=original)
    kept = await post(ctx.store, star, "kept")
    assert await feeds.read_home(ctx, reader.id, Page()) == [kept.id, retweet.id]
    await ctx.store.save_mute(AccountMute(ids.next_id(), reader.id, muted.id, True, now()))
    assert await feeds.read_home(ctx, reader.id, Page()) == [kept.id]


async def test_an_account_met_as_replied_to_keeps_its_exclusive_list(ctx: Context) -> None:
    """The pull's rounds share one `Reader`: an account first seen as a reply's addressee, then
    as an author, still has its tweets kept out by the reader's exclusive list holding it."""
    reader, star, listed = [await make_account(ctx.store) for _ in range(3)]
    for whom in (star, listed):
        await follow(ctx.store, reader, whom)
    exclusive = UserList(ids.next_id(), reader.id, "close", "list", exclusive=True)
    await ctx.store.create_list(exclusive)
    await ctx.store.add_list_members(exclusive.id, [(ids.next_id(), listed.id)], now())
    theirs = await post(ctx.store, listed, "in the list")
    answer = await post(ctx.store, star, "re", reply_to=theirs)
    pulled = Reader(ctx, reader.id)
    assert await pulled.reached_by([answer]) == [answer]
    assert await pulled.reached_by([theirs]) == []
    assert await Reader(ctx, reader.id).reached_by([theirs]) == []
