"""Finding a key-point phrase in an answer, and whether the answer denies it.

A phrase matches when each of its words is found, in order, in one clause of
the answer, where a word matches the same stem, the same word with a small
typo (one edit or swap for words of 5+ letters, two for 9+; a typo is never a
word that merely starts the other, so ``http`` is not ``https``), a longer word
that a phrase word of 6+ letters starts (``sanitis``: sanitising), or a compound written
together or apart (``clean up`` / ``cleanup``).  A phrase of two or more words
may have one extra word inside it (never inside one of its identifiers, nor
right after its own negation), its "is" / "are" may be left out, and a
two-word phrase without a function word may come in either order.  A phrase
with a clause word of its own ("even if the view raised") may cross that one
clause break, and any phrase may cross an "also" of the answer's.  Every phrase
word needs an answer word of its own, so a phrase can never collapse to one of
its own words (``flask.g`` is not ``flask``).

A match is *negated* when a negation ("not", "no", "never", "without",
"instead of", "rather than", "skip", ...) stands before it in its clause, or a
denial follows it within a few words ("... is overkill", "... isn't needed",
"... plays no part", "... only in development"); see ``Answer._cue``.  A
negation in a hypothetical clause ("if you forget X"), said twice ("don't
forget X") or naming a mistake by its consequence ("skipping X leads to ...")
denies nothing; nor does one before "and" and a new verb ("never trust it and use X"), nor "<subject>
can't <verb> X" (a limit: the verb is denied, not X).  A negation ending a clause before a colon reaches
the list after it ("you should not: A, B").  A phrase that starts with a negation matches the rest of it
denied (see ``Answer.find``); one with a negation further in is taken as written.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.grading.text import VERB_FORMS, VERBS, Word, stem, tokens

NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "none", "nothing", "instead",
                       "rather", "avoid", "avoids", "avoiding", "unnecessary", "needless", "lack", "lacks",
                       "nobody", "nowhere", "skip", "skips", "skipping", "forget", "forgetting", "omit",
                       "omitting", "optional", "ditch", "forgo", "pointless", "overkill", "redundant"})
_CLAUSE_WIDE = frozenset({"not", "never", "unnecessary", "needless", "neither", "nor"})
_NO_WIDE = frozenset({"need", "longer", "point", "reason", "way", "use"})  # "no need for X or Y"
_SHORT_SCOPE = 2
# Words a short negation reaches across: "without going through any link table", "skip the whole X".
_TRANSPARENT = frozenset({
    "any", "some", "all", "its", "their", "your", "our", "my", "his", "her", "this", "that", "these", "those",
    "such", "even", "extra", "separate", "additional", "whole", "entire", "explicit", "explicitly", "real",
    "to", "of", "for", "with", "through", "via", "in", "on", "into", "about", "over", "by", "from",
    "bother", "use", "have", "need", "add", "call", "set", "write", "worry", "care",
    "is", "are", "be", "do", "does", "did", "really", "actually", "just", "simply", "also"})
# "not only X" says X (unless "only" belongs to the phrase: 'not "only for small apps"').
_NOT_NEGATING_AFTER = frozenset({"only", "just", "merely", "also", "necessarily"})
_AUX = frozenset({"is", "are", "was", "were", "be", "been", "do", "does", "did", "will", "would", "should",
                  "can", "could", "has", "have", "had", "must", "may", "might", "really", "actually", "at", "all"})
# "X is unnecessary", "X is overkill": the claim after the phrase denies it.
_DENIED = frozenset({"unnecessary", "needless", "optional", "pointless", "irrelevant", "useless", "superfluous",
                     "redundant", "overkill", "unneeded", "moot", "unrelated", "myth", "misconception", "avoided",
                     "harmless"})
# "X isn't needed", "X doesn't affect it", "X is not the cause": a denial of X after it.
_NEEDED = frozenset({"needed", "required", "necessary", "important", "relevant", "involved", "useful",
                     "matter", "matters", "needful", "helpful", "used", "worth", "affect", "affects", "help",
                     "helps", "count", "counts", "lead", "leads", "cause", "causes", "what",
                     "way", "reason", "problem", "issue", "fix", "answer", "solution", "point", "part",
                     "responsible", "solve", "solves"})
# "X won't change anything": only with "anything" ("the key does not change between deploys" says it is stable).
_CHANGE = frozenset({"change", "changes", "improve", "improves"})
_ANYTHING = frozenset({"anything", "much", "thing"})
# Denials after a claim that still make it: "X is harmless" says X is fine to do.
_ASSERTS_FINE = frozenset({"harmless"})
# "X does nothing", "X is (simply) ignored": X has no effect. The words that may come right before
# "nothing" and "ignored" there.
_BEFORE_NOTHING = frozenset({"does", "do", "did", "changes", "change"})
_BEFORE_IGNORED = frozenset({"is", "are", "was", "were", "gets", "get", "got", "stays", "simply", "just", "silently"})
# "X plays no part", "X makes no difference", "X has no effect".
_NO_ROLE = frozenset({"part", "role", "effect", "impact", "difference", "bearing", "influence", "use", "need",
                      "point", "purpose", "benefit", "value", "say", "place"})
# "X is only needed on MySQL", "X only matters for uploads": relevance confined to a corner case.
_ONLY_NEEDED = frozenset({"needed", "required", "necessary", "matters", "matter", "relevant", "useful",
                          "important", "meant", "helps"})
# "X only in development": fine for a point about development, a denial of any other.
_DEV = frozenset({"development", "locally", "local", "testing", "tests", "test", "debugging", "dev"})
# Verbs that deny their object, which a "not" before turns back into a yes.
_NEGATING_VERBS = frozenset({"forget", "skip", "avoid", "ditch", "forgo", "lack"})
# "Skipping X leads to ...": the gerund names a mistake and its consequence, so X is needed.
_GERUNDS = frozenset({"skipping", "forgetting", "omitting"})
_CONSEQUENCE = frozenset({"lead", "leads", "leaves", "cause", "causes", "break", "breaks", "means", "results",
                          "gives", "lets", "exposes", "risks", "opens", "crashes", "fails", "corrupts",
                          "loses", "allows", "will", "would", "can", "could"})
# Words whose place is what they mean: a two-word phrase holding one is never matched the other way round.
_FUNCTION_WORDS = frozenset({"in", "on", "at", "to", "of", "for", "with", "by", "from", "into", "onto", "as", "per",
                             "via", "over", "under", "out", "up", "off", "is", "are", "it", "its", "no", "not",
                             "only", "all", "each", "any", "own", "one", "you", "your", "this", "that"})
# A phrase's "is" / "are" between two words may be left out in the answer ("quart is asgi": "Quart (ASGI)").
_COPULA = frozenset({"is", "are"})
# A negation before one of these is about the effect, not about the words after it.
_EFFECT = frozenset({"affect", "affects", "matter", "matters", "change", "changes", "influence", "impact",
                     "cause", "causes", "mean", "means", "require", "requires", "need", "needs"})
# After "and", a word that starts a new predicate: "I never trust it and use secure_filename" denies only
# "trust it" ("don't use os.path and secure_filename" still denies both: no verb after the "and").
_NEW_PREDICATE = VERBS | VERB_FORMS | {
    "can", "could", "will", "would", "should", "must", "may", "might", "always", "then", "just", "still",
    "it", "they", "you", "we", "i", "he", "she"}
# Last words of a clause that announce the list after its colon: "never do the following: A, B".
_ANNOUNCES = frozenset({"following", "these", "this", "things", "ones"})
# A subject that holds its own negation ("whatever hasn't been committed"), and the verbs that end it.
_FREE_RELATIVES = frozenset({"whatever", "anything", "everything", "whoever", "whichever", "what"})
_MAIN_VERBS = frozenset({"is", "are", "was", "were", "gets", "get", "got", "will", "stays", "goes", "ends"})
# Who is told what to do: "you can't use X" is advice against X, "json.dumps can't serialise X" a limit.
_ADDRESSED = frozenset({"you", "we", "i", "u", "one", "people", "users", "nobody"})
# "Don't just X", "you shouldn't merely X": advice that X is not enough (``Answer.dismissed``).
_MERELY = frozenset({"just", "merely"})
_ADVISING = frozenset({"do", "should", "must"})
# Prefixes joined by a hyphen that deny the word after them ("non-owner", "non-blocking").
_PREFIX_NEGATIONS = frozenset({"non"})
# How far after a phrase its denial may come: "a CHECK constraint on stock isn't necessary".
_AFTER_SCOPE = 6
# A new verb after the phrase whose object the denial is about: "X makes Y unnecessary".
_AFTER_BREAK = frozenset({"make", "makes", "making", "made", "render", "renders", "mean", "means", "let", "lets",
                          "than", "replace", "replaces", "removes", "remove", "avoid", "avoids"})
# "X or it is ignored": after "or", a pronoun starts the alternative's own clause.
_PRONOUNS = frozenset({"it", "they", "this", "that", "you", "else", "nothing", "everything"})
# A phrase word this long also matches longer words it starts; shorter ones would match other words
# ("http" is not "https", "app" is not "apply").
PREFIX_MIN = 6
# Never the extra word inside a phrase: "the secret is key" does not say "secret key";
# "do"/"does" may sit inside ("teardown always does rollback"): it states nothing of its own.
# nor words that set two things side by side ("SimpleCache vs shared Redis" is not "simplecache is shared").
_NO_GAP = (_AUX - {"do", "does", "did"}) | NEGATIONS | _PREFIX_NEGATIONS | {
    "and", "or", "nor", "to", "it", "they", "this", "that", "vs", "versus", "so", "than", "but", "unlike", "whereas"}
# A phrase ending in a state ("debug off") matches it said with its verb: "debug must be (turned) off".
_STATES = frozenset({"off", "on", "enabled", "disabled"})
_STATE_VERBS = frozenset({"is", "are", "was", "were", "be", "been", "must", "should", "stays", "stay", "kept",
                          "left", "turned", "switched", "set", "always", "remains", "remain", "gets", "get",
                          "to", "keep", "leave", "turn", "switch", "still"})
_STATE_REACH = 3
# A wrong claim named only to be dismissed: "FLASK_ENV was removed in 2.3".
RETIRED = frozenset(stem(w) for w in (
    "removed", "deprecated", "obsolete", "legacy", "gone", "dropped", "replaced", "replacement", "old",
    "older", "outdated", "longer", "ancient", "prior", "abandoned", "unmaintained", "dead", "wrong",
    "mistake", "myth", "bad", "dangerous", "unsafe", "never", "instead", "formerly", "previously", "renamed",
    "earlier", "pre", "before", "removal"))

_FORWARD = frozenset(stem(w) for w in ("instead", "before"))
# Judgements that can name a situation instead of the claim: "when something is wrong I switch debug on",
# "if anything goes wrong" (in a clause that "if" or "when" opens, ahead of the claim) judge nothing the
# clause goes on to say.
_JUDGEMENTS = frozenset(stem(w) for w in ("wrong", "bad", "mistake", "dangerous", "unsafe"))
# Words of age that dismiss only the claim they describe, written after them: "the old before_first_request
# hook", not "signs new cookies with the fallback keys and checks old ones" (key rotation).
_AGE = frozenset(stem(w) for w in ("old", "older", "previous", "previously", "earlier", "prior", "pre"))
_AGE_REACH = 3
# "instead of X", "before X": they dismiss the few words after them, not the rest of the clause ("return 404
# instead of 403 everywhere is required by HTTP" still claims that it is required).
_FORWARD_REACH = 4
# Nouns of a rename that dismiss only what follows them: "X, the replacement for Y", "X as the rename of Y".
_FORWARD_RAW = frozenset({"replacement", "rename", "replaces", "replace", "replacing"})
# A rename names the old API and the new one: "Y was replaced by X", "renamed Y to X", "the replacement
# for Y is X". After one of these words the new name comes, which the rename asserts.
_SUCCESSOR = frozenset({"by", "with", "to", "is", "are"})
_RENAMES = frozenset(stem(w) for w in ("replaced", "replacement", "renamed"))


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int  # exclusive
    words: str
    negated: bool
    # The only denial is "X only in development": a denial unless the point is about development.
    confined: bool = False
    cue: int | None = None  # where the answer denies the words (``Answer._cue``), or None
    # Found for a phrase that starts with a negation: ``negated`` says the answer asserts the rest of it.
    inverted: bool = False


_PhraseWord = tuple[str, str]  # (raw, stem): a tuple, because matching hashes them millions of times


@functools.lru_cache(maxsize=16384)
def phrase_words(phrase: str) -> tuple[_PhraseWord, ...]:
    return tuple((w.raw, w.stem) for w in tokens(phrase))


@functools.lru_cache(maxsize=16384)
def phrase_tight(phrase: str) -> frozenset[int]:
    """Positions of the phrase words written stuck to the word before ("self.app": 1): no extra word goes there."""
    chunks = [len(tokens(chunk)) for chunk in phrase.split()]
    if sum(chunks) != len(phrase_words(phrase)):
        return frozenset()
    tight: set[int] = set()
    k = 0
    for n in chunks:
        tight.update(range(k + 1, k + n))
        k += n
    return frozenset(tight)


@functools.lru_cache(maxsize=16384)
def phrase_dots(phrase: str) -> tuple[tuple[_PhraseWord, _PhraseWord], ...]:
    """The pairs of phrase words written with a dot between them (``flask.escape``): an answer
    says such an identifier only where it writes the dot too ("Flask escapes" is not ``flask.escape``)."""
    ws = tokens(phrase)
    return tuple(((a.raw, a.stem), (b.raw, b.stem)) for a, b in itertools.pairwise(ws) if a.dot)


@functools.lru_cache(maxsize=16384)
def phrase_breaks(phrase: str) -> frozenset[int]:
    """Positions of the phrase words after a clause word of its own ("even *if* the view raised"): there the
    answer's match may go on into the next clause, as the phrase does."""
    ws = tokens(phrase)
    return frozenset(k for k in range(1, len(ws)) if ws[k].clause != ws[k - 1].clause)


@functools.lru_cache(maxsize=16384)
def _shape(phrase: str) -> tuple[tuple[_PhraseWord, ...], bool, bool, frozenset[int], frozenset[int]]:
    """What ``find`` needs of a phrase, worked out once: the words to look for (without a leading
    negation), whether it had one, whether it is loose (several words: one extra word inside, two in
    either order; one identifier such as ``flask.g`` is matched as written), and its tight and break
    positions."""
    want = phrase_words(phrase)
    tight, breaks = phrase_tight(phrase), phrase_breaks(phrase)
    if len(want) >= 2 and want[0][0] in NEGATIONS:
        return (want[1:], True, True, frozenset(k - 1 for k in tight if k > 1),
                frozenset(k - 1 for k in breaks if k > 1))
    return want, False, any(c.isspace() for c in phrase.strip()), tight, breaks


@functools.lru_cache(maxsize=16384)
def _compound_parts(key: tuple[str, str, str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """What ``Answer._compound`` looks for, worked out once per phrase word and its neighbours:
    the word's first parts, and the word joined with the next or the previous one (with their stems)."""
    raw, nxt, prev = key
    joined = tuple((j, stem(j)) for j in (raw + nxt if nxt else "", prev + raw if prev else "") if j)
    return tuple(raw[:n] for n in range(1, len(raw))), joined


def _neighbours(want: tuple[_PhraseWord, ...], k: int) -> tuple[str, str, str]:
    """Phrase word ``k`` with the next and the previous one ("" at the ends): its compound key."""
    return want[k][0], want[k + 1][0] if k + 1 < len(want) else "", want[k - 1][0] if k > 0 else ""


@functools.lru_cache(maxsize=16384)
def _checks(want: tuple[_PhraseWord, ...]) -> tuple[tuple[tuple[str, str, str], _PhraseWord, bool], ...]:
    """For ``Answer._possible``: each phrase word with its neighbours (the compound key) and whether it
    may be missing (an "is" / "are" inside the phrase), longest word first."""
    out = [(_neighbours(want, k), p, p[0] in _COPULA and 0 < k < len(want) - 1) for k, p in enumerate(want)]
    out.sort(key=lambda c: -len(c[1][0]))
    return tuple(out)


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
        # Kept apart for matching with typos (key-point phrases) and without (contradictions, ``find``).
        self._typos = True
        self._caches: dict[bool, dict[_PhraseWord, frozenset[str]]] = {True: {}, False: {}}
        self._heads = {raw[:3] for raw in self._raws}
        self._compounds: dict[tuple[str, str, str], frozenset[str]] = {}
        self._presents: dict[bool, dict[tuple[str, str, str], bool]] = {True: {}, False: {}}

    def _like(self, p: _PhraseWord) -> frozenset[str]:
        """The answer's distinct words that stand for phrase word ``p`` (its typos too, unless ``find`` was
        told to take none)."""
        cache = self._caches[self._typos]
        hit = cache.get(p)
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
        limit = _typo_limit(want_raw) if self._typos else 0
        near = [r for r in self._by_initial.get(want_raw[:1], ()) if abs(len(r) - len(want_raw)) <= limit]
        if limit and near:
            for raw, _score, _i in process.extract(want_raw, near, scorer=OSA.distance,
                                                   score_cutoff=limit, limit=None):
                if not raw.startswith(want_raw) and not want_raw.startswith(raw):
                    found.add(raw)
        result = cache[p] = frozenset(found)
        return result

    def find(self, phrase: str, *, typos: bool = True) -> Match | None:
        """The first place ``phrase`` occurs, preferring one that is not negated (``_find_phrase``).

        With ``typos`` False, each phrase word matches only itself, its own inflections (its stem), a
        longer word it starts or a compound, never another word one edit away: a wrong claim is matched
        so ("lazy loading fixes" is not "lazy loading fires", a real word); a key point keeps its tolerance.
        """
        if typos:
            return self._find_phrase(phrase)
        self._typos = False
        try:
            return self._find_phrase(phrase)
        finally:
            self._typos = True

    def _find_phrase(self, phrase: str) -> Match | None:
        """``find`` with the typo setting in force.

        A phrase that starts with a negation ("no secrets", "without circular imports")
        is found where the answer denies the rest of it in its own words ("avoid circular
        imports", "never store secrets"), and counts as negated where the answer asserts it.
        """
        want, inverted, loose, tight, breaks = _shape(phrase)
        if not want or not self.words:
            return None
        dots = phrase_dots(phrase)
        if dots and not all(self._dotted(a, b) for a, b in dots):
            return None
        if inverted:
            # Denied before, in so many words ("never store secrets", "avoid circular imports"), anywhere in
            # the answer; not "X doesn't matter" after it, nor "doesn't affect matching" (a denial of the effect).
            rest = self._find(want, loose=True, tight=tight, breaks=breaks)
            if rest is None:
                return None
            if rest.negated and self._denied_before(rest.start, rest.end):
                return Match(rest.start, rest.end, rest.words, negated=False, cue=rest.cue, inverted=True)
            denied = self._find(want, loose=True, tight=tight, breaks=breaks, denied=True)
            if denied is not None:
                return Match(denied.start, denied.end, denied.words, negated=False, cue=denied.cue, inverted=True)
            return Match(rest.start, rest.end, rest.words, negated=True, inverted=True)
        # A hyphenated name is matched whole: "flask-jwt" is not the start of Flask-JWT-Extended.
        return self._find(want, loose=loose, tight=tight, breaks=breaks, whole="-" in phrase)

    def _cut_name(self, start: int, end: int, want: tuple[_PhraseWord, ...]) -> bool:
        """The answer's words ``start:end`` end inside one of its hyphenated names, or skip a part of one."""
        raws = {raw for raw, _stem in want}
        return any(self.words[p].hyphen and (p + 1 == end or self.words[p + 1].raw not in raws)
                   for p in range(start, end))

    def _dotted(self, a: _PhraseWord, b: _PhraseWord) -> bool:
        """Some word the answer wrote for ``a`` is followed by a dot and a word for ``b``."""
        like_a, like_b = self._like(a), self._like(b)
        return any(w.dot and w.raw in like_a and nxt.raw in like_b
                   for w, nxt in itertools.pairwise(self.words))

    def _denied_before(self, start: int, end: int) -> bool:
        cue = self._cue(start, end)
        return cue is not None and cue < start and not any(w.raw in _EFFECT for w in self.words[cue + 1:start])

    def _compound(self, key: tuple[str, str, str]) -> frozenset[str]:
        """The answer's words that stand for a phrase word in a compound (``key``: the word and its
        neighbours in the phrase, ``_neighbours``): a first part of it written apart ("clean" of
        "clean up" for "cleanup"), or it written together with a neighbour ("setup")."""
        hit = self._compounds.get(key)
        if hit is not None:
            return hit
        prefixes, joined = _compound_parts(key)
        known, by_stem = self._known, self._by_stem
        out = {p for p in prefixes if p in known}
        for j, j_stem in joined:
            out.update(by_stem.get(j_stem, ()))
            if j in known:
                out.add(j)
        result = self._compounds[key] = frozenset(out)
        return result

    def _possible(self, want: tuple[_PhraseWord, ...]) -> bool:
        """A cheap test before the search: every phrase word has some answer word that could stand for it
        (looked at longest word first, the likeliest to be missing; each word's answer kept per answer)."""
        present = self._presents[self._typos]
        for key, p, optional in _checks(want):
            hit = present.get(key)
            if hit is None:
                hit = present[key] = bool(self._like(p)) or bool(self._compound(key))
            if not hit and not optional:
                return False
        return True

    def _find(self, want: tuple[_PhraseWord, ...], *, loose: bool, tight: frozenset[int],
              breaks: frozenset[int], denied: bool = False, whole: bool = False) -> Match | None:
        """The first match, preferring one not negated; with ``denied``, only one the answer denies before it;
        with ``whole``, none that cuts a hyphenated name of the answer (``_cut_name``)."""
        if not self._possible(want):
            return None
        orders = [want]
        if len(want) == 2 and loose and not _FUNCTION_WORDS.intersection((want[0][0], want[1][0])):
            orders.append((want[1], want[0]))  # "check constraint": "a constraint check"; never "in g": "g in"
        gaps = 1 if len(want) >= 2 and loose else 0
        first: Match | None = None
        self_negating = any(raw in NEGATIONS for raw, _stem in want)
        for n, order in enumerate(orders):
            for start in self._starts(order):
                end = self._match(order, 0, start, gaps, self.words[start].clause, tight,
                                  breaks if n == 0 else frozenset())
                if end is None or (whole and self._cut_name(start, end, order)):
                    continue
                if denied:
                    if self._denied_before(start, end):
                        return Match(start, end, " ".join(w.raw for w in self.words[start:end]), True,
                                     cue=self._cue(start, end))
                    continue
                cue = None if self_negating else self._cue(start, end)
                negated = cue is not None
                confined = cue is not None and cue >= end and self._dev_only(cue)
                m = Match(start, end, " ".join(w.raw for w in self.words[start:end]), negated, confined, cue)
                if not negated:
                    return m
                first = first or m
        return first

    def _starts(self, want: tuple[_PhraseWord, ...]) -> list[int]:
        """Where a match of ``want`` could begin: its first word, alone or in a compound."""
        raws = self._like(want[0]) | self._compound(_neighbours(want, 0))
        return sorted(i for r in raws for i in self._at[r])

    def may_name(self, phrase: str) -> bool:
        """A quick, loose test: every word of ``phrase`` starts like some word of the answer."""
        return all(raw[:3] in self._heads for raw, _stem in phrase_words(phrase))

    def has(self, phrase: str) -> bool:
        """True when ``phrase`` occurs and is not negated."""
        m = self.find(phrase)
        return m is not None and not m.negated

    def _match(self, want: tuple[_PhraseWord, ...], k: int, i: int, gaps: int, clause: int,
               tight: frozenset[int], breaks: frozenset[int]) -> int | None:
        """Answer position after matching ``want[k:]`` from position ``i``, or None."""
        if k == len(want):
            return i
        words = self.words
        if i >= len(words):
            return None
        if words[i].clause != clause:
            # A phrase's own clause word may be crossed ("even if the view raised"), and so may an "also" of the
            # answer's ("blueprints also register ..." says "blueprints register ..."), which ends a clause only
            # for negation: the phrase "X also Y" reads "X Y" as well.
            also = words[i].also and words[i].clause == clause + 1 and words[i - 1].clause == clause
            if not also and (k not in breaks or not clause < words[i].clause <= clause + 2):
                return None
            clause = words[i].clause
        w = words[i]
        if w.raw in self._like(want[k]):
            end = self._match(want, k + 1, i + 1, gaps, clause, tight, breaks)
            if end is not None:
                return end
        # Written together in the answer, apart in the phrase: "setup" for "set up".
        if k + 1 < len(want):
            joined = want[k][0] + want[k + 1][0]
            if w.raw == joined or w.stem == stem(joined):
                end = self._match(want, k + 2, i + 1, gaps, clause, tight, breaks)
                if end is not None:
                    return end
        # Apart in the answer, together in the phrase: "clean up" for "cleanup"; never the parts of one
        # identifier ("send_file" is not "sendfile").
        if i + 1 < len(words) and words[i + 1].clause == clause and not w.part:
            joined = w.raw + words[i + 1].raw
            if joined == want[k][0] or stem(joined) == want[k][1]:
                end = self._match(want, k + 1, i + 2, gaps, clause, tight, breaks)
                if end is not None:
                    return end
        # "debug off" said as "debug must be turned off".
        if k == len(want) - 1 and k > 0 and want[k][0] in _STATES and w.raw in _STATE_VERBS:
            for step in range(1, _STATE_REACH + 1):
                if i + step >= len(words) or words[i + step].clause != clause:
                    break
                if words[i + step].raw == want[k][0]:
                    return i + step + 1
                if words[i + step].raw not in _STATE_VERBS:
                    break
        # "X is Y" said as "X (Y)", "X: Y", "X = Y".
        if want[k][0] in _COPULA and 0 < k < len(want) - 1:
            end = self._match(want, k + 1, i, gaps, clause, tight, breaks)
            if end is not None:
                return end
        # One extra word inside: "once per test session"; never right after a negation of the phrase
        # ("does not match" is not "does not affect matching").
        if gaps and k > 0 and w.raw not in _NO_GAP and want[k - 1][0] not in NEGATIONS \
                and k not in tight:
            return self._match(want, k, i + 1, gaps - 1, clause, tight, breaks)
        return None

    def _negated(self, start: int, end: int) -> bool:
        return self._cue(start, end) is not None

    def _cue(self, start: int, end: int) -> int | None:
        """Where the answer denies the words at ``start:end`` (the cue's position), or None.

        Before the words, in their clause: "not" / "never" anywhere, "no need" / "no point" anywhere,
        other negations ("without", "skip", "instead of", "rather than", ...) two words before or
        across words that pass a negation on ("without going through any link table").  After them,
        within a few words: "is unnecessary / overkill / redundant", "isn't needed", "doesn't
        affect it", "plays no part", "is only needed on MySQL", "only in development".  Nothing in a
        hypothetical clause ("if you forget the rollback, ...") denies anything.
        """
        words = self.words
        if words[start].hypothetical:
            return None
        if start > 0 and words[start - 1].hyphen and words[start - 1].raw in _PREFIX_NEGATIONS:
            return start - 1  # "a non-owner can read it" denies "owner can read"
        clause = words[start].clause
        condition = False  # passed a "without" that did not deny the words itself ("can't X without Y")
        fence = None  # an "and" the words come after that starts a new predicate ("..., and use X")
        reach = True  # no negation was stopped short of the words: a list's negation may still deny them
        for j in range(start - 1, -1, -1):
            if words[j].clause != clause:
                break
            cue = words[j].raw
            if cue == "and" and fence is None and words[j + 1].raw in _NEW_PREDICATE:
                fence = j
            if cue not in NEGATIONS:
                continue
            if (fence is not None and self._own_predicate(j, fence)) or self._limit(j, start) \
                    or self._in_subject(j, start):
                # "I never trust it and use secure_filename": the "never" denies "trust it" only;
                # "json.dumps can't serialise arbitrary objects": a limit of json.dumps, not a denial.
                reach = False
                break
            if condition and cue in _CLAUSE_WIDE:
                reach = False
                break  # "you can't change it without the SECRET_KEY": the key is needed
            if cue in _NEGATING_VERBS and j > 0 and words[j - 1].clause == clause \
                    and words[j - 1].raw in ("not", "never"):
                return None  # "don't forget to roll back", "never skip validation": said twice, it is a yes
            if cue in _GERUNDS and any(w.raw in _CONSEQUENCE for w in words[end:] if w.clause == clause):
                return None  # "skipping validation lets bad data in": the consequence says it is needed
            nxt = words[j + 1].raw if j + 1 < len(words) else ""
            if cue == "not" and nxt in _NOT_NEGATING_AFTER and j + 1 < start:
                continue
            if cue == "rather":  # "rather than X"; "I'd rather use X" says X
                if nxt != "than" or j + 1 >= start:
                    continue
                j += 1
            if cue in _CLAUSE_WIDE or (cue == "no" and nxt in _NO_WIDE) or start - j <= _SHORT_SCOPE:
                return j
            if all(w.raw in _TRANSPARENT or w.raw.endswith("ing") for w in words[j + 1:start]):
                return j
            condition |= cue == "without"
        if reach and words[start].lead >= 0:
            listed = self._list_negation(start)
            if listed is not None:
                return listed
        n = len(words)
        clause = words[end - 1].clause
        for j in range(end, min(n, end + _AFTER_SCOPE)):
            w = words[j]
            if w.clause != clause:
                break
            nxt = words[j + 1].raw if j + 1 < n and words[j + 1].clause == clause else ""
            after = words[j + 2].raw if j + 2 < n and words[j + 2].clause == clause else ""
            if w.raw in _DENIED:
                return j
            if (w.raw in _BEFORE_NOTHING and nxt == "nothing") or (w.raw in _BEFORE_IGNORED and nxt == "ignored"):
                return j  # "X does nothing", "X is ignored"
            if w.raw in ("not", "never") and (nxt in _NEEDED or (nxt in _CHANGE and after in _ANYTHING)):
                return j  # "X isn't needed", "X won't change anything"
            if w.raw == "no" and nxt in _NO_ROLE:
                return j
            if nxt == "no" and after in _NO_ROLE:  # "X makes no difference", "X has no effect"
                return j
            if w.raw == "only" and (nxt in _ONLY_NEEDED or self._dev_only(j)):
                return j
            if w.raw in _AFTER_BREAK or w.raw in NEGATIONS or (w.raw == "or" and nxt in _PRONOUNS) \
                    or (w.raw in ("and", "or") and nxt.endswith("ing") and after in _AUX):
                break  # "set X, or it is ignored", "X, and retrying does not help": about another subject
        return None

    def _list_negation(self, start: int) -> int | None:
        """The negation that opens the list the words at ``start`` are in ("you should not: A, B, C",
        "what it is not: A, B"): the last word before the colon, or a "not" / "never" before a last word
        that announces the list ("it does not do the following: ..."); or None. It reaches as far into
        each item as it would right before it: "avoid: dropping the status (page comes back 200)" avoids
        the dropping, not the 200."""
        cue = self._list_cue(start)
        if cue is None or self.words[cue].raw in _CLAUSE_WIDE:
            return cue
        item = start
        while item > 0 and self.words[item - 1].clause == self.words[start].clause:
            item -= 1
        if start - item < _SHORT_SCOPE or all(w.raw in _TRANSPARENT or w.raw.endswith("ing")
                                              for w in self.words[item:start]):
            return cue
        return None

    def _list_cue(self, start: int) -> int | None:
        """``_list_negation``'s negation, whatever its reach."""
        lead = self.words[start].lead
        before = []  # the lead clause's positions, last first (clause numbers only grow along the text)
        for k in range(start - 1, -1, -1):
            if self.words[k].clause < lead:
                break
            if self.words[k].clause == lead:
                before.append(k)
        if not before:
            return None
        last = before[0]
        if self.words[last].raw in NEGATIONS:
            return last
        if self.words[last].raw in _ANNOUNCES:
            return next((k for k in before if self.words[k].raw in ("not", "never")), None)
        return None

    def _in_subject(self, j: int, start: int) -> bool:
        """The negation at ``j`` is inside a subject that a verb after it ends: "whatever hasn't been committed
        is rolled back" says the rollback happens; the "not" is about what was committed."""
        words = self.words
        if not any(k >= 0 and words[k].clause == words[j].clause and words[k].raw in _FREE_RELATIVES
                   for k in (j - 1, j - 2, j - 3)):  # "anything that isn't committed"
            return False
        return any(w.raw in _MAIN_VERBS for w in words[j + 2:start])

    def _limit(self, j: int, start: int) -> bool:
        """The "not" at ``j`` states what something cannot do: "<subject> can not <verb> ..." with a subject
        other than the one who answers and a verb of its own before the words at ``start``. It denies the
        verb, not its object ("json.dumps can't serialise arbitrary objects" names the arbitrary objects);
        "you can't use X" and "it can not be used" still deny (advice, or a verb that passes it on)."""
        words = self.words
        if words[j].raw != "not" or j < 2 or j + 1 >= start or words[j - 1].raw != "can":
            return False
        subject, verb = words[j - 2], words[j + 1]
        return (subject.clause == words[j].clause and subject.raw not in _ADDRESSED
                and verb.raw not in _TRANSPARENT and verb.raw not in _AUX and verb.raw not in NEGATIONS)

    def _own_predicate(self, j: int, fence: int) -> bool:
        """The negation at ``j`` denies a predicate of its own before the "and" at ``fence``: two words or
        more, and no infinitive ("you don't need to call strip and use X" denies both verbs, as does
        "never rename and use X": one word is a verb shared with the next)."""
        between = self.words[j + 1:fence]
        return len(between) >= 2 and not any(w.raw == "to" for w in between)

    def _dev_only(self, j: int) -> bool:
        """True when the "only" at ``j`` confines what comes before to development ("only in dev", "only locally")."""
        after = [w.raw for w in self.words[j + 1:j + 3] if w.clause == self.words[j].clause]
        return bool(after) and (after[0] in _DEV or (after[0] in ("in", "for", "during", "on", "when", "while")
                                                     and len(after) > 1 and after[1] in _DEV))

    def _advised_beyond(self, start: int) -> bool:
        """The words at ``start`` follow advice not to stop at them: "don't just strip the tags", "you
        shouldn't merely hash it" warn against the claim ("it does not just escape" still says it escapes)."""
        words = self.words
        k = start - 3
        if k < 0 or words[start - 1].raw not in _MERELY or words[start - 2].raw != "not" \
                or words[k].raw not in _ADVISING or any(w.clause != words[start].clause for w in words[k:start]):
            return False
        return k == 0 or words[k - 1].clause != words[k].clause or words[k - 1].raw in _ADDRESSED

    def dismissed(self, m: Match) -> bool:
        """True when the clause holding ``m`` names it only to reject it ("X was removed")."""
        clause = self.words[m.start].clause
        # The claim's own words do not dismiss it ("before" of ``before_first_request``); "instead" and
        # "before" dismiss only what follows them ("instead of X", "before 2.3, X"): a claim ahead of
        # them is asserted ("redirect to the home page instead of a 404"). A rename dismisses the old
        # name, not the new one after "by" / "with" / "to" ("Y was replaced by X").
        words = self.words
        if m.negated:
            # A claim that starts with a negation ("no csrf token"), where the answer asserts the rest, is not
            # made, whatever follows the rest ("a csrf token is harmless").
            if m.inverted:
                return True
            # "X is harmless" says X is fine: no point is heard in it, and a wrong claim X is made, not dismissed.
            return m.cue is None or words[m.cue].raw not in _ASSERTS_FINE
        if self._advised_beyond(m.start):
            return True
        # A claim's own leading negation ("never" of "X never exists outside a request", at ``m.cue``) is part of
        # the claim, not a dismissal of it.
        at = [k for k, w in enumerate(words) if w.clause == clause and not m.start <= k < m.end]
        renamed = next((k for k in at if k < m.start and words[k].stem in _RENAMES), None)
        if renamed is not None:  # only what the clause says after "by" / "with" / "to" counts against X
            successor = [k for k in at if renamed < k < m.start and words[k].raw in _SUCCESSOR]
            if successor:
                at = [k for k in at if k > successor[-1]]
        # A word inside an identifier dismisses nothing ("before" of ``before_first_request``).
        at = [k for k in at if not words[k].part and not (k > 0 and words[k - 1].part)]
        return any(words[k].stem in RETIRED and k != m.cue
                   and not (k < m.start and words[k].stem in _JUDGEMENTS and words[k].situation)
                   and (k < m.start or (words[k].stem not in _FORWARD and words[k].raw not in _FORWARD_RAW))
                   and (words[k].stem not in _FORWARD or m.start - k <= _FORWARD_REACH)
                   and (words[k].stem not in _AGE or 0 < m.start - k <= _AGE_REACH)
                   for k in at)
