"""``python -m bot.storage.migrate``: apply migrations to the database named by DRILLBOT_MIGRATE_URL.

Run by ``Database.upgrade(in_child=True)`` so that a long-running bot never imports Alembic.
"""

from __future__ import annotations

import os
import sys

from bot.storage.db import MIGRATE_URL_VAR, make_engine, upgrade


def main() -> int:
    url = os.environ.get(MIGRATE_URL_VAR)
    if not url:
        print(f"{MIGRATE_URL_VAR} is not set", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
