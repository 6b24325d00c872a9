"""What every use case needs, wired once per process and passed explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chirp.config import Settings
from chirp.core.ids import SnowflakeGenerator
from chirp.core.secrets import Passwords
from chirp.storage.port import Store


@dataclass(slots=True)
class Context:
    settings: Settings
    store: Store
    ids: SnowflakeGenerator
    passwords: Passwords

    def new_id(self) -> int:
        return self.ids.next_id()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
