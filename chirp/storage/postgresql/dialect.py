"""The SQL of the shared aggregate code, as PostgreSQL reads it.

The PostgreSQL store keeps the SQLite store's tables, columns and row shapes (see
`migrations/0001_schema.sql`), so most aggregates run the SQLite backend's own statements: one
copy of each query, not two drifting apart. What differs between the two dialects in those
statements is small and mechanical, and is rewritten here once per distinct statement (cached):

- parameters: `?`, `?N` and `:name` become psycopg's `%s` (in the order the values are passed),
  and a literal `%` is doubled;
- `INSERT OR IGNORE` -> `ON CONFLICT DO NOTHING`; `INSERT OR REPLACE` -> an upsert on the
  table's primary key;
- SQLite's two-argument `max`/`min` -> `GREATEST`/`LEAST`; `max` of a comparison -> of 0/1;
  `group_concat` -> `string_agg`; `printf('%020d', x)` -> `lpad`;
- a subquery in FROM gets the alias PostgreSQL requires; `WHERE 1` -> `WHERE TRUE`;
- `x IN (?, ?, ...)` -> `x = ANY(%s)` with the values as one array (`NOT IN` -> `<> ALL`): one
  prepared statement per query whatever its batch's size;
- the FTS5 index's upkeep (`status_search`) has no statement here: the generated `search`
  column keeps itself (`None`: nothing to run).

Anything PostgreSQL does better by design (home feeds, the outbox's leases, full-text search)
is written for it in its own module instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Tables `INSERT OR REPLACE` writes to, and the key it replaces on.
_REPLACE_KEYS = {
    "account_moderation": ("account_id",),
    "reports": ("id",),
    "notification_policies": ("account_id",),
    "nodes": ("key",),
}

_NOT_AN_ALIAS = {
    "WHERE", "ORDER", "GROUP", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "JOIN", "LEFT", "INNER",
    "CROSS", "ON", "HAVING", "OFFSET", "WINDOW", "RETURNING", "FULL", "RIGHT", "NATURAL",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_COMPARISON = re.compile(r"[<>]|[^<>!]=|!=|\bIS\b|\bLIKE\b", re.IGNORECASE)

# SQLite lets a query name a column beside GROUP BY that PostgreSQL wants grouped or
# aggregated; these are functionally the same there (one tag per key, one per id).
_SAME_MEANING = (
    ("coalesce(t.name, f.name) AS name", "coalesce(min(t.name), f.name) AS name"),
    (" GROUP BY u.tag_id ORDER BY", " GROUP BY u.tag_id, t.name ORDER BY"),
)


Key = int | str


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement in psycopg's form, and which passed value each `%s` takes: an index into
    a sequence of values or a name in a mapping, or a tuple of them (an `IN` list, sent as
    one array)."""

    sql: str
    order: tuple[Key | tuple[Key, ...], ...]
    client_side: bool = False  # bind the values into the text (see `db.run`)

    def values(self, params: Sequence[Any] | Mapping[str, Any]) -> list[Any]:
        source: Any = params
        return [
            [_value(source[k]) for k in key] if isinstance(key, tuple) else _value(source[key])
            for key in self.order
        ]


def _value(value: Any) -> Any:
    # Flags are integer columns, as in SQLite.
    return int(value) if isinstance(value, bool) else value


def _literal_spans(sql: str) -> list[tuple[int, int]]:
    """The (start, end) of every quoted string or identifier."""
    spans, i = [], 0
    while i < len(sql):
        quote = sql[i]
        if quote in "'\"":
            j = i + 1
            while j < len(sql):
                if sql[j] == quote:
                    if j + 1 < len(sql) and sql[j + 1] == quote:
                        j += 2
                        continue
                    break
                j += 1
            spans.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return spans


def _masked(sql: str) -> str:
    """`sql` with the inside of every literal blanked: searches then see only SQL."""
    chars = list(sql)
    for start, end in _literal_spans(sql):
        for k in range(start + 1, end - 1):
            chars[k] = " "
    return "".join(chars)


def _closing(masked: str, opening: int) -> int:
    depth = 0
    for k in range(opening, len(masked)):
        if masked[k] == "(":
            depth += 1
        elif masked[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    raise ValueError("unbalanced parentheses")


def _top_level(masked: str, start: int, end: int, char: str) -> list[int]:
    depth, found = 0, []
    for k in range(start, end):
        if masked[k] == "(":
            depth += 1
        elif masked[k] == ")":
            depth -= 1
        elif depth == 0 and masked[k] == char:
            found.append(k)
    return found


def _rewrite_calls(sql: str) -> str:
    """max/min of two values, max/min of a comparison, group_concat, printf."""
    pattern = re.compile(
        r"\b(max|min|sum|group_concat|printf|json_group_array|json_array)\s*\(", re.IGNORECASE
    )
    pos = 0
    while True:
        masked = _masked(sql)
        match = pattern.search(masked, pos)
        if match is None:
            return sql
        name = match.group(1).lower()
        opening = match.end() - 1
        closing = _closing(masked, opening)
        inner = sql[opening + 1 : closing]
        commas = _top_level(masked, opening + 1, closing, ",")
        replacement = None
        if name in ("max", "min") and commas:
            replacement = f"{'GREATEST' if name == 'max' else 'LEAST'}({inner})"
        elif (
            name in ("max", "min", "sum")
            and not re.match(r"\s*CASE\b", inner, re.IGNORECASE)
            and _COMPARISON.search(_masked(inner))
        ):  # of a comparison: SQLite's 0/1
            replacement = f"{name}(CAST(({inner}) AS INTEGER))"
        elif name == "group_concat":
            if commas:
                split = commas[0] - opening - 1
                expr, sep = inner[:split], inner[split + 1 :]
            else:
                expr, sep = inner, "','"
            replacement = f"string_agg(CAST({expr} AS TEXT), {sep})"
        elif name == "json_group_array":  # as SQLite gives it: JSON text
            replacement = f"CAST(coalesce(json_agg({inner}), '[]') AS TEXT)"
        elif name == "json_array":
            replacement = f"json_build_array({inner})"
        elif name == "printf":
            fmt = re.fullmatch(r"\s*'%0(\d+)d'\s*,(.*)", inner, re.DOTALL)
            if fmt is None:
                raise ValueError(f"printf format not translated: {inner!r}")
            replacement = f"lpad(CAST({fmt.group(2).strip()} AS TEXT), {fmt.group(1)}, '0')"
        if replacement is None:
            pos = opening + 1
            continue
        sql = sql[: match.start()] + replacement + sql[closing + 1 :]
        pos = match.start() + 1


def _alias_subqueries(sql: str) -> str:
    """PostgreSQL (before 16) wants an alias on every subquery in FROM/JOIN."""
    count = 0
    pos = 0
    while True:
        masked = _masked(sql)
        match = re.compile(r"\b(FROM|JOIN)\s*\(", re.IGNORECASE).search(masked, pos)
        if match is None:
            return sql
        closing = _closing(masked, match.end() - 1)
        after = masked[closing + 1 :].lstrip()
        word = _WORD.match(after)
        if word is None or word.group(0).upper() in _NOT_AN_ALIAS:
            count += 1
            sql = f"{sql[: closing + 1]} AS _sub{count}{sql[closing + 1 :]}"
        pos = match.end()


def _conflict_clause(sql: str, clause: str) -> str:
    """`clause` at the end of an INSERT, before a top-level RETURNING."""
    masked = _masked(sql)
    depth = 0
    for match in re.finditer(r"\(|\)|\bRETURNING\b", masked, re.IGNORECASE):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return f"{sql[: match.start()]}{clause} {sql[match.start() :]}"
    return f"{sql.rstrip().rstrip(';')} {clause}"


def _insert_or(sql: str) -> str:
    masked = _masked(sql)
    ignore = re.search(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", masked, re.IGNORECASE)
    if ignore:
        sql = f"{sql[: ignore.start()]}INSERT INTO{sql[ignore.end() :]}"
        if not re.search(r"\bON\s+CONFLICT\b", _masked(sql), re.IGNORECASE):
            sql = _conflict_clause(sql, "ON CONFLICT DO NOTHING")
        return sql
    replace = re.search(
        r"\bINSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", masked, re.IGNORECASE
    )
    if replace:
        table = replace.group(1)
        columns = [c.strip() for c in sql[replace.start(2) : replace.end(2)].split(",")]
        keys = _REPLACE_KEYS[table]
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        head = masked[replace.start() : replace.start(1)]
        sql = f"{sql[: replace.start()]}INSERT INTO {sql[replace.start() + len(head) :]}"
        action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
        sql = _conflict_clause(sql, f"ON CONFLICT ({', '.join(keys)}) {action}")
    return sql


def _qualify_upsert(sql: str) -> str:
    """In `ON CONFLICT ... DO UPDATE`, SQLite reads a bare column as the existing row's;
    PostgreSQL finds it ambiguous (beside `excluded`): name the table."""
    masked = _masked(sql)
    update = re.search(r"\bDO\s+UPDATE\s+SET\b", masked, re.IGNORECASE)
    table = re.search(r"\bINSERT\s+INTO\s+(\w+)", masked, re.IGNORECASE)
    if update is None or table is None:
        return sql
    head, tail = sql[: update.end()], sql[update.end() :]
    names = {
        name
        for name in re.findall(r"(?<![.\w])(\w+)\s*=(?!=)", _masked(tail))
        if name.lower() != "excluded"
    }
    for name in names:
        tail = re.sub(rf"(?<![.\w]){name}\b(?!\s*=(?!=))", f"{table.group(1)}.{name}", tail)
    return head + tail


def _json_arrays(sql: str) -> str:
    """`json_each(?) e` over a JSON array of ids (arrays of ids, or of [id, id, ...] rows):
    the elements as `json`, and `e.value ->> N` / `e.value` as the integers SQLite reads."""
    if "json_each(" not in sql:
        return sql
    sql = re.sub(r"\bjson_each\((\?\d*)\)", r"json_array_elements(CAST(\1 AS json))", sql)
    sql = re.sub(r"\b(\w+)\.value\s*->>\s*(\d+)", r"CAST(\1.value ->> \2 AS BIGINT)", sql)
    return re.sub(r"\b(\w+)\.value\b(?!\s*->>| ->> )", r"CAST(\1.value #>> '{}' AS BIGINT)", sql)


def _placeholders(sql: str, named: bool) -> tuple[str, tuple[int | str, ...]]:
    spans = _literal_spans(sql)
    out: list[str] = []
    order: list[int | str] = []
    next_index = 0
    i = 0
    span_at = {start: end for start, end in spans}
    while i < len(sql):
        if i in span_at:
            out.append(sql[i : span_at[i]].replace("%", "%%"))
            i = span_at[i]
            continue
        char = sql[i]
        if char == "%":
            out.append("%%")
            i += 1
        elif char == "?":
            digits = re.match(r"\d+", sql[i + 1 :])
            if digits:
                index = int(digits.group(0)) - 1
                i += 1 + len(digits.group(0))
            else:
                index = next_index
                i += 1
            next_index = index + 1
            order.append(index)
            out.append("%s")
        elif (
            named
            and char == ":"
            and sql[i - 1 : i] != ":"
            and (m := re.match(r":([A-Za-z_]\w*)", sql[i:]))
        ):
            order.append(m.group(1))
            out.append("%s")
            i += len(m.group(0))
        else:
            out.append(char)
            i += 1
    return "".join(out), tuple(order)


# A parameter whose type nothing in the statement fixes.
_UNTYPED = re.compile(r"%s\s+IS\s+(NOT\s+)?NULL|\(\s*%s\s*\)\s+IS\b", re.IGNORECASE)
_NO_STATEMENT = re.compile(r"^\s*INSERT\s+INTO\s+status_search\b", re.IGNORECASE)
_TRUE = re.compile(
    r"\b(WHERE|AND|OR)\s+1(?=\s*(?:$|\)|AND\b|OR\b|ORDER\b|GROUP\b|LIMIT\b|UNION\b))",
    re.IGNORECASE,
)


# `IN (%s, %s, ...)`: a list of values only (no subquery, no expression).
_IN_LIST = re.compile(r"\b(NOT\s+)?IN\s*\(\s*%s(?:\s*,\s*%s)*\s*\)", re.IGNORECASE)


def _arrays(text: str, order: tuple[Key, ...]) -> tuple[str, tuple[Key | tuple[Key, ...], ...]]:
    """`x IN (%s, %s, ...)` -> `x = ANY(%s)` with the values as one array (`NOT IN` ->
    `<> ALL`): the statement's text no longer depends on how many values a batch has, so one
    prepared statement serves every batch (planned once per connection, parsed once here)."""
    out: list[str] = []
    grouped: list[Key | tuple[Key, ...]] = []
    at = taken = 0
    for match in _IN_LIST.finditer(text):
        before = text[at : match.start()].count("%s") - text[at : match.start()].count("%%s")
        grouped.extend(order[taken : taken + before])
        taken += before
        count = match.group(0).count("%s")
        grouped.append(tuple(order[taken : taken + count]))
        taken += count
        out.append(text[at : match.start()])
        out.append("<> ALL(%s)" if match.group(1) else "= ANY(%s)")
        at = match.end()
    if not out:
        return text, order
    out.append(text[at:])
    grouped.extend(order[taken:])
    return "".join(out), tuple(grouped)


@functools.lru_cache(maxsize=4096)
def translate(sql: str, named: bool = False) -> Statement | None:
    """`sql` (SQLite's dialect) as PostgreSQL runs it; None for a statement with nothing to do
    here. `named`: the values come as a mapping (`:name` parameters)."""
    if _NO_STATEMENT.match(sql):
        return None
    for sqlite_form, postgresql_form in _SAME_MEANING:
        sql = sql.replace(sqlite_form, postgresql_form)
    sql = _json_arrays(sql)
    sql = _insert_or(sql)
    sql = _qualify_upsert(sql)
    sql = _rewrite_calls(sql)
    sql = _alias_subqueries(sql)
    sql = _TRUE.sub(r"\1 TRUE", sql)
    text, order = _placeholders(sql, named)
    if _UNTYPED.search(text):
        return Statement(text, order, client_side=True)
    text, grouped = _arrays(text, order)
    return Statement(text, grouped)
