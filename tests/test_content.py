"""The content format, its error messages, and the Flask pack's size, coverage and quality rules."""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from bot.content import LEVELS, count, json_schema, load_library
from bot.content.lint import COMMON_PHRASE_SHARE, NEUTRAL_SENTENCES, lint
from bot.errors import ContentError
from bot.grading.text import dropped_edge
from bot.runtime.cli import main
from tests.conftest import CONTENT, SAMPLE

EXAMPLE = SAMPLE / "sample" / "example.toml"


def broken_pack(tmp_path: Path, old: str, new: str) -> Path:
    root = tmp_path / "content"
    shutil.copytree(SAMPLE, root)
    f = root / "sample" / "example.toml"
    text = f.read_text()
    assert old in text, old
    f.write_text(text.replace(old, new, 1))
    return root


@pytest.mark.parametrize(("old", "new", "qid", "field", "words"), [
    ('answer = "B"', 'answer = "F"', "example-trailing-slash", "answer", "one letter from A to D"),
    ('level = "junior"', 'level = "expert"', "example-trailing-slash", "level", "junior"),
    ('kind = "truefalse"', 'kind = "yesno"', "example-session-signed", "kind", "choice"),
    ('prompt = "Explain', 'promt = "Explain', "example-open-factory", "promt", "unknown field"),
    ('"404 Not Found, because the rule ends with a slash",', '"405 Method Not Allowed",',
     "example-trailing-slash", "choices", "distinct"),
    ('references = ["https://flask.palletsprojects.com/en/stable/quickstart/#sessions"]', 'references = []',
     "example-session-signed", "references", "at least 1"),
])
def test_errors_name_file_question_and_field(tmp_path: Path, old: str, new: str, qid: str, field: str,
                                             words: str) -> None:
    root = broken_pack(tmp_path, old, new)
    with pytest.raises(ContentError) as err:
        load_library(root)
    problems = err.value.problems
    assert any(p.question == qid and p.field == field and words in p.message
               and p.file.endswith("example.toml") for p in problems), problems
    assert f"question '{qid}'" in str(err.value)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    root = broken_pack(tmp_path, 'topic = "example"', 'topic = "example')
    with pytest.raises(ContentError, match=r"example\.toml: not valid TOML"):
        load_library(root)


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    root = broken_pack(tmp_path, 'id = "example-session-signed"', 'id = "example-trailing-slash"')
    with pytest.raises(ContentError, match="duplicate id"):
        load_library(root)


def test_exported_schema_is_current() -> None:
    committed = (CONTENT / "schema.json").read_text()
    assert json.loads(committed) == json.loads(json_schema()), "run: drillbot content schema > content/schema.json"


def test_open_key_point_not_in_model_answer_is_flagged(tmp_path: Path) -> None:
    root = broken_pack(tmp_path, 'phrases = ["init_app"]', 'phrases = ["blueprint registry"]')
    library, problems = load_library(root, strict=False)
    assert not problems
    flagged = [p for p in lint(library) if p.question == "example-open-factory"]
    assert [p.field for p in flagged] == ["key_points[2]"]


def _lint_sample(tmp_path: Path, old: str, new: str) -> list:  # type: ignore[type-arg]
    library, problems = load_library(broken_pack(tmp_path, old, new), strict=False)
    assert not problems
    return [p for p in lint(library) if p.question == "example-open-factory"]


def test_the_sample_open_question_passes_the_key_point_rules() -> None:
    library, _ = load_library(SAMPLE)
    assert [p for p in lint(library) if p.question == "example-open-factory"] == []


def test_phrase_matched_by_a_neutral_sentence_is_an_error(tmp_path: Path) -> None:
    flagged = _lint_sample(tmp_path, 'phrases = ["init_app"]', 'phrases = ["init_app", "the config"]')
    assert [(p.field, p.severity) for p in flagged] == [("key_points[2].phrases[1]", "error")]
    assert "neutral sentence" in flagged[0].message


@pytest.mark.parametrize("phrase", ["session", "request", "database", "config", "proxy", "an api"])
def test_generic_phrases_are_caught_by_the_neutral_sentences(phrase: str) -> None:
    from bot.grading import Answer

    assert any(Answer(s).has(phrase) for s in NEUTRAL_SENTENCES)


def test_model_answer_matching_a_contradicts_phrase_is_an_error(tmp_path: Path) -> None:
    flagged = _lint_sample(tmp_path, 'phrases = ["init_app"]',
                           'phrases = ["init_app"]\ncontradicts = ["avoids circular imports", "flask.ext"]')
    # The claim is an error of its own, and it makes the grader reject the model answer too.
    assert sorted((p.field, p.severity) for p in flagged) == [("key_points[2].contradicts[0]", "error"),
                                                             ("model_answer", "error")]


def test_model_answer_the_grader_rejects_is_an_error(tmp_path: Path) -> None:
    # Two of the three key points lose every phrase the model answer has: it no longer passes.
    root = broken_pack(tmp_path, '["test config", "testing config", "different config", "multiple apps", '
                       '"several apps", "per test", "each test"]', '["per test run"]')
    f = root / "sample" / "example.toml"
    f.write_text(f.read_text().replace('phrases = ["init_app"]', 'phrases = ["init app later"]'))
    library, _ = load_library(root, strict=False)
    fields = [p.field for p in lint(library) if p.question == "example-open-factory" and p.is_error]
    assert "model_answer" in fields


def test_prompt_that_gives_the_answer_away_is_an_error(tmp_path: Path) -> None:
    flagged = _lint_sample(
        tmp_path, 'prompt = "Explain the application factory pattern and why a project would use it."',
        'prompt = "Explain why create_app, a test config per test and init_app make a good pattern."')
    errors = [p for p in flagged if p.is_error]
    assert [(p.field, p.severity) for p in errors] == [("key_points", "error")]
    assert "prompt" in errors[0].message


def test_phrase_the_prompt_already_contains_is_a_warning(tmp_path: Path) -> None:
    flagged = _lint_sample(tmp_path, 'phrases = ["init_app"]', 'phrases = ["init_app", "factory pattern"]')
    assert [(p.field, p.severity) for p in flagged] == [("key_points[2].phrases[1]", "warning")]
    assert "own prompt" in flagged[0].message


def _open_pack(tmp_path: Path, answers: list[str]) -> Path:
    """A pack of open questions: the first one's key point is the phrase 'blue widget'."""
    root = tmp_path / "content"
    (root / "p").mkdir(parents=True)
    (root / "p" / "pack.toml").write_text('id = "p"\ntitle = "P"\nversion = "1.0.0"\n')
    parts = ['topic = "t"\ntitle = "T"\n']
    topics = ["routing", "cookies", "uploads", "logging", "caching", "signals", "testing", "migrations",
              "templates", "sessions", "deployment", "security"]
    for i, answer in enumerate(answers):
        phrase = "blue widget" if i == 0 else f"k{i}x"
        parts.append(f"""
[[questions]]
id = "t-q{i}"
level = "mid"
kind = "open"
prompt = "How do you approach {topics[i]}?"
model_answer = "{answer} k{i}x m{i}y."
explanation = "Why."
references = ["https://flask.palletsprojects.com/en/stable/"]
[[questions.key_points]]
point = "First"
phrases = ["{phrase}"]
[[questions.key_points]]
point = "Second"
phrases = ["m{i}y"]
""")
    (root / "p" / "t.toml").write_text("".join(parts))
    return root


@pytest.mark.parametrize(("with_phrase", "warned"), [(1, False), (2, True)])
def test_phrase_common_to_other_model_answers_is_a_warning(tmp_path: Path, with_phrase: int,
                                                           warned: bool) -> None:
    # Ten other answers: one of them (10 %) is within the limit, two (20 %) are over it.
    assert COMMON_PHRASE_SHARE == 0.10
    answers = ["It uses a blue widget"] + ["It uses a blue widget"] * with_phrase + ["Plain"] * (10 - with_phrase)
    library, problems = load_library(_open_pack(tmp_path, answers))
    assert not problems
    flagged = [p for p in lint(library) if p.question == "t-q0"]
    if warned:
        assert [(p.field, p.severity) for p in flagged] == [("key_points[0].phrases[0]", "warning")]
        assert "2 of 10" in flagged[0].message
    else:
        assert flagged == []


def test_warnings_do_not_fail_the_content_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _open_pack(tmp_path, ["It uses a blue widget"] * 3 + ["Plain"] * 8)
    assert main(["content", "check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "WARNING content/p/t.toml: question 't-q0', field 'key_points[0].phrases[0]'" in out
    assert "0 problem(s), 1 warning(s)" in out


def test_unofficial_reference_is_flagged(tmp_path: Path) -> None:
    root = broken_pack(tmp_path, "https://flask.palletsprojects.com/en/stable/quickstart/#sessions",
                       "https://someblog.example.com/flask-sessions")
    library, _ = load_library(root, strict=False)
    assert any(p.field == "references[0]" and "not official" in p.message for p in lint(library))


# -- the Flask pack ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pack():  # type: ignore[no-untyped-def]
    library, problems = load_library(CONTENT, strict=False)
    assert problems == []
    return library


def test_pack_is_clean(pack) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in lint(pack) if p.is_error] == []


def test_pack_size_and_mix(pack) -> None:  # type: ignore[no-untyped-def]
    c = count(pack)
    assert c.total >= 250
    assert c.by_kind["open"] / c.total >= 0.30
    assert c.with_code >= 50
    assert all(n >= 8 for n in c.by_topic.values()), c.by_topic


def test_every_checklist_section_has_a_topic_with_all_levels(pack) -> None:  # type: ignore[no-untyped-def]
    expected = {"basics", "routing", "requests", "contexts", "templates", "blueprints", "errors", "rest",
                "databases", "security", "extensions", "testing", "performance", "deployment", "scenarios",
                "upgrades", "settings", "incidents", "design"}
    assert set(pack.topics()) == expected
    for topic in expected:
        levels = {q.q.level for q in pack.questions if q.topic == topic}
        assert levels == set(LEVELS), topic


def test_scenario_and_design_questions_exist(pack) -> None:  # type: ignore[no-untyped-def]
    tags = Counter(t for q in pack.questions for t in q.q.tags)
    assert tags["scenario"] >= 8 and tags["design"] >= 3


def test_answer_balance_within_limits(pack) -> None:  # type: ignore[no-untyped-def]
    choice = [q.q for q in pack.questions if q.q.kind == "choice"]
    positions = Counter(q.answer for q in choice)
    assert max(positions.values()) / len(choice) <= 0.35
    longest = sum(1 for q in choice if len(q.choices[q.correct_index]) == max(len(c) for c in q.choices))
    assert longest / len(choice) <= 0.40


def test_code_questions_asking_behaviour_are_checked(pack) -> None:  # type: ignore[no-untyped-def]
    """Every choice or true/false question that shows code carries a machine check."""
    unchecked = [q.id for q in pack.questions if q.q.code and q.q.kind != "open" and q.q.check is None]
    assert unchecked == []


def test_model_answers_make_no_claim_their_key_points_contradict(pack) -> None:  # type: ignore[no-untyped-def]
    """A model answer covers every required point and contains none of the wrong claims it lists."""
    from bot.grading import Answer

    bad = []
    for lq in pack.questions:
        q = lq.q
        if q.kind != "open" or not q.key_points or not q.model_answer:
            continue
        model = Answer(q.model_answer)
        for i, kp in enumerate(q.key_points):
            if kp.required and not any(model.has(p) for p in kp.phrases):
                bad.append((q.id, i, "required point missing"))
            found = [(c, model.find(c)) for c in kp.contradicts]
            bad += [(q.id, i, f"contradicts {c!r}") for c, m in found if m is not None and not model.dismissed(m)]
            bad += [(q.id, i, f"backtick in {p!r}") for p in kp.phrases + kp.contradicts if "`" in p]
    assert bad == []


def test_a_point_on_what_the_prompt_names_must_be_required(tmp_path: Path) -> None:
    def required_problems(root: Path, *edits: tuple[str, str]) -> list:  # type: ignore[type-arg]
        pack = broken_pack(root, *edits[0])
        for old, new in edits[1:]:
            f = pack / "sample" / "example.toml"
            f.write_text(f.read_text().replace(old, new, 1))
        library, problems = load_library(pack, strict=False)
        assert not problems
        return [p for p in lint(library) if p.question == "example-open-factory" and p.field.endswith(".required")]

    prompt = 'prompt = "Explain the application factory pattern and why a project would use it."'
    asking = 'prompt = "Explain the application factory pattern, and what `init_app` is for."'
    point = 'point = "Extensions are bound later with init_app"'
    flagged = required_problems(tmp_path / "a", (prompt, asking), (point, point.replace("init_app", "`init_app`")))
    assert [(p.field, p.severity) for p in flagged] == [("key_points[2].required", "error")]
    assert "init_app" in flagged[0].message
    fixed = required_problems(tmp_path / "b", (prompt, asking),
                              (point, point.replace("init_app", "`init_app`") + "\nrequired = true"))
    assert fixed == []
    unasked = required_problems(tmp_path / "c", (point, point.replace("init_app", "`init_app`")), (prompt, prompt))
    assert unasked == []  # the prompt does not name it: the point may stay optional


def test_a_string_that_swallows_a_question_is_reported(tmp_path: Path) -> None:
    # The first explanation's closing quotes are gone: the TOML still parses, with the second question
    # inside the first one's explanation, up to the quotes that opened the second explanation.
    text = (SAMPLE / "sample" / "example.toml").read_text(encoding="utf-8")
    opened = text.index("explanation = '''") + len("explanation = '''")
    closed = text.index("'''", opened)
    second = text.index("explanation = '''", closed)
    swallowed = text[:closed] + text[closed + 3:second] + text[second + len("explanation = '''"):]
    root = broken_pack(tmp_path, text, swallowed)
    tomllib.loads((root / "sample" / "example.toml").read_text(encoding="utf-8"))  # valid TOML still
    with pytest.raises(ContentError,
                       match=r"example\.toml, field 'questions': 3 \[\[questions\]\] headers but 2 questions read"):
        load_library(root)


def test_a_phrase_that_starts_or_ends_with_a_clause_word_is_flagged(tmp_path: Path) -> None:
    # The grader reads "when" as a clause break, not a word: "init_app when" would match plain "init_app".
    root = broken_pack(tmp_path, 'phrases = ["init_app"]', 'phrases = ["init_app when"]')
    library, problems = load_library(root, strict=False)
    assert not problems
    flagged = [p for p in lint(library) if p.question == "example-open-factory" and "clause word" in p.message]
    assert [p.field for p in flagged] == ["key_points[2].phrases[0]"] and "'when'" in flagged[0].message
    assert dropped_edge("instead of a 404") is None and dropped_edge("also the session") == "also"
