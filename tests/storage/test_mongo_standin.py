"""The MongoDB stand-in itself (tests/storage/mongo_standin.py): the server behaviours it
imitates for the backend's tests must hold, or the conformance suite on it proves nothing."""

from __future__ import annotations

import pytest

from tests.storage.mongo_standin import StandInClient


async def test_standin_transaction_is_all_or_nothing() -> None:
    client = StandInClient()
    db = client["t"]
    await db.things.insert_one({"_id": 1, "n": 0})

    async def fails(session: object) -> None:
        await db.things.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=session)
        await db.others.insert_one({"_id": 2}, session=session)
        raise RuntimeError("abort")

    async with client.start_session() as session:
        with pytest.raises(RuntimeError):
            await session.with_transaction(fails)
        assert await db.things.find_one({"_id": 1}) == {"_id": 1, "n": 0}
        assert await db.others.count_documents({}) == 0

        async def succeeds(session: object) -> int:
            await db.things.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=session)
            return 7

        assert await session.with_transaction(succeeds) == 7
    assert (await db.things.find_one({"_id": 1}))["n"] == 1


async def test_standin_text_search_needs_every_word_whole_and_ranks_by_matches() -> None:
    db = StandInClient()["t"]
    await db.s.insert_many(
        [
            {"_id": 1, "text": "Café au lait", "v": "a"},
            {"_id": 2, "text": "cafe cafe LAIT", "v": "a"},
            {"_id": 3, "text": "cafeteria lait", "v": "a"},
            {"_id": 4, "text": "cafe lait", "v": "b"},
        ]
    )
    score = {"$meta": "textScore"}
    found = await db.s.find(
        {"$text": {"$search": '"cafe" "lait"'}, "v": "a"},
        {"_id": 1, "score": score},
        sort=[("score", score), ("_id", -1)],
    ).to_list(None)
    assert found == [{"_id": 2, "score": 3}, {"_id": 1, "score": 2}]
    paged = await db.s.find(
        {"$text": {"$search": '"lait"'}}, {"_id": 1}, sort=[("_id", -1)], skip=1, limit=2
    ).to_list(None)
    assert paged == [{"_id": 3}, {"_id": 2}]


async def test_standin_answers_hello_for_its_topology_and_records_shard_commands() -> None:
    for topology, expected in (
        ("replicaset", {"setName": "rs0"}),
        ("sharded", {"msg": "isdbgrid"}),
        ("standalone", {}),
    ):
        client = StandInClient(topology)
        hello = await client.admin.command("hello")
        assert {k: hello[k] for k in ("setName", "msg") if k in hello} == expected
    with pytest.raises(NotImplementedError):
        await StandInClient("replicaset").admin.command({"enableSharding": "x"})
    sharded = StandInClient("sharded")
    await sharded.admin.command({"enableSharding": "x"})
    assert sharded.admin_commands == [{"enableSharding": "x"}]
