"""Persistence: SQLAlchemy models, database set-up and migrations."""
