"""What is checked before an open answer is graded; each refusal is a clear reply and records nothing.

- longer than ``MAX_ANSWER`` characters (the same limit on every platform, shown with the question);
- a letter or true/false typed to a question that wants sentences;
- a bare list of keywords: interviewers want the idea in a sentence, and the phrases
  the grader looks for are shown in every feedback;
- mostly not English: the key points are English phrases, so another language
  would be graded wrong without a word of why.
"""

from __future__ import annotations

import re

from bot import wording
from bot.errors import UserError
from bot.grading.text import fold

MAX_ANSWER = 1500

_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"\s*(?:[a-e][.)]?|true|false|t|f|yes|no)\s*", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")  # "(a, b)" belongs to the item it follows
_SEGMENTS = re.compile(r"[,|\n\u2022]+|\s-\s")
# Marks of a sentence, however terse: "x -> y", "a = b", "(...)", "; ", ". Then".
_SENTENCE = re.compile(r";|->|=>|\s=\s|[a-z0-9)\]]\.\s+[a-z]")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that a sentence of English can hardly do without, and that a keyword list leaves out.
ENGLISH = _wordset("""
the a an is are was were be been being to of in on at by for with from into onto as it its this that these
those there here you your we our they them their he she i me my and or but if then so because when while
which who what how why where not no do does did can could will would should must may might has have had
just only also than use uses using used need needs run runs make makes get gets keep keeps put puts let lets
one each any all some more most less very too same other another until after before about over under out up
""")
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
    if _keyword_list(folded, found):
        raise UserError(wording.KEYWORDS_ONLY)
    return text


def _foreign(found: list[str]) -> bool:
    if len(found) < 6:
        return False
    english = sum(w in ENGLISH for w in found)
    other = max(sum(w in vocab and w not in ENGLISH for w in found) for vocab in OTHER_LANGUAGES.values())
    return other >= 3 and other > 2 * english


def _keyword_list(folded: str, found: list[str]) -> bool:
    """Short items in a row, with hardly a word that would join them into a sentence."""
    if len(found) < 4 or _SENTENCE.search(folded):
        return False
    glue = sum(w in ENGLISH for w in found) / len(found)
    items = [s for s in _SEGMENTS.split(_PARENS.sub(lambda m: m[0].replace(",", " "), folded)) if s.strip()]
    short = sum(len(_WORD.findall(s)) <= 3 for s in items)
    return glue < 0.06 or (len(items) >= 5 and short >= 0.85 * len(items) and glue < 0.2)
