"""What the fuzz targets share: how many examples, and the properties every target checks.

Bounded so CI stays fast (a few seconds per target); for a longer run:

    DRILLBOT_FUZZ_EXAMPLES=2000 .venv/bin/pytest -q -k fuzz -p no:cacheprovider
"""

from __future__ import annotations

import logging
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.runtime.builder import App
from bot.storage.models import Base

EXAMPLES = int(os.environ.get("DRILLBOT_FUZZ_EXAMPLES", "25"))
REPLY_WITHIN = 3.0  # seconds: Discord's and Slack's deadline for the first response

fuzz_settings = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("DRILLBOT_FUZZ_EXAMPLES"),
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a member could type: every plane, control characters, and the separators our ids use.
member_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(":|,-_ 0123456789abcdefrp\"'\\\n\t٠١９"), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(min_size=1990, max_size=2100, alphabet="ab '\""),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
json_value = st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


def no_errors(records: list[logging.LogRecord]) -> None:
    """No unhandled exception from a member's input reached the log at ERROR."""
    bad = [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]
    assert not bad, bad


async def row_counts(app: App, *, skip: tuple[str, ...] = ("processed_events",)) -> dict[str, int]:
    """Rows per table: a refused input must leave every one unchanged."""
    def work(s: Any) -> dict[str, int]:
        return {t.name: int(s.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables if t.name not in skip}
    return await app.engine.core.tx(work)
