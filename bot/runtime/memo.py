"""What an adapter builds once and reuses: a bounded map from a value to what was made of it.

A practice card holds nothing about the member who asked (the engine shares one per question
and reason), so what a platform renders of it is the same for every member: a crowd asking
for practice is served renderings made once, not one per request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

SIZE = 2000  # entries kept; the oldest made goes first


class Memo(Generic[K, V]):
    """``get(key, make)``: what ``make(key)`` made the first time, while it is among the last ``size``."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._made: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[K], V]) -> V:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = make(key)
            if len(self._made) > self.size:
                self._made.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._made)
