from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from chirp.core.ids import NODE_BITS, SnowflakeGenerator, id_at, id_time


def test_ids_strictly_increase_and_fit_in_signed_64_bits() -> None:
    ids = SnowflakeGenerator(3)
    minted = [ids.next_id() for _ in range(10_000)]
    assert minted == sorted(minted)
    assert len(set(minted)) == len(minted)
    assert all(0 < i < 2**63 for i in minted)


def test_ids_are_unique_across_threads() -> None:
    ids = SnowflakeGenerator(1)
    minted: list[int] = []
    lock = threading.Lock()

    def mint() -> None:
        batch = [ids.next_id() for _ in range(2000)]
        with lock:
            minted.extend(batch)

    threads = [threading.Thread(target=mint) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(minted)) == 8000


def test_id_encodes_its_time_and_node() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    minted = SnowflakeGenerator(5).next_id()
    assert before <= id_time(minted) <= datetime.now(UTC) + timedelta(milliseconds=5)
    assert (minted >> 10) & ((1 << NODE_BITS) - 1) == 5


def test_id_at_is_a_time_cursor() -> None:
    minted = SnowflakeGenerator(0).next_id()
    moment = id_time(minted)
    assert id_at(moment) <= minted < id_at(moment + timedelta(milliseconds=1))


def test_nodes_do_not_collide() -> None:
    a, b = SnowflakeGenerator(1), SnowflakeGenerator(2)
    assert not {a.next_id() for _ in range(500)} & {b.next_id() for _ in range(500)}


@pytest.mark.parametrize("node", [-1, 64])
def test_node_id_out_of_range_is_refused(node: int) -> None:
    with pytest.raises(ValueError):
        SnowflakeGenerator(node)
