"""OAuth client applications."""

from __future__ import annotations

from typing import Protocol

from chirp.core.models import App


class AppStore(Protocol):
    async def create_app(self, app: App) -> None:
        """Insert a new OAuth client."""
        ...

    async def get_app(self, app_id: int) -> App | None: ...

    async def get_app_by_client_id(self, client_id: str) -> App | None: ...
