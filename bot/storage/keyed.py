"""Rows looked up by many keys at once: a ``VALUES`` list joined to an indexed table.

A batch of 200 members asks for "each member's answers after *their own* newest id", or for
"these 200 (member, question) cards".  The two obvious forms are both slow:

- ``(account_id, question_id) IN ((?, ?), ...)``: SQLite does not search an index with a list
  of row values; it scans the table (every card of every member: ~12 ms for 50,000 cards);
- ``(account_id = ? AND id > ?) OR ...``: SQLite and PostgreSQL search the index once per
  term, but SQLAlchemy builds the statement's cache key by walking the whole expression at
  every execution (~30 ms for 200 terms).

``WITH v(...) AS (VALUES (...), ...) SELECT ... FROM v JOIN table ON ...`` searches the index
once per key on both databases, and as a ``text()`` statement (one per number of keys, built
once) its cache key is its string.  Keys are cast, so PostgreSQL types the ``VALUES`` list
from its first row instead of guessing ``text``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, text


@functools.lru_cache(maxsize=1024)
def _statement(template: str, columns: tuple[tuple[str, str], ...], rows: int) -> TextClause:
    values = ", ".join("(" + ", ".join(f"CAST(:{name}{i} AS {sql_type})" for name, sql_type in columns) + ")"
                       for i in range(rows))
    return text(template.format(values=values))


def select_keyed(conn: Connection, template: str, columns: tuple[tuple[str, str], ...],
                 keys: Sequence[Sequence[Any]]) -> Iterable[Any]:
    """The rows of ``template`` (its ``{values}`` replaced by one ``VALUES`` row per key).

    ``columns`` names each key column and its SQL type (``("a", "BIGINT")``); the template
    refers to them as ``v.<name>``.  ``keys`` must not be empty."""
    assert keys, "no keys to look up"
    params = {f"{name}{i}": value for i, key in enumerate(keys) for (name, _t), value in zip(columns, key, strict=True)}
    return conn.execute(_statement(template, columns, len(keys)), params)
