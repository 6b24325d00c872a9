"""Polls in MongoDB: `polls` (counts per option in `votes`, incremented with `$inc`, so
concurrent votes count exactly) and `poll_votes` (`_id` "<poll>:<account>": one ballot each)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from chirp.core.models import Event, Poll
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.storage.mongodb.base import Doc, MongoBase, Session, dt, edge, record_event, ts
from chirp.storage.mongodb.schema import insert_new


def poll_doc(poll: Poll) -> Doc:
    return {
        "_id": poll.id,
        "status_id": poll.status_id,
        "account_id": poll.account_id,
        "options": list(poll.options),
        "votes": list(poll.votes) or [0] * len(poll.options),
        "expires_at": ts(poll.expires_at),
        "multiple": poll.multiple,
        "hide_totals": poll.hide_totals,
        "voters_count": poll.voters_count,
    }


def _poll(doc: Doc) -> Poll:
    return Poll(
        id=doc["_id"],
        status_id=doc["status_id"],
        account_id=doc["account_id"],
        options=tuple(doc["options"]),
        votes=tuple(doc["votes"]),
        expires_at=dt(doc["expires_at"]),
        multiple=doc["multiple"],
        hide_totals=doc["hide_totals"],
        voters_count=doc["voters_count"],
    )


class MongoPolls(MongoBase):
    async def create_poll(self, poll: Poll, *, event: Event) -> None:
        fresh = poll_doc(poll)
        fresh["votes"], fresh["voters_count"] = [0] * len(poll.options), 0

        async def work(session: Session) -> None:
            await self.db.polls.insert_one(fresh, session=session)
            await record_event(self.db, session, event, poll.expires_at)

        await self._transaction(work)

    async def reset_poll(
        self, poll: Poll, *, event: Event, keep_votes: bool = False
    ) -> Poll | None:
        changes: Doc = {
            "expires_at": ts(poll.expires_at),
            "multiple": poll.multiple,
            "hide_totals": poll.hide_totals,
        }
        if not keep_votes:
            changes |= {
                "options": list(poll.options),
                "votes": [0] * len(poll.options),
                "voters_count": 0,
            }

        async def work(session: Session) -> bool:
            result = await self.db.polls.update_one(
                {"_id": poll.id}, {"$set": changes}, session=session
            )
            if result.matched_count == 0:
                return False
            if not keep_votes:
                await self.db.poll_votes.delete_many({"poll_id": poll.id}, session=session)
            await record_event(self.db, session, event, poll.expires_at)
            return True

        return await self.get_poll(poll.id) if await self._transaction(work) else None

    async def remove_poll(self, poll_id: int) -> None:
        async def work(session: Session) -> None:
            await self.db.poll_votes.delete_many({"poll_id": poll_id}, session=session)
            await self.db.polls.delete_one({"_id": poll_id}, session=session)

        await self._transaction(work)

    async def get_poll(self, poll_id: int) -> Poll | None:
        doc = await self.db.polls.find_one({"_id": poll_id})
        return _poll(doc) if doc is not None else None

    async def get_polls_of_statuses(self, status_ids: Iterable[int]) -> dict[int, Poll]:
        ids = list(set(status_ids))
        if not ids:
            return {}
        docs = await self.db.polls.find({"status_id": {"$in": ids}}).to_list(None)
        return {doc["status_id"]: _poll(doc) for doc in docs}

    async def get_own_votes(
        self, account_id: int, poll_ids: Iterable[int]
    ) -> dict[int, tuple[int, ...]]:
        keys = [edge(poll_id, account_id) for poll_id in set(poll_ids)]
        if not keys:
            return {}
        docs = await self.db.poll_votes.find({"_id": {"$in": keys}}).to_list(None)
        return {doc["poll_id"]: tuple(sorted(doc["choices"])) for doc in docs}

    async def add_poll_votes(
        self, poll_id: int, account_id: int, choices: Sequence[int], *, at: datetime, event: Event
    ) -> Poll:
        ballot = {
            "_id": edge(poll_id, account_id),
            "poll_id": poll_id,
            "account_id": account_id,
            "choices": sorted(set(choices)),
            "created_at": ts(at),
        }
        increments = {f"votes.{choice}": 1 for choice in set(choices)}

        async def work(session: Session) -> None:
            if not await insert_new(self.db, "poll_votes", ballot, session):
                raise UniqueViolation("poll_vote")
            counted = await self.db.polls.update_one(
                {"_id": poll_id}, {"$inc": {**increments, "voters_count": 1}}, session=session
            )
            if counted.matched_count == 0:
                raise MissingRecord("poll")
            await record_event(self.db, session, event, at)

        await self._transaction(work)
        poll = await self.get_poll(poll_id)
        if poll is None:
            raise MissingRecord("poll")
        return poll

    async def poll_voter_ids(self, poll_id: int) -> list[int]:
        docs = await self.db.poll_votes.find({"poll_id": poll_id}, {"account_id": 1}).to_list(None)
        return sorted(doc["account_id"] for doc in docs)
