"""Session JSON (Chirp extension `/api/v1/chirp/sessions`): never a token or its digest."""

from __future__ import annotations

from typing import Any

from chirp.core.sessions import Session
from chirp.serializers.common import iso


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "app": None
        if session.app is None
        else {"name": session.app.name, "website": session.app.website},
        "scopes": list(session.scopes),
        "created_at": iso(session.created_at),
        "current": session.current,
    }
