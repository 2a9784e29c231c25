"""INSERT ... ON CONFLICT for the dialect in use (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

import importlib
from typing import Any


def insert_for(dialect: str, table: Any) -> Any:
    """An ``insert`` construct that supports ``on_conflict_do_update`` on ``dialect``.

    Only the dialect in use is imported: SQLAlchemy's PostgreSQL dialect alone weighs ~2 MB
    resident, which a bot on SQLite should not carry.
    """
    name = "postgresql" if dialect == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{name}").insert(table)
