"""Question packs: the format and loader (``packs``), pack-wide rules (``lint``), machine checks (``checks``)
and members' reports about questions (``reports``)."""

from bot.content.packs import (
    KINDS,
    LETTERS,
    LEVELS,
    Check,
    Claim,
    Counts,
    KeyPoint,
    Kind,
    Level,
    Library,
    LoadedQuestion,
    Misconception,
    Pack,
    Question,
    count,
    json_schema,
    load_library,
    load_pack,
)
from bot.errors import Problem

__all__ = ["KINDS", "LETTERS", "LEVELS", "Check", "Claim", "Counts", "KeyPoint", "Kind", "Level", "Library",
           "LoadedQuestion", "Misconception", "Pack", "Problem", "Question", "count", "json_schema", "load_library",
           "load_pack"]
