"""Grading answers: choices exactly, open answers against their key points (``lexical``)."""

from bot.grading.grader import grade
from bot.grading.lexical import (
    Answer,
    Grade,
    grade_choice,
    grade_open,
    letters,
    open_threshold,
    parse_choice,
    phrase_in,
    words,
)

__all__ = ["Answer", "Grade", "grade", "grade_choice", "grade_open", "letters", "open_threshold",
           "parse_choice", "phrase_in", "words"]
