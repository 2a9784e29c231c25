"""INSERT ... ON CONFLICT for the dialect in use (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect: str, table: Any) -> Any:
    """An ``insert`` construct that supports ``on_conflict_do_update`` on ``dialect``."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
