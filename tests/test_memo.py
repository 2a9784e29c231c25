"""bot.runtime.memo: made once per key while kept, the oldest made dropped past the size."""

from __future__ import annotations

from bot.runtime.memo import Memo


def test_made_once_then_reused_and_the_oldest_dropped_past_the_size() -> None:
    made: list[int] = []

    def make(k: int) -> list[int]:
        made.append(k)
        return [k]

    memo: Memo[int, list[int]] = Memo(size=2)
    first = memo.get(1, make)
    assert memo.get(1, make) is first and made == [1]
    memo.get(2, make)
    memo.get(3, make)  # past the size: 1, the oldest made, goes
    assert len(memo) == 2 and made == [1, 2, 3]
    assert memo.get(1, make) is not first and made == [1, 2, 3, 1]
    assert memo.get(3, make) == [3] and made == [1, 2, 3, 1]
