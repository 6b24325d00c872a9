"""Seed an embedded Chirp store fast, for benchmarks.

The schema is the real one: `SqliteStore.open` applies chirp's own migrations, then the rows go in
with bulk SQL through the stdlib `sqlite3` module (one transaction per table, secondary indexes
dropped during the load and recreated from their exact `CREATE INDEX` text). Values are built the
way the domain builds them: snowflake ids, tweet HTML rendered by `chirp.core.text`, tokens
stored as SHA-256 digests of `new_secret()` secrets, counters consistent with the rows, and home
feeds holding what fan-out on write would have left there (capped at `home_feed_cap`, replies
only for owners who follow the replied-to account).

    python -m bench.seed --accounts 10000 --tweets 200000 --out bench/.data/manual

writes `<out>/chirp.db`, its home feeds' file `<out>/chirp-feeds.db` and `<out>/tokens.json`
(reader and author bearer tokens).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chirp.core import text as text_rules
from chirp.core.ids import NODE_BITS, SEQUENCE_BITS
from chirp.core.secrets import Passwords, digest, new_secret
from chirp.storage.sqlite import SqliteStore, feeds_file

# Bump when the seeded data changes shape, so cached databases are rebuilt.
SEED_VERSION = 3  # 2: migration 0008 (home_feed without the index by status); 3: feeds' file
PUBLIC_URL = "http://bench.chirp.test"
PASSWORD = "bench-password-123"
SCOPES = "read write follow push"
DAYS = 30

WORDS = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "was",
    "with",
    "he",
    "as",
    "have",
    "be",
    "at",
    "one",
    "this",
    "from",
    "by",
    "hot",
    "but",
    "what",
    "some",
    "we",
    "can",
    "out",
    "other",
    "were",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "said",
    "an",
    "each",
    "she",
    "which",
    "do",
    "their",
    "time",
    "if",
    "will",
    "way",
    "about",
    "many",
    "then",
    "them",
    "write",
    "would",
    "like",
    "so",
    "these",
    "her",
    "long",
    "make",
    "thing",
    "see",
    "him",
    "two",
    "has",
    "look",
    "more",
    "day",
    "could",
    "go",
    "come",
    "did",
    "number",
    "sound",
    "no",
    "most",
    "people",
    "my",
    "over",
    "know",
    "water",
    "than",
    "call",
    "first",
    "who",
    "may",
    "down",
    "side",
    "been",
    "now",
    "find",
    "coffee",
    "release",
    "deploy",
    "python",
    "sqlite",
    "latency",
    "morning",
    "weekend",
    "music",
    "match",
    "weather",
    "train",
    "bug",
    "fix",
    "ship",
    "launch",
    "review",
    "tea",
]
TAGS = [
    *[
        "python",
        "rust",
        "golang",
        "javascript",
        "sqlite",
        "postgres",
        "redis",
        "linux",
        "opensource",
        "devops",
        "coffee",
        "music",
        "football",
        "tennis",
        "photography",
        "travel",
        "food",
        "books",
        "movies",
        "gaming",
        "science",
        "space",
        "climate",
        "news",
        "art",
        "design",
        "ux",
        "security",
        "privacy",
        "ai",
        "ml",
        "data",
        "cloud",
        "kubernetes",
        "docker",
        "mastodon",
        "fediverse",
        "café",
        "naïve",
        "ÜberTag",
        "日本語",
        "müsli",
    ],
    *(f"topic{i}" for i in range(300)),
]


@dataclass(slots=True)
class SeedResult:
    db_path: Path
    tokens_path: Path
    seconds: float
    counts: dict[str, int]


def _snowflake(ms: int, seq: int) -> int:
    return (ms << (NODE_BITS + SEQUENCE_BITS)) | (seq & ((1 << SEQUENCE_BITS) - 1))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


class _Ids:
    """Strictly increasing snowflakes at given instants (node 0, the sequence breaks ties)."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._seq = 0

    def at(self, ms: int) -> int:
        if ms <= self._last_ms:
            ms = self._last_ms
            self._seq += 1
            if self._seq >> SEQUENCE_BITS:
                ms, self._seq = ms + 1, 0
        else:
            self._seq = 0
        self._last_ms = ms
        return _snowflake(ms, self._seq)


def _zipf_weights(n: int, s: float, rng: random.Random) -> list[float]:
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1.0 / (r**s) for r in ranks]


async def _migrate(path: Path) -> None:
    store = await SqliteStore.open(str(path))  # the main file and the feeds' file
    await store.close()


def _drop_indexes(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    marks = ",".join("?" for _ in tables)
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks})",
        tables,
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def seed(
    out_dir: Path,
    *,
    accounts: int = 10_000,
    tweets: int = 200_000,
    author_followers: int = 1_000,
    follows_min: int = 50,
    follows_max: int = 200,
    readers: int = 2_000,
    feed_cap: int = 800,
    rng_seed: int = 42,
    log=print,
) -> SeedResult:
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "chirp.db"
    for suffix in ("", "-wal", "-shm"):
        for path in (db_path, Path(feeds_file(str(db_path)))):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    asyncio.run(_migrate(db_path))

    accounts = max(accounts, 3)
    author_followers = min(author_followers, accounts - 1)
    follows_max = min(follows_max, accounts - 2)
    follows_min = min(follows_min, follows_max)
    readers = min(readers, accounts - 1)

    now_ms = int(time.time() * 1000)
    start_ms = now_ms - DAYS * 86_400_000
    ids = _Ids()
    step = time.perf_counter

    # --- accounts: index 0 is the author; account ids are minted before any tweet.
    t0 = step()
    account_ms = sorted(rng.randint(start_ms - 86_400_000, start_ms) for _ in range(accounts))
    account_ids = [ids.at(ms) for ms in account_ms]
    usernames = ["author"] + [f"user{i:05d}" for i in range(1, accounts)]
    id_by_key = {name.lower(): aid for name, aid in zip(usernames, account_ids, strict=True)}

    # --- follow graph: the author has exactly `author_followers`; everyone else follows
    # 50..200 accounts picked by popularity (zipf), so follower counts are skewed as in real life.
    others = list(range(1, accounts))
    weights = _zipf_weights(len(others), 0.6, rng)
    author_fans = set(rng.sample(others, author_followers))
    following: list[list[int]] = [[] for _ in range(accounts)]
    for i in others:
        want = rng.randint(follows_min, follows_max)
        chosen: set[int] = set()
        while len(chosen) < want:
            for j in rng.choices(others, weights, k=want - len(chosen)):
                if j != i:
                    chosen.add(j)
        if i in author_fans:
            chosen.add(0)
        following[i] = sorted(chosen)
    followers_count = [0] * accounts
    for i in range(accounts):
        for j in following[i]:
            followers_count[j] += 1
    follow_sets = [set(f) for f in following]
    follow_ms = start_ms - 3_600_000
    follow_ids = [[ids.at(follow_ms) for _ in following[i]] for i in range(accounts)]
    log(f"  graph: {sum(map(len, following)):,} follows in {step() - t0:.1f}s")

    # --- tweets: authors by zipf, times uniform over DAYS, ~10% replies, mentions and tags.
    t0 = step()
    author_weights = _zipf_weights(accounts, 0.8, rng)
    author_weights[0] = 0.0
    author_tweets = min(200, max(1, tweets // 1000))
    tweet_authors = rng.choices(range(accounts), author_weights, k=tweets - author_tweets)
    tweet_authors += [0] * author_tweets
    tweet_ms = sorted(rng.randint(start_ms, now_ms - 60_000) for _ in range(tweets))
    rng.shuffle(tweet_authors)
    tag_weights = _zipf_weights(len(TAGS), 1.0, rng)
    tag_names: dict[str, str] = {}  # key -> first spelling
    status_rows, mention_rows, tag_rows = [], [], []
    tweet_ids_by_account: list[list[int]] = [[] for _ in range(accounts)]
    reply_to_account: dict[int, int] = {}  # reply status id -> replied-to account index
    conversation: dict[int, int] = {}
    replies_count: dict[int, int] = {}
    statuses_count = [0] * accounts
    last_status_ms = [0] * accounts
    visibility_of: dict[int, str] = {}
    recent: list[tuple[int, int]] = []  # (status id, author index) pool for replies
    render_kw = {"base_url": PUBLIC_URL}
    for n, (ms, a) in enumerate(zip(tweet_ms, tweet_authors, strict=True)):
        sid = ids.at(ms)
        words = rng.choices(WORDS, k=rng.randint(6, 24))
        parent = None
        if recent and rng.random() < 0.10:
            parent = recent[rng.randrange(len(recent))]
        mentioned: list[int] = []
        if rng.random() < 0.25:
            m = rng.randrange(accounts)
            if m != a:
                mentioned.append(m)
                words.insert(rng.randrange(len(words) + 1), "@" + usernames[m])
        if parent is not None and parent[1] != a:
            words.insert(0, "@" + usernames[parent[1]])
        for _ in range(rng.choices((0, 1, 2, 3), (35, 40, 18, 7))[0]):
            words.insert(rng.randrange(len(words) + 1), "#" + rng.choices(TAGS, tag_weights)[0])
        if rng.random() < 0.08:
            words.append(f"https://example.com/post/{n}")
        body = " ".join(words)
        tokens = text_rules.tokenize(body)
        names = text_rules.mention_names(tokens, "bench.chirp.test")
        resolved = {k: id_by_key[k.lower()] for k in names if k.lower() in id_by_key}
        content = text_rules.render_html(
            body,
            tokens,
            resolve_mention=lambda name, _d: name.lower() if name.lower() in id_by_key else None,
            **render_kw,
        )
        tags = text_rules.extract_tags(tokens)
        mention_ids = list(dict.fromkeys(resolved.values()))
        roll = rng.random()
        visibility = "public" if roll < 0.85 else "unlisted" if roll < 0.95 else "private"
        in_reply_to = in_reply_to_account = None
        conv = sid
        if parent is not None:
            in_reply_to, in_reply_to_account = parent[0], account_ids[parent[1]]
            conv = conversation[parent[0]]
            replies_count[parent[0]] = replies_count.get(parent[0], 0) + 1
            if parent[1] != a:
                reply_to_account[sid] = parent[1]
                if account_ids[parent[1]] not in mention_ids:
                    mention_ids.append(account_ids[parent[1]])
        mention_ids = [m for m in mention_ids if m != account_ids[a]]
        conversation[sid] = conv
        visibility_of[sid] = visibility
        status_rows.append(
            (
                sid,
                account_ids[a],
                visibility,
                body,
                content,
                in_reply_to,
                in_reply_to_account,
                conv,
                " ".join(map(str, mention_ids)),
                " ".join(tags),
                _iso(ms),
            )
        )
        for m in mention_ids:
            mention_rows.append((sid, m))
        for name in tags:
            key = text_rules.tag_key(name)
            tag_names.setdefault(key, name)
            tag_rows.append((key, sid, account_ids[a], visibility == "public"))
        tweet_ids_by_account[a].append(sid)
        statuses_count[a] += 1
        last_status_ms[a] = ms
        if visibility != "private":
            recent.append((sid, a))
            if len(recent) > 2000:
                recent[rng.randrange(len(recent))] = recent.pop()
    log(f"  tweets: {tweets:,} rendered in {step() - t0:.1f}s")

    # --- home feeds: what fan-out leaves, newest `feed_cap` per owner.
    t0 = step()
    feed_rows_total = 0

    def feed_rows():
        nonlocal feed_rows_total
        for owner in range(accounts):
            lists = [tweet_ids_by_account[f][-(feed_cap * 2) :] for f in following[owner]]
            kept = []
            mine = follow_sets[owner]
            for sid in heapq.merge(*(reversed(x) for x in lists), reverse=True):
                target = reply_to_account.get(sid)
                if target is not None and target != owner and target not in mine:
                    continue
                kept.append(sid)
                if len(kept) >= feed_cap:
                    break
            owner_id = account_ids[owner]
            kept.reverse()
            feed_rows_total += len(kept)
            for sid in kept:
                yield owner_id, sid, account_ids[_author_of[sid]]

    _author_of = {sid: a for a in range(accounts) for sid in tweet_ids_by_account[a]}

    pw_hash = asyncio.run(Passwords().hash(PASSWORD))  # one argon2id hash for everyone
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("ATTACH DATABASE ? AS feeds", (feeds_file(str(db_path)),))
    conn.execute("PRAGMA feeds.synchronous=OFF")
    index_sql = _drop_indexes(
        conn,
        [
            "accounts",
            "credentials",
            "statuses",
            "status_mentions",
            "status_tags",
            "follows",
            "tokens",
        ],
    )
    conn.execute("BEGIN")
    created = [_iso(ms) for ms in account_ms]
    conn.executemany(
        "INSERT INTO accounts(id, username, username_key, display_name, display_name_key, note,"
        " followers_count, following_count, statuses_count, last_status_at, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                account_ids[i],
                usernames[i],
                usernames[i].lower(),
                f"Bench {usernames[i].title()}",
                f"bench {usernames[i]}".casefold(),
                "<p>Seeded for benchmarks.</p>",
                followers_count[i],
                len(following[i]),
                statuses_count[i],
                _iso(last_status_ms[i]) if statuses_count[i] else None,
                created[i],
            )
            for i in range(accounts)
        ),
    )
    conn.executemany(
        "INSERT INTO credentials(account_id, email, email_key, password_hash, locale, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (
            (
                account_ids[i],
                f"{usernames[i]}@bench.test",
                f"{usernames[i]}@bench.test",
                pw_hash,
                "en",
                created[i],
            )
            for i in range(accounts)
        ),
    )
    follow_at = _iso(follow_ms)
    conn.executemany(
        "INSERT INTO follows(id, account_id, target_account_id, created_at) VALUES (?,?,?,?)",
        (
            (fid, account_ids[i], account_ids[j], follow_at)
            for i in range(accounts)
            for fid, j in zip(follow_ids[i], following[i], strict=True)
        ),
    )
    conn.executemany(
        "INSERT INTO statuses(id, account_id, visibility, text, content, in_reply_to_id,"
        " in_reply_to_account_id, conversation_id, mention_ids, tags, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        status_rows,
    )
    conn.executemany(
        "UPDATE statuses SET replies_count = ? WHERE id = ?",
        ((count, sid) for sid, count in replies_count.items()),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO status_mentions(status_id, account_id) VALUES (?,?)", mention_rows
    )
    first_ms = _iso(start_ms)
    conn.executemany(
        "INSERT INTO tags(name, name_key, created_at) VALUES (?,?,?)",
        ((name, key, first_ms) for key, name in tag_names.items()),
    )
    tag_id = dict(conn.execute("SELECT name_key, id FROM tags"))
    conn.executemany(
        "INSERT OR IGNORE INTO status_tags(tag_id, status_id, account_id, public) VALUES (?,?,?,?)",
        ((tag_id[key], sid, aid, public) for key, sid, aid, public in tag_rows),
    )
    conn.execute("INSERT INTO status_search(rowid, text) SELECT id, text FROM statuses")
    conn.execute("COMMIT")
    log(f"  rows: accounts, follows, statuses, entities, search in {step() - t0:.1f}s")

    t0 = step()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO feeds.home_feed(owner_id, status_id, author_id, reblog_of_id)"
        " VALUES (?,?,?,NULL)",
        feed_rows(),
    )
    conn.execute("COMMIT")
    log(f"  home feeds: {feed_rows_total:,} entries in {step() - t0:.1f}s")

    # --- OAuth: one app; tokens for `readers` accounts (the author's followers first, so the
    # posting benchmark's fan-out reaches feeds that are being read) and the author.
    t0 = step()
    app_id = ids.at(now_ms - 120_000)
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO apps(id, name, website, redirect_uris, scopes, client_id,"
        " client_secret_digest, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            app_id,
            "chirp-bench",
            None,
            "urn:ietf:wg:oauth:2.0:oob",
            SCOPES,
            new_secret(),
            digest(new_secret()),
            _iso(now_ms - 120_000),
        ),
    )
    reader_idx = sorted(author_fans)[:readers]
    rest = [i for i in others if i not in author_fans]
    reader_idx += rng.sample(rest, max(0, readers - len(reader_idx)))
    issued: list[tuple[int, str]] = []
    token_rows = []
    for i in [0, *reader_idx]:
        secret = new_secret()
        issued.append((i, secret))
        token_rows.append(
            (
                ids.at(now_ms - 60_000),
                digest(secret),
                digest(new_secret()),
                app_id,
                account_ids[i],
                SCOPES,
                _iso(now_ms - 60_000),
            )
        )
    conn.executemany(
        "INSERT INTO tokens(id, digest, refresh_digest, app_id, account_id, scopes, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        token_rows,
    )
    conn.execute("COMMIT")
    for sql in index_sql:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    log(f"  tokens + indexes + analyze in {step() - t0:.1f}s")

    tokens_path = out_dir / "tokens.json"
    author_secret = issued[0][1]
    tokens_path.write_text(
        json.dumps(
            {
                "public_url": PUBLIC_URL,
                "password": PASSWORD,
                "author": {
                    "username": "author",
                    "account_id": str(account_ids[0]),
                    "followers": followers_count[0],
                    "token": author_secret,
                },
                "readers": [
                    {"username": usernames[i], "account_id": str(account_ids[i]), "token": s}
                    for i, s in issued[1:]
                ],
            },
            indent=1,
        )
    )
    counts = {
        "accounts": accounts,
        "tweets": tweets,
        "follows": sum(map(len, following)),
        "home_feed_entries": feed_rows_total,
        "author_followers": followers_count[0],
        "reader_tokens": len(issued) - 1,
    }
    return SeedResult(db_path, tokens_path, time.perf_counter() - started, counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Seed a Chirp SQLite store for benchmarks")
    parser.add_argument("--out", type=Path, default=Path("bench/.data/manual"))
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--tweets", type=int, default=200_000)
    parser.add_argument("--author-followers", type=int, default=1_000)
    parser.add_argument("--readers", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    result = seed(
        args.out,
        accounts=args.accounts,
        tweets=args.tweets,
        author_followers=args.author_followers,
        readers=args.readers,
        rng_seed=args.seed,
    )
    print(json.dumps({"seconds": round(result.seconds, 1), **result.counts}))


if __name__ == "__main__":
    main()
