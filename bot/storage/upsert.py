"""INSERT ... ON CONFLICT for the dialect in use (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(s: Session, table: Any) -> Any:
    """An ``insert`` construct that supports ``on_conflict_do_update`` on this session's database."""
    dialect = s.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
