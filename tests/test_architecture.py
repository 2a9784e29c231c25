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


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("bot", "adapters"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (TYPE_CHECKING imports included: a circle is a circle)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def test_no_import_circles() -> None:
    known = _modules()
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_every_package_ships_in_the_wheel() -> None:
    """pyproject lists the packages one by one: a new folder left off it imports in a checkout but is
    missing from `pip install .` (bot.reminders once was)."""
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("bot", "adapters")
             for p in (ROOT / top).rglob("__init__.py") if "migrations" not in p.parts}
    assert found - listed == set()


def test_every_package_says_what_it_holds() -> None:
    missing = [str(p.relative_to(ROOT)) for top in ("bot", "adapters") for p in (ROOT / top).rglob("__init__.py")
               if "migrations" not in p.parts and not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


def test_components_reach_each_other_only_through_public_modules() -> None:
    """A component may use another concern's package or named modules, never its private names."""
    offenders = []
    for name, path in _modules().items():
        if not name.startswith("bot."):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
                other = node.module.split(".")[1]
                mine = name.split(".")[1]
                offenders += [f"{name}: {node.module}.{a.name}" for a in node.names
                              if other != mine and a.name.startswith("_")]
    assert offenders == []


def test_no_wording_is_defined_twice() -> None:
    """A second assignment silently replaces the first (two branches adding the same name did)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parent.parent / "bot" / "wording.py").read_text())
    names = [t.id for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)]
    assert sorted({n for n in names if names.count(n) > 1}) == []
