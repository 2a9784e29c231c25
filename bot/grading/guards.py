"""What is checked before an open answer is graded; each refusal is a clear reply and records nothing.

- longer than ``MAX_ANSWER`` characters (the same limit on every platform, shown with the question);
- a letter or true/false typed to a question that wants sentences;
- a bare list of keywords, in any form (commas, bullets, new lines, " / ", a leading
  "basically:"): items in a row of which hardly one makes a statement (a verb with its
  subject, a relation between terms); interviewers want the idea in a sentence, and the
  phrases the grader looks for are shown in every feedback;
- mostly not English: the key points are English phrases, so another language
  would be graded wrong without a word of why.
"""

from __future__ import annotations

import re

from bot import wording
from bot.errors import UserError
from bot.grading.text import VERB_FORMS, fold
from bot.grading.text import wordset as _wordset

MAX_ANSWER = 1500

_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"\s*(?:[a-e][.)]?|true|false|t|f|yes|no)\s*", re.IGNORECASE)

# A keyword list is told from a terse answer by what makes a statement: a verb with its
# subject or a relation between terms.  The answer is cut into items (commas, semicolons,
# sentence ends, colons, new lines, bullets, " / "); brackets, quotes and code spans stay
# with their item.  An item *states* when it holds a relation mark ("x -> y", "a = b",
# "a != b", "a >= b"), an auxiliary or modal ("is", "can", "must"), a subject pronoun,
# a word that joins clauses ("because", "so", "if", "then", "which", ...), a verb in its
# -s form that is hardly ever a plural noun ("wraps", "wins", "makes"), or a participle
# between its noun and what follows ("blueprints registered there").  A sentence break
# inside the answer, or a full stop ending it, counts as a statement too.
_GROUP = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}|`[^`]*`|\"[^\"\n]*\"")
_GROUP_PUNCT = re.compile(r"[,;:.!?/]")
_ITEMS = re.compile(r"[,;\n\u2022|]+|[.!?:](?=\s|$)|\s[-\u2013\u2014*/]+\s|^\s*[-*]\s")
_BREAKS = re.compile(r"[a-z0-9)\]`'\"][.!?]\s+\S|;\s*\S|[.!?]\s*$")
_RELATION = re.compile(r"->|=>|\u2192|\s=\s|==|!=|\u2260|<=|>=|\s[<>]\s")
_ITEM_WORD = re.compile(r"[a-z][a-z0-9_'.-]*")
# An answer this long with no sentence break and a fifth or less of grammar words is a list of terms
# unless a quarter of its items state something in words: relation marks ("x -> y", "a = b") do not
# count there.  No answer labelled correct in the grading sets (462 + 308 answers) is one, while
# most keyword lists the item rules missed were.
_RUN_ON_WORDS = 12
# A dotted name is one term there: "form -> request.form, json -> request.json, ..." is a mapping of four, not a
# run of twelve words.
_DOTTED = re.compile(r"[^\W\d]\w*(?:\.\w+)+")
# Prose wrapped by an editor: a long line going on in lower case on the next one is one line, not two items.
_WRAPPED = re.compile(r"(?<=[^\n]{60})\n(?=[a-z`(])")


# Words that a sentence of English can hardly do without, and that a keyword list leaves out.
ENGLISH = _wordset("""
the a an is are was were be been being to of in on at by for with from into onto as it its this that these
those there here you your we our they them their he she i me my and or but if then so because when while
which who what how why where not no do does did can could will would should must may might has have had
just only also than use uses using used need needs run runs make makes get gets keep keeps put puts let lets
one each any all some more most less very too same other another until after before about over under out up
""")
# What makes an item of a list a statement (see ``_keyword_list``).
_AUXILIARIES = _wordset("is are was were be been am do does did has have had can could will would should must may "
                        "might shall")
_SUBJECTS = _wordset("i you we they it he she u")
_JOINERS = _wordset("because so since if unless when whenever whereas although though otherwise which until then "
                    "instead therefore hence thus")
# Words that say nothing themselves: "basically: a, b, c", "stuff like x, y etc".
_FILLERS = _wordset("basically essentially etc e.g eg i.e ie like stuff things also and or plus maybe mostly tbh imo "
                    "ok just")
# Verbs whose -s form is a statement ("the first match wins", "middleware wraps wsgi_app"): ``text.VERBS``.
_VERB_FORMS = VERB_FORMS | {"does", "goes", "has"}
# Irregular participles that follow their noun the same way ("extensions bound via init_app").
_PARTICIPLES = _wordset("bound built kept sent written hidden shown given taken chosen held left made done")
OTHER_LANGUAGES = {
    "German": _wordset("der die das und ist nicht ein eine einen mit zu den von sie es wird werden auf für "
                       "dass wenn auch sich kann man im dem des oder aber wie wir ich du"),
    "Spanish": _wordset("el la los las y es que en un una con por para se lo del al como más pero su si "
                        "puede cuando está son esto usar hay muy también"),
    "French": _wordset("le la les et est pas que en un une avec pour dans qui ce il sur au du des ne ou "
                       "si on peut sont cette mais comme aussi"),
    "Portuguese": _wordset("o os as e é não que em um uma com por para se do da no na dos das mas como "
                           "também são está pode"),
}


def check(kind: str, text: str) -> str:
    """The text to grade, or UserError saying why it will not be graded."""
    if len(text) > MAX_ANSWER:
        raise UserError(wording.ANSWER_TOO_LONG.format(limit=MAX_ANSWER, length=len(text)))
    if kind != "open":
        return text
    if _LETTER.fullmatch(text):
        raise UserError(wording.OPEN_WANTS_SENTENCES)
    folded = fold(text)
    found = _WORD.findall(folded)
    if _foreign(found):
        raise UserError(wording.ENGLISH_ONLY)
    if _keyword_list(fold(_WRAPPED.sub(" ", text)) if "\n" in text else folded, found):
        raise UserError(wording.KEYWORDS_ONLY)
    return text


def _foreign(found: list[str]) -> bool:
    if len(found) < 6:
        return False
    english = sum(w in ENGLISH for w in found)
    other = max(sum(w in vocab and w not in ENGLISH for w in found) for vocab in OTHER_LANGUAGES.values())
    return other >= 3 and other > 2 * english


def _keyword_list(folded: str, found: list[str]) -> bool:
    """Items in a row of which hardly one makes a statement (see the notes at ``_GROUP``)."""
    english = sum(w in ENGLISH for w in found)
    if len(found) < 4 or english >= 0.3 * len(found):  # prose, or an enumeration in prose: no bare list
        return False
    breaks = len(_BREAKS.findall(folded))
    run_on = not breaks and _terms(folded, found) >= _RUN_ON_WORDS and english <= 0.2 * len(found)
    if breaks and breaks >= 0.15 * (len(_ITEMS.findall(folded)) + 1):
        return False  # sentences enough, whatever the items say (the items are fewer than the separators)
    flat = folded
    for _ in range(3):  # brackets inside brackets: "args (query string: request.args.get('q'))"
        grouped = _GROUP.sub(lambda m: " " + _GROUP_PUNCT.sub(" ", m[0][1:-1]) + " ", flat)
        if grouped == flat:
            break
        flat = grouped
    items = []
    for segment in _ITEMS.split(flat):
        ws = [w.strip("'.-") for w in _ITEM_WORD.findall(segment)]
        if any(w and w not in _FILLERS for w in ws) or _RELATION.search(segment):
            items.append((segment, ws))
    statements = breaks + sum(_states(seg, ws) for seg, ws in items)
    if run_on:  # no sentence anywhere, hardly a word of grammar: a quarter of the items must say something in words
        return sum(_states(seg, ws, marks=False) for seg, ws in items) < len(items) / 4
    if len(items) >= 6:
        return statements < 0.15 * len(items)
    return len(items) >= 4 and statements == 0 and english < 0.1 * len(found)


def _terms(folded: str, found: list[str]) -> int:
    """How many terms the words ``found`` in ``folded`` make, a dotted name (``request.args``) counting once."""
    return len(found) - sum(len(_WORD.findall(name)) - 1 for name in _DOTTED.findall(folded))


def _states(segment: str, ws: list[str], *, marks: bool = True) -> bool:
    if marks and _RELATION.search(segment):
        return True
    for k, w in enumerate(ws):
        if w in _AUXILIARIES or w in _SUBJECTS or w in _JOINERS or w in _VERB_FORMS:
            return True
        # A participle between its noun and what follows is a clause with its "is" left out:
        # "blueprints registered there", "extensions bound via init_app".
        participle = (len(w) >= 5 and w.endswith("ed")) or w in _PARTICIPLES
        if 0 < k < len(ws) - 1 and participle and ws[k - 1] not in ENGLISH and not ws[k - 1].endswith("ed"):
            return True
    return False
