"""The packs write identifiers in backticks, so chat markup never mangles them (``__name__`` underlined
on Discord, ``a_b or c_d`` in italics on both platforms); adapters escape the rest as a second line."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import CONTENT

CODE = re.compile(r"(```.*?```|`[^`]+`)", re.DOTALL)
# A dunder name, or a snake_case / UPPER_CASE identifier, standing bare in prose.
BARE = re.compile(r"(?<![\w`/.])(__\w+__|[A-Za-z]\w*_\w*|_\w+)(?![\w`/])")
NOT_PROSE = {"code", "check", "claims", "phrases", "contradicts", "references", "id", "tags"}  # claims: never shown


def bare_identifiers(node: object, where: str = "") -> list[str]:
    """Every identifier outside backticks in the shown text of a parsed TOML file."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_PROSE:
                found += bare_identifiers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += bare_identifiers(value, f"{where}[{i}]")
    elif isinstance(node, str):
        prose = "".join(part for i, part in enumerate(CODE.split(node)) if i % 2 == 0)
        found += [f"{where}: {m.group(1)}" for m in BARE.finditer(prose)]
    return found


def test_the_scan_finds_bare_identifiers() -> None:
    assert bare_identifiers({"prompt": "uses __name__ and `app_context` and SECRET_KEY"}) == [
        ".prompt: __name__", ".prompt: SECRET_KEY"]


def test_identifiers_in_the_packs_are_in_backticks() -> None:
    files = sorted(CONTENT.glob("*/*.toml"))
    assert len(files) > 10
    bare = [f"{f.relative_to(CONTENT)}{hit}" for f in files for hit in bare_identifiers(tomllib.loads(f.read_text()))]
    assert bare == []

