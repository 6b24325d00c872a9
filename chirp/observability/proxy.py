"""A proxy that wraps each coroutine method of an object (the store, the bus) on first use:
how metrics time and traces follow every call without a line in the backends."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Method = Callable[..., Awaitable[Any]]
# (method name, bound method) -> the method to call instead.
Wrap = Callable[[str, Method], Method]


def wrap_methods(target: T, wrap: Wrap) -> T:
    """`target` with its public coroutine methods wrapped; anything else (plain attributes, sync
    methods, async context managers) passes through untouched."""
    return _Wrapped(target, wrap)  # type: ignore[return-value]


class _Wrapped:
    """A wrapped method is kept in the instance dict, so later calls skip `__getattr__`."""

    def __init__(self, target: Any, wrap: Wrap) -> None:
        self.__dict__.update(_target=target, _wrap=wrap)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attribute):
            return attribute
        wrapped = self.__dict__[name] = self._wrap(name, attribute)
        return wrapped

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)
        self.__dict__.pop(name, None)  # wrapped anew, from the new value, on next use

    def __repr__(self) -> str:
        return f"wrapped({self._target!r})"
