"""Finding a key-point phrase in an answer, and whether the answer denies it.

A phrase matches when each of its words is found, in order, in one clause of
the answer, where a word matches the same stem, the same word with a small
typo (one edit or swap for words of 5+ letters, two for 9+; a typo is never a
word that merely starts the other, so ``http`` is not ``https``), a longer word
that a phrase word of 6+ letters starts (``sanitis``: sanitising), or a compound written
together or apart (``clean up`` / ``cleanup``).  A phrase of two or more words
may have one extra word inside it, and one of two words may come in either
order.  Every phrase word needs an answer word of its own, so a phrase can
never collapse to one of its own words (``flask.g`` is not ``flask``).

A match is *negated* when a negation ("not", "no", "never", "without",
"instead of", ...) stands before it in its clause, or right after it ("... is
not needed").  A phrase that starts with a negation matches the rest of it
denied (see ``Answer.find``); one with a negation further in is taken as written.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.grading.text import Word, stem, tokens

NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "none", "nothing", "instead",
                       "rather", "avoid", "avoids", "avoiding", "unnecessary", "needless", "lack", "lacks",
                       "nobody", "nowhere", "skip", "skips", "skipping", "forget", "optional"})
_CLAUSE_WIDE = frozenset({"not", "never", "unnecessary", "needless", "neither", "nor"})
_NO_WIDE = frozenset({"need", "longer", "point", "reason", "way"})  # "no need for X or Y"
_SHORT_SCOPE = 2
# "not only X" says X.
_NOT_NEGATING_AFTER = frozenset({"only", "just", "merely", "also", "necessarily"})
_AUX = frozenset({"is", "are", "was", "were", "be", "been", "do", "does", "did", "will", "would", "should",
                  "can", "could", "has", "have", "had", "must", "may", "might", "really", "actually", "at", "all"})
# "X is unnecessary", "X isn't needed": the claim after the phrase denies it.
_DENIED = frozenset({"unnecessary", "needless", "optional", "pointless", "irrelevant", "useless", "superfluous"})
_NEEDED = frozenset({"needed", "required", "necessary", "important", "relevant", "involved", "useful",
                     "matter", "matters", "needful", "helpful", "used"})
# A phrase word this long also matches longer words it starts; shorter ones would match other words
# ("http" is not "https", "app" is not "apply").
PREFIX_MIN = 6
# Never the extra word inside a phrase: "the secret is key" does not say "secret key".
_NO_GAP = _AUX | NEGATIONS | {"and", "or", "nor", "to", "it", "they", "this", "that"}
# A wrong claim named only to be dismissed: "FLASK_ENV was removed in 2.3".
RETIRED = frozenset(stem(w) for w in (
    "removed", "deprecated", "obsolete", "legacy", "gone", "dropped", "replaced", "replacement", "old",
    "older", "outdated", "longer", "ancient", "prior", "abandoned", "unmaintained", "dead", "wrong",
    "mistake", "myth", "bad", "dangerous", "unsafe", "never", "instead", "formerly", "previously", "renamed",
    "earlier", "pre", "before", "removal"))


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int  # exclusive
    words: str
    negated: bool


_PhraseWord = tuple[str, str]  # (raw, stem): a tuple, because matching hashes them millions of times


@functools.lru_cache(maxsize=16384)
def phrase_words(phrase: str) -> tuple[_PhraseWord, ...]:
    return tuple((w.raw, w.stem) for w in tokens(phrase))


def _typo_limit(word: str) -> int:
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


class Answer:
    """A typed answer prepared for matching many phrases against it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: list[Word] = tokens(text)
        self._raws = sorted({w.raw for w in self.words})
        self._known = set(self._raws)
        self._by_stem: dict[str, set[str]] = {}
        for w in self.words:
            self._by_stem.setdefault(w.stem, set()).add(w.raw)
        self._by_initial: dict[str, list[str]] = {}
        for raw in self._raws:
            if len(raw) >= 5 and not raw.isdigit():
                self._by_initial.setdefault(raw[0], []).append(raw)
        self._at: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self._at.setdefault(w.raw, []).append(i)
        self._cache: dict[_PhraseWord, frozenset[str]] = {}

    def _like(self, p: _PhraseWord) -> frozenset[str]:
        """The answer's distinct words that stand for phrase word ``p``."""
        hit = self._cache.get(p)
        if hit is not None:
            return hit
        want_raw, want_stem = p
        found = set(self._by_stem.get(want_stem, ()))
        if want_raw in self._known:
            found.add(want_raw)
        if len(want_raw) >= PREFIX_MIN:  # "sanitis" for sanitising / sanitised
            i = bisect.bisect_left(self._raws, want_raw)
            while i < len(self._raws) and self._raws[i].startswith(want_raw):
                found.add(self._raws[i])
                i += 1
        limit = _typo_limit(want_raw)
        near = [r for r in self._by_initial.get(want_raw[:1], ()) if abs(len(r) - len(want_raw)) <= limit]
        if limit and near:
            for raw, _score, _i in process.extract(want_raw, near, scorer=OSA.distance,
                                                   score_cutoff=limit, limit=None):
                if not raw.startswith(want_raw) and not want_raw.startswith(raw):
                    found.add(raw)
        result = self._cache[p] = frozenset(found)
        return result

    def find(self, phrase: str) -> Match | None:
        """The first place ``phrase`` occurs, preferring one that is not negated.

        A phrase that starts with a negation ("no secrets", "without circular imports")
        is found where the answer denies the rest of it in its own words ("avoid circular
        imports", "never store secrets"), and counts as negated where the answer asserts it.
        """
        want = phrase_words(phrase)
        if not want or not self.words:
            return None
        if len(want) >= 2 and want[0][0] in NEGATIONS:
            rest = self._find(want[1:], loose=True)
            if rest is None:
                return None
            return Match(rest.start, rest.end, rest.words, negated=not rest.negated)
        # One identifier ("attachment_filename", "flask.g") is matched as written: no extra word, no reordering.
        return self._find(want, loose=any(c.isspace() for c in phrase.strip()))

    def _possible(self, want: tuple[_PhraseWord, ...]) -> bool:
        """A cheap test before the search: every phrase word has some answer word that could stand for it."""
        for k, p in enumerate(want):
            if self._like(p):
                continue
            raw = p[0]
            if any(raw[:n] in self._known for n in range(1, len(raw))):  # written apart: "clean up"
                continue
            joined = [raw + want[k + 1][0]] if k + 1 < len(want) else []  # written together: "setup"
            joined += [want[k - 1][0] + raw] if k > 0 else []
            if any(j in self._known or stem(j) in self._by_stem for j in joined):
                continue
            return False
        return True

    def _find(self, want: tuple[_PhraseWord, ...], *, loose: bool) -> Match | None:
        if not self._possible(want):
            return None
        orders = [want]
        if len(want) == 2 and loose:
            orders.append((want[1], want[0]))
        gaps = 1 if len(want) >= 2 and loose else 0
        first: Match | None = None
        self_negating = any(raw in NEGATIONS for raw, _stem in want)
        for order in orders:
            for start in self._starts(order):
                end = self._match(order, 0, start, gaps, self.words[start].clause)
                if end is None:
                    continue
                negated = not self_negating and self._negated(start, end)
                m = Match(start, end, " ".join(w.raw for w in self.words[start:end]), negated)
                if not negated:
                    return m
                first = first or m
        return first

    def _starts(self, want: tuple[_PhraseWord, ...]) -> list[int]:
        """Where a match of ``want`` could begin: its first word, alone or in a compound."""
        first_raw = want[0][0]
        joined = first_raw + want[1][0] if len(want) > 1 else None
        raws = set(self._like(want[0]))
        raws.update(first_raw[:n] for n in range(1, len(first_raw)) if first_raw[:n] in self._known)
        if joined is not None:
            raws.update(self._by_stem.get(stem(joined), ()))
            if joined in self._known:
                raws.add(joined)
        return sorted(i for r in raws for i in self._at[r])

    def has(self, phrase: str) -> bool:
        """True when ``phrase`` occurs and is not negated."""
        m = self.find(phrase)
        return m is not None and not m.negated

    def _match(self, want: tuple[_PhraseWord, ...], k: int, i: int, gaps: int, clause: int) -> int | None:
        """Answer position after matching ``want[k:]`` from position ``i``, or None."""
        if k == len(want):
            return i
        words = self.words
        if i >= len(words) or words[i].clause != clause:
            return None
        w = words[i]
        if w.raw in self._like(want[k]):
            end = self._match(want, k + 1, i + 1, gaps, clause)
            if end is not None:
                return end
        # Written together in the answer, apart in the phrase: "setup" for "set up".
        if k + 1 < len(want):
            joined = want[k][0] + want[k + 1][0]
            if w.raw == joined or w.stem == stem(joined):
                end = self._match(want, k + 2, i + 1, gaps, clause)
                if end is not None:
                    return end
        # Apart in the answer, together in the phrase: "clean up" for "cleanup".
        if i + 1 < len(words) and words[i + 1].clause == clause:
            joined = w.raw + words[i + 1].raw
            if joined == want[k][0] or stem(joined) == want[k][1]:
                end = self._match(want, k + 1, i + 2, gaps, clause)
                if end is not None:
                    return end
        if gaps and k > 0 and w.raw not in _NO_GAP:  # one extra word inside: "once per test session"
            return self._match(want, k, i + 1, gaps - 1, clause)
        return None

    def _negated(self, start: int, end: int) -> bool:
        words = self.words
        clause = words[start].clause
        for j in range(start - 1, -1, -1):
            if words[j].clause != clause:
                break
            cue = words[j].raw
            if cue not in NEGATIONS:
                continue
            nxt = words[j + 1].raw if j + 1 < len(words) else ""
            if cue == "not" and nxt in _NOT_NEGATING_AFTER:
                continue
            # "not"/"never" deny the rest of the clause; "without X", "no X" only their own words.
            if cue in _CLAUSE_WIDE or (cue == "no" and nxt in _NO_WIDE) or start - j <= _SHORT_SCOPE:
                return True
        j = end
        while j < len(words) and j < end + 4 and words[j].clause == clause and words[j].raw in _AUX:
            j += 1
        if j < len(words) and words[j].clause == clause:
            if words[j].raw in _DENIED:
                return True
            if words[j].raw in ("not", "never") and j + 1 < len(words) and words[j + 1].raw in _NEEDED:
                return True
        return False

    def dismissed(self, m: Match) -> bool:
        """True when the clause holding ``m`` names it only to reject it ("X was removed")."""
        clause = self.words[m.start].clause
        return m.negated or any(w.stem in RETIRED for w in self.words if w.clause == clause)
