"""Typed text made comparable: words, their stems, clauses and negation.

Answers and key-point phrases go through the same steps, so whatever is done
to one is done to the other:

- Unicode folded (NFKC, case), curly quotes made straight;
- contractions expanded (``don't`` → ``do not``, ``I'd`` → ``i would``), the
  possessive ``'s`` dropped (``server's fault`` → ``server fault``);
- a small table of abbreviations written out (``db``, ``bp``, ``prod``, ``ctx``,
  ``cfg``/``config``, ``req``, ``resp``, ``deps``, ...), and ``.env`` kept apart
  from ``FLASK_ENV`` (it becomes ``dotenv``);
- words stemmed with the Snowball English stemmer (``revoked`` ~ ``revoke``);
- the text cut into clauses at sentence punctuation, commas and words such as
  "but" or "whereas": a phrase never matches across a clause, and a negation
  reaches only the clause it is in.  Code is not prose: brackets stuck to a word
  (``flask[async]``, ``methods=['GET', 'POST']``, ``init_app(app)``) and an
  ellipsis (``SELECT ... FOR UPDATE``) cut nothing.  "instead of" stays in its
  clause (it is a negation there; "instead" alone starts a new clause).
  A clause opened by "if", "unless" or "otherwise" is *hypothetical*: "if you
  forget the rollback, ..." says the rollback is needed, not that it is not.
  A clause a colon ends is kept for the list after it (``Word.lead``), so a
  negation there can reach the list ("you should not: A, B, C").
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

import Stemmer

_STEMMER = Stemmer.Stemmer("english")

# Whole-text rewrites, applied before words are split.
_QUOTES = re.compile(r"[\u2018\u2019\u02bc\u0060\u00b4]")
# Contractions and possessives, in one pass (the first alternative that fits wins).
_CONTRACTION = re.compile(r"\b(can't|cannot|won't|shan't|ain't)\b|n't\b|'(re|ve|ll|d|m)\b"
                          r"|\b(it|that|there|here|what|who|he|she|this)'s\b|'s\b|s'(?=\s|$)")
_WHOLE = {"can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not"}
_SUFFIX = {"re": " are", "ve": " have", "ll": " will", "d": " would", "m": " am"}


def _contraction(m: re.Match[str]) -> str:
    whole, suffix, subject = m.group(1), m.group(2), m.group(3)
    if whole:
        return _WHOLE[whole]
    if suffix:
        return _SUFFIX[suffix]
    if subject:
        return subject + " is"
    t = m.group(0)
    return " not" if t == "n't" else "s" if t == "s'" else ""


# Whole-text rewrites after the contractions, each with a substring that must be there for it to apply.
_REWRITES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple((k, re.compile(p), r) for k, p, r in (
    ("/", r"\bw/o\b", " without "), ("/", r"\bw/(?=\s|\w)", " with "), ("/", r"\bb/c\b", " because "),
    ("env", r"\benv\s*vars?\b", " environment variables "),
    (".", r"(?:(?<=\s)|^)\.(?=[a-z])", "dot"),  # ".env" (a file), never the "env" of FLASK_ENV
))

ABBREVIATIONS: dict[str, str] = {
    "db": "database", "dbs": "databases", "bp": "blueprint", "bps": "blueprints", "prod": "production",
    "ctx": "context", "cfg": "configuration", "config": "configuration", "configs": "configurations",
    "req": "request", "reqs": "requests", "resp": "response", "resps": "responses", "deps": "dependencies",
    "dep": "dependency", "conn": "connection", "conns": "connections", "tx": "transaction",
    "txn": "transaction", "txns": "transactions", "param": "parameter", "params": "parameters",
    "arg": "argument", "args": "arguments", "msg": "message", "msgs": "messages", "info": "information",
    "dir": "directory", "dirs": "directories", "tmp": "temporary", "temp": "temporary",
    "dev": "development", "repo": "repository", "k8s": "kubernetes", "pw": "password", "pwd": "password",
    "mgr": "manager", "mgmt": "management", "pkg": "package", "pkgs": "packages", "cmd": "command",
    "cmds": "commands", "exts": "extensions", "obj": "object", "objs": "objects", "proc": "process",
    "procs": "processes",
    "func": "function", "funcs": "functions", "fn": "function", "fns": "functions", "lib": "library",
    "libs": "libraries", "fk": "foreign key", "fks": "foreign keys", "pk": "primary key", "mem": "memory",
    "m2m": "many to many", "var": "variable", "vars": "variables", "attr": "attribute", "attrs": "attributes",
    "impl": "implementation", "perf": "performance", "perms": "permissions", "authn": "authentication",
    "authz": "authorization", "js": "javascript", "ppl": "people", "bg": "background", "mw": "middleware",
    "theres": "there is", "thats": "that is", "wont": "will not", "cuz": "because", "cos": "because",
    "u": "you", "ur": "your", "thru": "through", "w": "with", "approx": "approximately",
    # Words a phrase and an answer use for the same idea.
    "several": "multiple", "many": "multiple", "numerous": "multiple", "every": "each",
    "isnt": "is not", "dont": "do not", "doesnt": "does not", "cant": "can not",
}

def wordset(text: str) -> frozenset[str]:
    """The words of ``text``, for word lists written as one string."""
    return frozenset(text.split())


# Verbs an answer uses, in their base form; their -s form is hardly ever a plural noun ("wraps", "wins"),
# so a word here starts a statement (``guards``: a keyword list has none; ``match``: after "and", a new
# verb a negation before it does not reach). Verbs whose -s form is as often a noun ("logs", "checks",
# "calls", "tests") are left out.
VERBS = wordset("""accept allow apply become break bring build catch clear close come compare contain convert
cover create decide define delete depend describe detect disable dispatch drop emit enable encode encrypt enforce ensure
escape evaluate execute exist expire expose fail follow force forget forward get give go guarantee happen help hide hold
ignore include increase inject insert keep kill know leak leave let live load lose make mean merge miss move notify open
override own parse pass persist pick prevent provide pull push put raise reach receive reduce register reject rely
remove render replace require reset resolve respond restore return reuse revoke rotate run save see send
serve share show sign skip slow spawn stay stop store succeed support survive swallow take talk tell throw trigger
trust turn understand wait want warn win wrap write shadow generate treat expect matter cost need use""")
# Their -s forms ("wraps", "pushes"): a statement in the third person.
VERB_FORMS = frozenset(v + "es" if v.endswith(("s", "sh", "ch", "x", "z")) else v + "s" for v in VERBS)

# Left out of matching on both sides: they carry no meaning a key point needs.
GLUE = frozenset({"a", "an", "the"})

# Words ending a clause (besides punctuation): a negation before them stops there.
CLAUSE_WORDS = frozenset({"but", "however", "whereas", "although", "though", "while", "yet", "otherwise", "so",
                          "because", "since", "which", "then", "thus", "hence", "therefore", "unless", "until",
                          "instead", "plus", "also", "if", "when", "whenever", "unlike", "whose"})

# Clauses that state a condition, not a claim: a negation in them denies nothing.
HYPOTHETICAL = frozenset({"if", "unless", "otherwise"})
# Clauses that may open by naming a situation ("when something is wrong, ...").
SITUATION = frozenset({"if", "unless", "when", "whenever"})

# A bracket group stuck to a word, "=" or "." is code ("flask[async]", "methods=['GET', 'POST']",
# "init_app(app)"): its brackets, commas and quotes are spaces, not clause breaks.
_CODE_GROUP = re.compile(r"(?<=[\w=.\]])[\[(]([^\[\]()\n]{0,80})[\])]")
_CODE_PUNCT = re.compile(r"[,'\"]")
_ELLIPSIS = re.compile(r"\.{2,}")
# An opening parenthesis cuts no clause ("Quart (ASGI) is ...": the aside belongs to the word before it);
# the closing one does.
_CLAUSE_PUNCT = re.compile(r"([.!?;:,](?=\s|$)|[\n)\[\]{}]|\s[-\u2013\u2014]+\s)")  # kept: see ``_LIST_ENDS``
# A colon opens a list that its clause introduces ("you should not: A, B, C"); a sentence end closes it.
_LIST_ENDS = frozenset({".", "!", "?", ";", "\n"})
_WORD = re.compile(r"[a-z0-9]+")
# A line broken inside a sentence (Shift-Enter in Slack, a wrapped paste): a line that ends in a word
# and a next line that goes on in lower case are one line.  A capital, a bullet or a blank line after
# it still starts a new clause.  (guards._WRAPPED is the keyword-list guard's stricter twin: there a
# short lower-case line is a list item, so only a long line counts as wrapped prose.)
_SOFT_WRAP = re.compile(r"(?<=[a-z0-9_`'\")])[ \t]*\n[ \t]*(?=[a-z`(])")


# Names sharing a suffix, written once: "before/after/teardown_request" is before_request, after_request
# and teardown_request.
_SHARED_SUFFIX = re.compile(r"\b([a-z]+(?:/[a-z]+)+)_([a-z]\w*)")


def fold(text: str) -> str:
    """Unicode-fold, lower-case and rewrite contractions and abbreviations-with-symbols."""
    t = _QUOTES.sub("'", unicodedata.normalize("NFKC", text).casefold())
    if "'" in t or "cannot" in t:
        t = _CONTRACTION.sub(_contraction, t)
    for needle, pattern, repl in _REWRITES:
        if needle in t:
            t = pattern.sub(repl, t)
    if "/" in t and "_" in t:
        t = _SHARED_SUFFIX.sub(lambda m: "/".join(f"{p}_{m[2]}" for p in m[1].split("/")), t)
    return t


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


@dataclass(frozen=True, slots=True)
class Word:
    raw: str      # as typed (folded), after the abbreviation table
    stem: str
    clause: int   # which clause of the text it is in
    hypothetical: bool = False  # its clause is a condition ("if you forget X, ...")
    part: bool = False  # joined to the next word by "_" in one identifier ("send" of ``send_file``)
    dot: bool = False  # joined to the next word by "." ("flask" of ``flask.escape``)
    hyphen: bool = False  # joined to the next word by "-" ("jwt" of Flask-JWT-Extended)
    lead: int = -1  # in a list after a colon: the clause before the colon ("you should not: A, B"), or -1
    also: bool = False  # the first word of a clause opened by "also" ("blueprints also register ...")
    situation: bool = False  # its clause is opened by "if", "when", ...: it may name a situation ("when it goes wrong")


def _code(text: str) -> str:
    """Brackets of code made plain words, so they cut no clause."""
    if "(" in text or "[" in text:
        for _ in range(2):  # one level of nesting: "dict(a=[1, 2])"
            text = _CODE_GROUP.sub(lambda m: " " + _CODE_PUNCT.sub(" ", m.group(1)) + " ", text)
    return _ELLIPSIS.sub(" ", text) if ".." in text else text


def _ends_clause(found: list[str], k: int) -> bool:
    """Word ``k`` of ``found`` is a clause word, which ``tokens`` reads as a break, not as a word
    ("instead of" is kept: it negates what follows)."""
    return found[k] in CLAUSE_WORDS and not (found[k] == "instead" and k + 1 < len(found) and found[k + 1] == "of")


def dropped_edge(phrase: str) -> str | None:
    """The clause word a phrase of two or more words starts or ends with, which ``tokens`` drops, so the
    phrase matches without it ("rolls back automatically when" is "rolls back automatically"); or None."""
    found = _WORD.findall(fold(phrase))
    if len(found) < 2:
        return None
    return next((found[k] for k in (0, len(found) - 1) if _ends_clause(found, k)), None)


def tokens(text: str) -> list[Word]:
    """The text's words, in order, each with its stem and clause number."""
    out: list[Word] = []
    clause = 0
    if "\n" in text:
        text = _SOFT_WRAP.sub(" ", text)
    lead = -1
    pieces = _CLAUSE_PUNCT.split(_code(fold(text)))
    for part, delimiter in itertools.zip_longest(pieces[::2], pieces[1::2], fillvalue=""):
        spans = (list(_WORD.finditer(part)) if "_" in part or "." in part or "-" in part
                 else None)  # only identifiers and hyphenated names have parts
        found = [m[0] for m in spans] if spans is not None else _WORD.findall(part)
        hypothetical = also = situation = False
        for k, raw in enumerate(found):
            if _ends_clause(found, k):
                clause += 1
                hypothetical = raw in HYPOTHETICAL
                situation = raw in SITUATION
                also = raw == "also"
                lead = -1  # "you should not: A, but B": the list ends at a clause word
                continue
            joined = dot = hyphen = False
            if spans is not None and k + 1 < len(spans):
                end = spans[k].end()
                between = part[end:spans[k + 1].start()]
                joined = between == "_"
                dot = "." in between and not any(c.isspace() for c in between)  # also "<bp>.<view>"
                hyphen = between == "-"
            for w in ABBREVIATIONS.get(raw, raw).split():
                if w not in GLUE:
                    out.append(Word(w, stem(w), clause, hypothetical, joined, dot, hyphen, lead, also, situation))
                    also = False
        clause += 1
        if delimiter.strip() == ":":
            lead = clause - 1
        elif delimiter in _LIST_ENDS:
            lead = -1
    return out


def words(text: str) -> list[str]:
    """The folded words of a text (no stemming), for callers that only need to compare words."""
    return [w.raw for w in tokens(text)]
