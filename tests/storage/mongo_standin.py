"""An in-process stand-in for a MongoDB server, for CI machines that cannot run one.

No MongoDB server can be installed here, so the MongoDB backend's tests run its real code
against mongomock (an in-memory imitation of pymongo's synchronous API) through this one small
adapter, which presents the part of PyMongo's async API (`AsyncMongoClient`, `AsyncDatabase`,
`AsyncCollection`, `AsyncClientSession`) that `chirp.storage.mongodb` uses. Where mongomock
has no equivalent, the adapter imitates the server, and only a real server (set
`CHIRP_TEST_MONGODB_URL`) checks the real behaviour:

- transactions: `with_transaction` snapshots the database and restores it if the callback
  raises (all-or-nothing, like a real abort); each callback runs without yielding to the event
  loop, so transactions never interleave. Write conflicts between concurrent transactions,
  `TransientTransactionError` retries, snapshot read concern and `w="majority"` commit are
  real-server only.
- `$text`: every quoted phrase must occur as a whole word, case- and diacritic-insensitively;
  the score is the number of matching words (the server's text-index scoring is not imitated).
- `hello` and sharding commands: the topology is what the test says (`replicaset`,
  `standalone` or `sharded`); on `sharded`, admin commands are recorded, not executed.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import mongomock
from pymongo import IndexModel

_WORD = re.compile(r"\w+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class StandInCursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self._docs = docs

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        return self._docs if length is None else self._docs[:length]


class StandInCollection:
    def __init__(self, collection: mongomock.Collection) -> None:
        self._c = collection

    async def insert_one(self, doc: Any, session: Any = None) -> Any:
        return self._c.insert_one(doc)

    async def insert_many(self, docs: Any, ordered: bool = True, session: Any = None) -> Any:
        return self._c.insert_many(docs, ordered=ordered)

    async def find_one(
        self, filter: Any = None, projection: Any = None, session: Any = None, **kwargs: Any
    ) -> Any:
        docs = await self.find(filter, projection, limit=1, **kwargs).to_list(None)
        return docs[0] if docs else None

    def find(
        self,
        filter: Any = None,
        projection: Any = None,
        *,
        sort: Any = None,
        skip: int = 0,
        limit: int = 0,
        session: Any = None,
    ) -> StandInCursor:
        filter = dict(filter or {})
        text = filter.pop("$text", None)
        if text is None:
            return StandInCursor(
                list(self._c.find(filter, projection, sort=sort, skip=skip, limit=limit))
            )
        # `$text`: match in Python over what the rest of the filter selects, then sort by the
        # imitated score and the remaining keys, then skip/limit.
        phrases = [_fold(p) for p in re.findall(r'"([^"]*)"', text["$search"])]
        scored = []
        for doc in self._c.find(filter):
            words = _WORD.findall(_fold(doc.get("text", "")))
            if all(p in words for p in phrases):
                scored.append((sum(words.count(p) for p in phrases), doc))
        for key, direction in reversed(sort or []):
            if isinstance(direction, dict):  # {"$meta": "textScore"}: best first
                scored.sort(key=lambda pair: pair[0], reverse=True)
            else:
                scored.sort(key=lambda pair, k=key: pair[1][k], reverse=direction == -1)
        picked = scored[skip : skip + limit] if limit else scored[skip:]
        wanted = {k for k, v in (projection or {}).items() if not isinstance(v, dict)}
        results = []
        for score, doc in picked:
            shown = {k: v for k, v in doc.items() if not wanted or k in wanted or k == "_id"}
            for key, value in (projection or {}).items():
                if isinstance(value, dict):
                    shown[key] = score
            results.append(shown)
        return StandInCursor(results)

    async def update_one(
        self, filter: Any, update: Any, upsert: bool = False, session: Any = None
    ) -> Any:
        return self._c.update_one(filter, update, upsert=upsert)

    async def update_many(self, filter: Any, update: Any, session: Any = None) -> Any:
        return self._c.update_many(filter, update)

    async def find_one_and_update(
        self,
        filter: Any,
        update: Any,
        *,
        return_document: Any = False,
        session: Any = None,
        **kw: Any,
    ) -> Any:
        return self._c.find_one_and_update(filter, update, return_document=return_document, **kw)

    async def find_one_and_delete(self, filter: Any, session: Any = None) -> Any:
        return self._c.find_one_and_delete(filter)

    async def delete_one(self, filter: Any, session: Any = None) -> Any:
        return self._c.delete_one(filter)

    async def delete_many(self, filter: Any, session: Any = None) -> Any:
        return self._c.delete_many(filter)

    async def count_documents(self, filter: Any, session: Any = None) -> int:
        return int(self._c.count_documents(filter))

    async def aggregate(self, pipeline: Any, session: Any = None) -> StandInCursor:
        return StandInCursor(list(self._c.aggregate(pipeline)))

    async def create_indexes(self, indexes: list[IndexModel]) -> list[str]:
        return list(self._c.create_indexes(indexes))

    async def create_index(self, keys: Any, **kwargs: Any) -> str:
        # Hashed keys are for sharding only; mongomock has no hashed indexes.
        keys = [(k, 1 if v == "hashed" else v) for k, v in keys]
        return str(self._c.create_index(keys, **kwargs))


class StandInDatabase:
    def __init__(self, client: StandInClient, name: str) -> None:
        self._client = client
        self._db = client.mock.get_database(name)
        self.name = name

    def __getitem__(self, name: str) -> StandInCollection:
        return StandInCollection(self._db[name])

    def __getattr__(self, name: str) -> StandInCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    async def command(self, command: Any, **kwargs: Any) -> dict[str, Any]:
        name = command if isinstance(command, str) else next(iter(command))
        if name == "ping":
            return {"ok": 1.0}
        if name == "hello":
            return self._client.hello()
        if name in ("enableSharding", "shardCollection") and self._client.topology == "sharded":
            self._client.admin_commands.append(dict(command))
            return {"ok": 1.0}
        raise NotImplementedError(f"the MongoDB stand-in has no {name!r} command")

    async def list_collection_names(self) -> list[str]:
        return list(self._db.list_collection_names())

    async def create_collection(self, name: str) -> None:
        self._db.create_collection(name)

    def snapshot(self) -> dict[str, Any]:
        store = self._client.mock._store[self.name]
        return {n: copy.deepcopy(c._documents) for n, c in store._collections.items()}

    def restore(self, saved: dict[str, Any]) -> None:
        store = self._client.mock._store[self.name]
        for name, collection in store._collections.items():
            collection._documents = saved.get(name, type(collection._documents)())


class StandInSession:
    def __init__(self, client: StandInClient) -> None:
        self._client = client

    async def __aenter__(self) -> StandInSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def with_transaction(self, callback: Callable[[Any], Awaitable[Any]]) -> Any:
        saved = {name: db.snapshot() for name, db in self._client.databases.items()}
        try:
            return await callback(self)
        except BaseException:
            for name, db in self._client.databases.items():
                db.restore(saved.get(name, {}))
            raise


class StandInClient:
    """The stand-in for one `AsyncMongoClient` (and the server behind it)."""

    def __init__(self, topology: str = "replicaset") -> None:
        self.mock = mongomock.MongoClient()
        self.topology = topology
        self.admin_commands: list[dict[str, Any]] = []
        self.databases: dict[str, StandInDatabase] = {}
        self.closed = False

    def __getitem__(self, name: str) -> StandInDatabase:
        if name not in self.databases:
            self.databases[name] = StandInDatabase(self, name)
        return self.databases[name]

    @property
    def admin(self) -> StandInDatabase:
        return self["admin"]

    def hello(self) -> dict[str, Any]:
        reply: dict[str, Any] = {"isWritablePrimary": True, "ok": 1.0}
        if self.topology == "sharded":
            reply["msg"] = "isdbgrid"
        elif self.topology == "replicaset":
            reply["setName"] = "rs0"
        return reply

    def get_default_database(self, default: str | None = None) -> StandInDatabase:
        """As if connected to `mongodb://host/<default>`: tests name the database they use."""
        assert default is not None
        return self[default]

    def start_session(self, **options: Any) -> StandInSession:
        return StandInSession(self)

    async def close(self) -> None:
        self.closed = True
