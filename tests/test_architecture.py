"""The core knows no platform; the schema in code matches the migrations."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage.db import Database
from bot.storage.models import Base
from tests.conftest import ROOT

PLATFORM_LIBS = ("discord", "slack_bolt", "slack_sdk", "aiohttp")


def test_core_source_never_imports_a_platform_library() -> None:
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in PLATFORM_LIBS]
    assert offenders == []


def test_importing_the_whole_core_loads_no_platform_library() -> None:
    code = ("import sys, pkgutil, importlib, bot\n"
            "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
            "    importlib.import_module(m.name)\n"
            f"print(sorted(n for n in sys.modules if n.split('.')[0] in {PLATFORM_LIBS!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        # Expression indexes cannot be reflected by SQLite; alembic warns and skips them.
        assert [d for d in diff if not (isinstance(d, tuple) and d[0] in ("add_index", "remove_index")
                                        and d[1].name == "ix_scores_board")] == []
    finally:
        db.close()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    from sqlalchemy import text

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        db.close()


def test_head_revision_matches_alembic_and_upgrade_is_skipped_when_current(db_url: str) -> None:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from bot.storage.db import MIGRATIONS, current_revision, head_revision

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()
    db = Database(db_url)
    try:
        assert current_revision(db.engine) is None
        db.upgrade()
        assert current_revision(db.engine) == head_revision()
        db.upgrade()  # already current: returns without touching Alembic
        assert current_revision(db.engine) == head_revision()
    finally:
        db.close()


def test_a_long_running_bot_migrates_in_a_child_and_never_imports_alembic(db_url: str) -> None:
    code = ("import sys\n"
            "from bot.storage.db import Database, current_revision, head_revision\n"
            f"db = Database({db_url!r})\n"
            "db.upgrade(in_child=True)\n"
            "print(current_revision(db.engine) == head_revision(), 'alembic' in sys.modules)\n"
            "db.close()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_a_failed_migration_in_the_child_is_reported() -> None:
    from bot.storage.db import upgrade_in_child

    with pytest.raises(RuntimeError, match=r"database migration failed \(exit 1\):\n.*"):
        upgrade_in_child("postgresql://nobody@127.0.0.1:1/none")  # nothing listens on port 1
