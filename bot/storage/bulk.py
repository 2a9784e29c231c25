"""Many rows through one statement, without SQLAlchemy's per-row work.

``Connection.execute(statement, rows)`` rebuilds and converts every row's parameters in
Python; in a batch of 200 daily answers (600 board rows, 200 answers, 200 cards) that was a
third of the batch's time.  A ``Bulk`` statement is compiled once per dialect; each row is
converted with the column types' own bind processors (so values are stored exactly as
SQLAlchemy would store them) and the rows go to the driver's ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    order: tuple[str, ...]  # every bind, in the order a positional paramstyle wants them
    positional: bool
    fixed: dict[str, Any]  # binds whose value is part of the statement (literals), not of a row
    processors: tuple[tuple[str, Processor], ...]


class Bulk:
    """An INSERT (or upsert) built per dialect name by ``build``, run for many rows at once.

    Rows are dicts keyed by column, all with the same keys (the columns inserted, as
    SQLAlchemy's own executemany takes them from the first row).
    """

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._prepared: dict[tuple[str, tuple[str, ...]], _Prepared] = {}

    def _prepare(self, dialect: Dialect, columns: tuple[str, ...]) -> _Prepared:
        compiled = self._build(dialect.name).compile(dialect=dialect, column_keys=list(columns))
        names = {bp: compiled.bind_names[bp] for bp in compiled.binds.values()}
        renamed = [(bp.key, name) for bp, name in names.items() if bp.key != name and bp.required]
        if renamed:  # a column bind rendered under another name: rows could not be matched to it
            raise ValueError(f"bulk statement renames binds {renamed}")
        processors = []
        for bp, name in names.items():
            proc = bp.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                processors.append((name, proc))
        fixed = {name: bp.value for bp, name in names.items() if not bp.required}
        order = tuple(compiled.positiontup or ()) if dialect.positional else tuple(names.values())
        return _Prepared(str(compiled), order, bool(dialect.positional), fixed, tuple(processors))

    def execute(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        key = (conn.dialect.name, tuple(rows[0]))
        p = self._prepared.get(key)
        if p is None:
            p = self._prepared[key] = self._prepare(conn.dialect, key[1])
        params: list[Any] = []
        columns = rows[0].keys()
        for row in rows:
            if row.keys() != columns:
                raise ValueError(f"bulk rows differ in their columns: {sorted(columns)} and {sorted(row)}")
            values = {**p.fixed, **row}
            for name, proc in p.processors:
                values[name] = proc(values[name])
            params.append(tuple(values[n] for n in p.order) if p.positional else values)
        conn.exec_driver_sql(p.sql, params)
