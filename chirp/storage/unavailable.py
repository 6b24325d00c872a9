"""Telling a store that cannot be reached now (restarting, failing over, cut off) from a bug:
requests then get 503 with `Retry-After` (clients and load balancers retry), never a 500, and
the node recovers by itself when the store answers again (drivers reconnect on the next call).

Drivers are recognised by their exception classes' modules and names, so none has to be
installed: a backend may also raise `StoreUnavailable` itself.
"""

from __future__ import annotations

import sqlite3

# Seconds a client is asked to wait: a database restart or failover takes a few.
RETRY_AFTER_SECONDS = 5


class StoreUnavailable(Exception):
    """The store cannot be reached now; try again shortly."""


# (module prefix, class names) of the drivers' "cannot reach the server" errors, base classes
# included: matched along each exception's MRO.
_DRIVER_ERRORS = (
    ("pymongo", {"ConnectionFailure", "NetworkTimeout", "ServerSelectionTimeoutError"}),
    ("psycopg", {"OperationalError", "PoolTimeout", "TooManyConnections"}),
    (
        "asyncpg",
        {
            "PostgresConnectionError",
            "ConnectionDoesNotExistError",
            "CannotConnectNowError",
            "ConnectionFailureError",
            "AdminShutdownError",
            "TooManyConnectionsError",
            "InterfaceError",
        },
    ),
)
# SQLite: the file is busy past its timeout, or its disk is failing or gone.
_SQLITE_MESSAGES = ("database is locked", "disk i/o error", "unable to open database")


def _one(error: BaseException) -> bool:
    if isinstance(error, StoreUnavailable):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_MESSAGES)
    if isinstance(error, ConnectionError):  # refused, reset, aborted: any driver's socket
        return True
    for cls in type(error).__mro__:
        module = cls.__module__
        for prefix, names in _DRIVER_ERRORS:
            if module.startswith(prefix) and cls.__name__ in names:
                return True
    return False


def store_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the store is out of reach for now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if _one(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
