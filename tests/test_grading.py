"""Grading: exact for options, tolerant for typed answers."""

from __future__ import annotations

import pytest

from bot import wording
from bot.content import LoadedQuestion, Question, load_library
from bot.errors import BadAnswer, UserError
from bot.grading import Answer, grade, grade_choice, grade_open, guards, open_threshold, parse_choice, phrase_in, words
from bot.grading.text import tokens
from tests.conftest import CONTENT, SAMPLE

LIB, _ = load_library(SAMPLE)
FLASK, _ = load_library(CONTENT, strict=False)
MISCONCEPTIONS = next(p for p in FLASK.packs if p.meta.id == "flask").meta.misconceptions


def q(qid: str):  # type: ignore[no-untyped-def]
    lq = LIB.get(qid)
    assert lq is not None
    return lq.q


def test_choice_is_exact() -> None:
    question = q("example-trailing-slash")
    assert grade_choice(question, 1).correct
    assert not grade_choice(question, 0).correct
    with pytest.raises(BadAnswer):
        grade_choice(question, 4)


@pytest.mark.parametrize(("typed", "index"), [("b", 1), ("B)", 1), (" B. ", 1), ("a", 0), ("E", None),
                                              ("A 308 redirect to /projects/", 1), ("maybe", None)])
def test_parse_choice(typed: str, index: int | None) -> None:
    assert parse_choice(q("example-trailing-slash"), typed) == index


@pytest.mark.parametrize(("typed", "index"), [("true", 0), ("False", 1), ("b", 1), ("yes", 0)])
def test_parse_true_false(typed: str, index: int) -> None:
    assert parse_choice(q("example-session-signed"), typed) == index


@pytest.mark.parametrize(("phrase", "text", "hit"), [
    ("init_app", "then call ext.init_app(app)", True),
    ("init_app", "INIT-APP later", True),
    ("create_app", "a createapp function", True),
    ("signed", "the cookie is sigend", True),  # swapped letters
    ("signed", "the cookie is signd", True),  # one letter missing
    ("sign", "it is signed", True),  # the same stem
    ("test config", "a separate test configuration", True),
    ("test config", "config for the test", True),  # two words in either order
    ("create test config", "config for the test create", False),  # three keep their order
    ("app", "happy", False),  # short words must match whole
    ("secret key", "the secret is key", False),
])
def test_phrase_matching(phrase: str, text: str, hit: bool) -> None:
    assert phrase_in(phrase, words(text)) is hit


def test_open_answer_reports_covered_and_missed_points() -> None:
    question = q("example-open-factory")
    g = grade_open(question, "You write a create_app FACTORY function; every extension is bound with init_app.")
    assert g.covered == ("The app is created inside a function such as create_app",
                         "Extensions are bound later with init_app")
    assert g.missed == ("Each test or environment gets its own app and configuration",)
    assert g.correct  # 2 of 3 is two thirds
    poor = grade_open(question, "It uses init_app.")
    assert not poor.correct and len(poor.missed) == 2


def test_model_answer_gets_full_marks() -> None:
    question = q("example-open-factory")
    assert question.model_answer is not None
    g = grade_open(question, question.model_answer)
    assert g.correct and g.missed == ()


@pytest.mark.parametrize(("points", "needed"), [(2, 2), (3, 2), (4, 3), (5, 4), (6, 4)])
def test_open_threshold(points: int, needed: int) -> None:
    assert open_threshold(points) == needed


@pytest.mark.parametrize(("phrase", "text", "hit"), [
    # Normalised alike on both sides: contractions, possessives, compounds, abbreviations, stems.
    ("i would", "I'd use a factory", True),
    ("server fault", "it is the server's fault", True),
    ("clean up", "the cleanup runs at the end", True),
    ("cleanup", "it will clean up after the request", True),
    ("set up", "the setup happens once", True),
    ("database session", "the db session is scoped", True),
    ("production", "only in prod", True),
    ("blueprint", "register the bp", True),
    ("configuration", "read it from the cfg", True),
    ("revoked", "the token is revoke-able: you revoke it", True),
    ("multiple workers", "several workers share it", True),
    ("once per session", "once per test session", True),  # one extra word inside
    ("check constraint", "a constraint check on stock", True),
    # Never collapsed to one of the phrase's own words, never across a clause.
    ("flask.g", "Flask handles it", False),
    ("flask.g", "put it on flask.g", True),
    ("request id", "read the request", False),
    ("g object", "any object will do", False),
    ("no secrets", "store secrets in it", False),
    ("secret key", "keep it secret. key rotation is separate", False),
    ("secret key", "the secret is key", False),
    # Typos yes, but a word that merely starts another is a different word.
    ("https", "cookies over http", False),
    ("exception", "an exeption in the view", True),
    (".env", "FLASK_ENV is set", False),
    (".env", "values from the .env file", True),
    ("install flask async", "pip install flask[async] first", True),
    ("quart is asgi", "reach for Quart (ASGI, same API)", True),  # a phrase's "is" may be left out
    ("even if the view raised", "teardown runs even if the view raised", True),  # the phrase's own "if"
    ("try except", "wrap it in try/except", True),
    ("try except", "try again later", False),
    ("in g", "g is only in the request", False),  # a function word keeps its place
    ("self.app = app", "calling self.init_app(app) only if one was given", False),  # nothing inside an identifier
    ("does not match", "it does not affect matching", False),  # nothing right after a phrase's negation
    ("no expensive", "expensive queries inside it don't matter", False),  # a denial of the effect, not "no X"
    ("foreign key", "two FKs on the link table", True),
    # "can't X without Y" says Y is needed: the clause's "not" stops at "without".
    ("secret key", "Users can't change the cookie without breaking the signature made with the SECRET_KEY", True),
    ("secret key", "you should not put the SECRET_KEY in git", False),
    # "or it is ignored" denies the alternative, not the words before it.
    ("x_host", "Pass x_host=1 to ProxyFix or it is ignored", True),
    ("flask_env", "FLASK_ENV or FLASK_DEBUG is ignored", False),
    # Words that set two things side by side never fill a phrase's gap or its left-out "is".
    ("simplecache is shared", "SimpleCache vs shared Redis", False),
    ("simplecache is shared", "SimpleCache is shared by the workers", True),
    # A state said with its verb.
    ("debug off", "debug must be turned off in production", True),
    ("debug off", "debug must be off in production", True),
    ("debug off", "debug must never be off", False),
    ("debug off", "debug is not off", False),
    # "X won't change anything" denies X; "X does not change" says it is stable.
    ("app context", "Pushing an app context in the script won't change anything", False),
    ("app context", "An app context does not solve it", False),
    ("secret key", "The secret key does not change between deploys", True),
    # A denial after "and" plus a gerund is about the gerund; after "and" plus a noun, about both.
    ("request was the problem", "4xx means the request was the problem and retrying does not help", True),
    ("lock", "a lock and a queue are not needed", False),
])
def test_phrases_match_what_an_interviewer_would_hear(phrase: str, text: str, hit: bool) -> None:
    assert Answer(text).has(phrase) is hit


@pytest.mark.parametrize(("phrase", "text", "negated"), [
    ("commit", "you do not need to commit", True),
    ("commit", "you don't need to commit", True),
    ("association table", "there's no need for an association table", True),
    ("association table", "use an association table", False),
    ("copy the data", "there is no need for copy_current_request_context or to copy the data", True),
    ("proxy", "request isn't a proxy", True),
    ("proxy", "request is not only a proxy, it is context-local", False),
    ("csrf token", "a CSRF token is not needed", True),
    ("csrf token", "a CSRF token is unnecessary", True),
    ("csrf token", "you need a CSRF token, but not on GET", False),  # the negation is in another clause
    ("teardown", "teardown runs even without a request", False),
    ("ProxyFix", "without ProxyFix the scheme is wrong", True),
    # Implicit negations, before or after the phrase.
    ("association table", "use a foreign key instead of an association table", True),
    ("association table", "rather than an association table, use a foreign key", True),
    ("association table", "I'd rather use an association table", False),
    ("association table", "skip the association table", True),
    ("association table", "forget the association table; one foreign key will do", True),
    ("association table", "an association table is overkill here", True),
    ("association table", "an association table is redundant", True),
    ("association table", "an association table is pointless", True),
    ("link table", "it works without going through any link table", True),
    ("check constraint", "a CHECK constraint on stock isn't necessary", True),
    ("regex", "the converter's regex doesn't affect matching", True),
    ("association table", "the association table plays no part in it", True),
    ("association table", "an association table is only needed on MySQL", True),
    ("association table", "an association table makes the foreign key unnecessary", False),
    ("only for small apps", 'micro = small core, not "only for small apps"', True),  # "only" is the phrase's
    # Said twice, or as the condition of a mistake, a negation is a yes.
    ("rollback", "don't forget the rollback", False),
    ("rollback", "if you forget the rollback the session stays broken", False),
    ("validation", "skipping validation leads to 500s", False),
    # Code and ellipses cut no clause.
    ("for update", "you don't need row locks like SELECT ... FOR UPDATE", True),
    ("methods get post", "you do not need to add methods=['GET', 'POST'] to the route", True),
    ("max_requests", "recycling workers with max_requests is a hack best avoided", True),
    ("unbounded cache", "an unbounded cache in the process is harmless here", True),
    ("unbounded cache", "an unbounded cache in the process is the likely leak", False),
    # "X does nothing", "X is ignored": X has no effect.
    ("json_provider_class", "setting app.json_provider_class after the app exists does nothing", True),
    ("json_provider_class", "app.json_provider_class is silently ignored once the app is made", True),
    ("json_provider_class", "json_provider_class on a Flask subclass picks the provider", False),
])
def test_negation_in_the_phrase_clause(phrase: str, text: str, negated: bool) -> None:
    m = Answer(text).find(phrase)
    assert m is not None
    assert m.negated is negated


def _open(points: list[dict[str, object]]) -> Question:
    return Question.model_validate({
        "id": "t-open", "level": "mid", "kind": "open", "prompt": "Explain.", "model_answer": "Model.",
        "explanation": "Why.", "references": ["https://flask.palletsprojects.com/"], "key_points": points})


DEBUGGER = _open([
    {"point": "Enable it with --debug or FLASK_DEBUG", "phrases": ["--debug", "flask_debug"], "required": True,
     "contradicts": ["flask_env", "debug=True in production"]},
    {"point": "The debugger runs arbitrary code", "phrases": ["arbitrary code", "run code", "execute code"]},
    {"point": "Never in production", "phrases": ["not in production", "never in production", "only locally"]},
])


def test_a_contradiction_fails_the_answer_and_says_which_words() -> None:
    g = grade_open(DEBUGGER, "Set FLASK_ENV=development and FLASK_DEBUG=1; it lets anyone run code, so never in "
                             "production.")
    assert not g.correct
    assert g.contradicted == ("Enable it with --debug or FLASK_DEBUG (you wrote: 'flask env')",)


def test_a_wrong_claim_named_to_dismiss_it_is_no_contradiction() -> None:
    g = grade_open(DEBUGGER, "FLASK_ENV was removed in 2.3; use flask run --debug. The debugger lets a visitor "
                             "run code, so never in production.")
    assert g.correct and g.contradicted == ()


UPGRADE_PLAN = Question.model_validate({
    "id": "t-upgrade", "level": "senior", "kind": "open", "prompt": "How would you upgrade a Flask 2.0 app to 3.1?",
    "model_answer": "Run the tests with deprecation warnings as errors and go one release at a time: "
                    "before_first_request and app.json_encoder are gone.",
    "explanation": "Why.", "references": ["https://flask.palletsprojects.com/"], "key_points": [
        {"point": "Warnings as errors", "phrases": ["deprecation warnings"]},
        {"point": "One release at a time", "phrases": ["one release at a time", "step by step"]}]})


def test_a_question_about_removals_may_hear_other_removed_apis_named() -> None:
    # The plan names two removed APIs, so naming a third (FLASK_ENV) as something to fix is on topic...
    text = "Turn deprecation warnings into errors and go step by step; expect FLASK_ENV and attachment_filename."
    assert grade_open(UPGRADE_PLAN, text, MISCONCEPTIONS).correct
    # ...while on a question about something else the same words are a wrong claim.
    elsewhere = grade_open(DEBUGGER, "Use --debug; it runs arbitrary code, never in production; attachment_filename.",
                           MISCONCEPTIONS)
    assert not elsewhere.correct


def test_a_removed_api_contradicts_any_question_that_does_not_name_it() -> None:
    g = grade_open(DEBUGGER, "Use --debug; it runs arbitrary code, never in production; set it up in "
                             "@app.before_first_request.", MISCONCEPTIONS)
    assert not g.correct
    assert g.contradicted == ("`before_first_request` was removed in Flask 2.3 (you wrote: 'before first request')",)
    dismissed = grade_open(DEBUGGER, "Use --debug (before_first_request was removed); it runs arbitrary code, never "
                                     "in production.", MISCONCEPTIONS)
    assert dismissed.correct and dismissed.contradicted == ()


def test_only_in_development_denies_a_point_unless_it_is_about_development() -> None:
    ok = grade_open(DEBUGGER, "Turn it on with --debug only in development; it runs arbitrary code, never in prod.")
    assert ok.correct
    proxy = _open([{"point": "Wrap the app in ProxyFix", "phrases": ["proxyfix"]},
                   {"point": "Trust one proxy hop", "phrases": ["x_for=1", "one hop"]}])
    assert not grade_open(proxy, "Use ProxyFix only in development, with x_for=1.").correct
    assert grade_open(proxy, "Use ProxyFix with x_for=1.").correct


def test_a_required_point_is_required() -> None:
    g = grade_open(DEBUGGER, "It can run code on the server, so never in production.")
    assert not g.correct and g.covered == ("The debugger runs arbitrary code", "Never in production")


def test_negated_answers_cover_nothing() -> None:
    g = grade_open(DEBUGGER, "You don't need --debug or FLASK_DEBUG; it can't run code, and it's fine in production.")
    assert not g.correct and "Enable it with --debug or FLASK_DEBUG" in g.missed


@pytest.mark.parametrize(("text", "reply"), [
    ("B", wording.OPEN_WANTS_SENTENCES),
    ("true", wording.OPEN_WANTS_SENTENCES),
    ("--debug, FLASK_DEBUG, arbitrary code, run code, never in production, werkzeug, pin", wording.KEYWORDS_ONLY),
    ("Man aktiviert den Debugger mit --debug und er ist nicht für die Produktion, weil man damit Code ausführen "
     "kann.", wording.ENGLISH_ONLY),
    ("Se activa con --debug y no es para producción, porque permite ejecutar código en el servidor.",
     wording.ENGLISH_ONLY),
    ("x" * 1501, wording.ANSWER_TOO_LONG.format(limit=1500, length=1501)),
])
def test_guards_answer_instead_of_grading(text: str, reply: str) -> None:
    lq = LoadedQuestion("flask", "t", "T", "t.toml", DEBUGGER)
    with pytest.raises(UserError) as err:
        grade(lq, None, text)
    assert str(err.value) == reply


@pytest.mark.parametrize("text", [
    "Gunicorn / WSGI / environ / start_response / worker processes / wsgi_app",
    "basically: app factory, blueprints, extensions.py, init_app, config classes, instance folder",
    "- app factory\n- blueprints\n- init_app\n- config classes\n- instance folder\n- tests",
    "app factory\nblueprints\ninit_app()\nconfig classes\ninstance folder\ntests/",
    "app factory, blueprints and stuff like init_app, config, instance folder etc",
    "Flask-SQLAlchemy, Flask-Migrate, Flask-Login, Flask-WTF",
    "WSGI middleware -> ProxyFix, environ, start_response, before_request, after_request, teardown_request, g, "
    "session, current_user, per-blueprint hooks, logging",
    # run on, no sentence anywhere: relation marks and a stray verb do not make it prose
    "factory -> create_app(config), extensions = unbound objects, bp per feature, url_prefix, first match wins, "
    "tests/ outside, pyproject, instance folder, config classes",
    "debugger -> RCE, PIN, FLASK_DEBUG=1, --debug, Werkzeug console, tracebacks, dev only, never prod, ProxyFix, "
    "gunicorn",
])
def test_lists_of_terms_are_keyword_lists_in_any_form(text: str) -> None:
    lq = LoadedQuestion("flask", "t", "T", "t.toml", DEBUGGER)
    with pytest.raises(UserError) as err:
        grade(lq, None, text)
    assert str(err.value) == wording.KEYWORDS_ONLY


@pytest.mark.parametrize("text", [
    "--debug (or FLASK_DEBUG=1) turns it on; it runs arbitrary code, so never in production.",
    "Turn it on w/ --debug; it'd let anyone execute code -> only locally, never in prod.",
    "--debug -> Werkzeug debugger -> arbitrary code from the browser -> dev only",
    "Use --debug; the debugger runs arbitrary code, never in production.",
    "flask run --debug, debugger gives a browser console, anyone reaching it runs code, PIN weak, never in "
    "production, FLASK_DEBUG=1 same thing",
])
def test_terse_sentences_are_not_keyword_lists(text: str) -> None:
    lq = LoadedQuestion("flask", "t", "T", "t.toml", DEBUGGER)
    assert grade(lq, None, text).correct


@pytest.mark.parametrize("text", [
    "`flask run --debug`",
    "app.config.from_prefixed_env()",
    "Use FLASK_DEBUG=1; it reads the variable at startup.",
    "create_app() in __init__.py, blueprints registered there, extensions bound via init_app, config from env, "
    "no global app, tests outside",
])
def test_code_and_fragments_that_state_something_are_graded(text: str) -> None:
    lq = LoadedQuestion("flask", "t", "T", "t.toml", DEBUGGER)
    assert not grade(lq, None, text).correct  # graded (and wrong for this question), not refused


def test_names_sharing_a_suffix_are_each_named() -> None:
    assert words("before/after/teardown_request run inside Flask") == words(
        "before_request/after_request/teardown_request run inside Flask")
    assert phrase_in("after_request", words("hooks: before/after/teardown_request"))


def test_more_abbreviations_are_written_out() -> None:
    assert words("keep it in a secret mgr; the pkg has cli cmds") == words(
        "keep it in a secret manager; the package has cli commands")


def test_a_phrase_starting_with_a_negation_is_found_where_the_answer_denies_it() -> None:
    layout = _open([{"point": "Use an application factory", "phrases": ["create_app"]},
                    {"point": "Avoids circular imports", "phrases": ["no circular import"]}])
    # "circular import" is named first as the problem, then denied: the denial is what counts.
    assert grade_open(layout, "A global app is how a circular import happens; with create_app there are no "
                              "circular imports.").correct
    assert not grade_open(layout, "create_app gives you a circular import.").correct


def test_do_may_sit_inside_a_phrase_but_a_verb_to_be_may_not() -> None:
    assert phrase_in("always roll back", words("teardown ALWAYS does rollback() + close()"))
    assert not phrase_in("always roll back", words("teardown always does not roll back"))
    assert not phrase_in("secret key", words("the secret is key"))


def test_the_parts_of_one_identifier_are_not_a_compound() -> None:
    assert not Answer("return it with send_file(path)").has("sendfile")
    assert Answer("nginx does the send file part").has("sendfile")
    assert Answer("clean up the old tokens").has("cleanup")


def test_a_dotted_identifier_is_said_only_where_the_answer_writes_the_dot() -> None:
    # Found by session 26's readers: "Flask escapes" was `flask.escape` (a removed API the pack
    # contradicts), and "app.wsgi_app = Middleware(app.wsgi_app)" was `app.middleware`.
    assert not Answer("Output is safe because Flask escapes template variables by default.").has("flask.escape")
    assert not Answer("install it with app.wsgi_app = Middleware(app.wsgi_app)").has("app.middleware")
    assert Answer("they still call flask.escape(name)").has("flask.escape")
    assert Answer("decorate it with @app.middleware").has("app.middleware")
    # Written as a template is still written with the dot; the words of a dotted phrase keep their stems.
    assert Answer("the endpoint is '<bp>.<function>', e.g. shop.index").has("blueprint.function")
    assert Answer("call db.sessions.commit()").has("db.session")


def test_no_model_answer_or_explanation_of_the_pack_reads_as_a_keyword_list() -> None:
    # Written in prose, often wrapped by an editor at 90 columns: a wrapped line is not an item.
    library, _ = load_library(CONTENT)
    texts = [t[:1500] for lq in library.questions for t in (lq.q.model_answer, lq.q.explanation) if t]
    refused = []
    for t in texts:
        try:
            guards.check("open", t)
        except UserError:
            refused.append(t[:80])
    assert len(texts) > 400 and refused == []


@pytest.mark.parametrize(("text", "one_clause"), [
    ("the server\nfailed to answer", True),  # Shift-Enter inside a sentence
    ("the server  \n  failed", True),
    ("the server\nFailed requests are retried", False),  # a capital starts a new line of thought
    ("the server\n\n- failed", False),  # a bullet after a blank line
    ("the server.\nfailed", False),  # the sentence had ended
])
def test_a_line_broken_inside_a_sentence_is_one_line(text: str, one_clause: bool) -> None:
    clause = {w.raw: w.clause for w in tokens(text)}
    assert (clause["server"] == clause["failed"]) is one_clause


def test_a_negation_across_a_soft_line_break_still_negates() -> None:
    library, _ = load_library(CONTENT)
    lq = library.get("databases-open-per-request-connection")
    assert lq is not None
    wrapped = ("Commit explicitly in the view where the work succeeded; teardown_appcontext always rolls back and\n"
               "closes the connection. after_request is\nno place for the commit: it runs on the 500 too.")
    assert grade(lq, None, wrapped).correct
    assert not grade(lq, None, "Commit in after_request so every request is saved,\nteardown closes it.").correct


def test_a_rename_dismisses_the_old_name_and_asserts_the_new_one() -> None:
    hooks = _open([{"point": "Run setup in the factory", "phrases": ["create_app", "factory"], "required": True,
                    "contradicts": ["app.before_serving", "before_first_request"]},
                   {"point": "Once per process", "phrases": ["code", "call it"]}])
    # The new name after "with" / "by" / "to" is asserted, whatever the clause says of the old one...
    assert not grade_open(hooks, "Flask replaced the old hook with @app.before_serving; call it in create_app.").correct
    assert not grade_open(hooks, "Use app.before_serving as the rename of the hook, from create_app.").correct
    # ...and the old name is still only dismissed.
    assert grade_open(hooks, "before_first_request was replaced by plain code in create_app.").correct
    assert grade_open(hooks, "Flask replaced before_first_request with code in the factory.").correct


def test_words_inside_an_identifier_or_of_age_dismiss_only_what_they_describe() -> None:
    deprecated = Answer("before_first_request is deprecated but still works")
    m = deprecated.find("deprecated but still works")
    assert m is not None and not deprecated.dismissed(m)  # "before" of the identifier dismisses nothing
    rotation = Answer("Flask signs new cookies with the fallback keys and checks old ones with SECRET_KEY")
    m = rotation.find("signs new cookies with the fallback")
    assert m is not None and not rotation.dismissed(m)  # "old ones" come after the claim
    hook = Answer("the old before_first_request hook is gone")
    m = hook.find("before_first_request")
    assert m is not None and hook.dismissed(m)
    hook = Answer("move it out of the old before_first_request hook")
    m = hook.find("before_first_request")
    assert m is not None and hook.dismissed(m)


@pytest.mark.parametrize(("phrase", "text", "hit"), [
    ("flask-jwt", "use Flask-JWT-Extended for this", False),  # a hyphenated name is matched whole
    ("use flask-jwt for", "use Flask-JWT-Extended for this", False),
    ("flask-jwt", "Flask-JWT is abandoned", True),
    ("flask-jwt-extended", "use flask-jwt-extended", True),
    ("thread", "a thread-safe cache", True),  # a phrase without a hyphen may still name a part
])
def test_a_hyphenated_name_is_matched_whole(phrase: str, text: str, hit: bool) -> None:
    assert (Answer(text).find(phrase) is not None) is hit


def test_removed_apis_a_question_refuses_itself_do_not_make_the_others_on_topic() -> None:
    refuses_two = _open([
        {"point": "Enable it with --debug", "phrases": ["--debug"], "required": True,
         "contradicts": ["flask_env", "before_first_request"]},
        {"point": "The debugger runs arbitrary code", "phrases": ["arbitrary code", "run code"]},
    ])
    text = "Use --debug; it runs arbitrary code; and use app.json_encoder for dates."
    g = grade_open(refuses_two, text, MISCONCEPTIONS)
    assert not g.correct and any("json_encoder" in c for c in g.contradicted)
    assert grade_open(UPGRADE_PLAN, "Turn deprecation warnings into errors and go step by step; expect FLASK_ENV "
                                    "and attachment_filename.", MISCONCEPTIONS).correct  # still on topic there


def test_calling_a_wrong_claim_harmless_makes_it() -> None:
    proxy = _open([{"point": "Wrap the app in ProxyFix", "phrases": ["proxyfix"], "required": True,
                    "contradicts": ["x_for to a large number"]},
                   {"point": "Trust one proxy hop", "phrases": ["x_for=1", "one hop"]}])
    assert not grade_open(proxy, "Use ProxyFix with one hop; setting x_for to a large number like 10 is "
                                 "harmless and safer.").correct
    assert grade_open(proxy, "Use ProxyFix with one hop.").correct


# Round 9 (session 28): the defects readers reported in round 8, each from its repro.

def _single(point: dict[str, object]) -> Question:
    """An open question with one key point to look at (and a second one, never covered, to be valid)."""
    return _open([point, {"point": "Filler", "phrases": ["zzzfiller"]}])


def _covers(question: Question, text: str) -> bool:
    return question.key_points is not None and question.key_points[0].point in grade_open(question, text).covered


def _contradicts(question: Question, text: str) -> bool:
    return bool(grade_open(question, text).contradicted)


def test_a_negation_stops_at_and_before_a_new_verb() -> None:
    upload = _single({"point": "Sanitise the name with secure_filename", "phrases": ["secure_filename"]})
    assert _covers(upload, "I never trust it and use secure_filename")
    assert _covers(upload, "never trust the name and always use secure_filename")
    assert not Answer("I never trust it and use secure_filename").has("trust it")
    # Over-reach: "and" before a noun, a verb of an infinitive ("no need to X and Y"), or one word of its own
    # still carries the negation.
    assert not upload_has("don't use os.path and secure_filename")
    assert not upload_has("you don't need to call strip and use secure_filename")
    assert not upload_has("never rename and use secure_filename")


def upload_has(text: str) -> bool:
    return Answer(text).has("secure_filename")


def test_a_negation_before_a_colon_denies_the_list_it_opens() -> None:
    text = "you should not: call app.run in production, enable debug, or hardcode the secret key"
    answer = Answer(text)
    for phrase in ("app.run in production", "enable debug", "hardcode the secret key"):
        m = answer.find(phrase)
        assert m is not None and m.negated, phrase
    blueprint = _single({"point": "Not an application", "phrases": ["not a mini application", "not a separate app"]})
    assert _covers(blueprint, "What it is not: a mini application, a separate WSGI app or a sub-app")
    # Over-reach: a colon after a claim, and the sentence after the list, are not denied.
    assert Answer("you should not do this. Instead: call create_app in production").has("create_app in production")
    assert Answer("it is not: a mini application. Call app.run in production").has("app.run in production")
    assert Answer("remember: call app.run in production, never debug").has("app.run in production")
    # A negation of short reach ("avoid") reaches into each item as far as it would right before it.
    avoid = Answer("Avoid: dropping the status (page comes back 200), a page that needs the DB")
    assert avoid.has("comes back 200") and not avoid.has("dropping the status")


@pytest.mark.parametrize(("text", "refused"), [
    ("query string -> request.args, form -> request.form, json -> request.json, files -> request.files", False),
    ("form -> request.form, query string -> request.args, JSON -> request.get_json(), files -> request.files",
     False),
    ("query string = request.args, form = request.form, json = request.json, files = request.files", False),
    # a bare list of identifiers is still a keyword list
    ("request.form, request.args, request.get_json(), request.files, request.headers", True),
    ("request.args, request.form, request.json, request.files, request.cookies, request.headers", True),
])
def test_a_mapping_to_dotted_names_is_graded(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(UserError):
            guards.check("open", text)
    else:
        assert guards.check("open", text) == text


def test_can_not_with_a_verb_of_its_own_denies_the_verb_not_its_object() -> None:
    serialise = _single({"point": "json.dumps can't serialise arbitrary objects", "phrases": ["arbitrary object"]})
    assert _covers(serialise, "json.dumps can't serialise arbitrary objects")
    assert _covers(serialise, "the default provider cannot serialize arbitrary objects")
    # Over-reach: "you can't", and "can not" before a verb that passes a negation on ("use", "have"), still deny.
    assert not Answer("you can't serialise arbitrary objects").has("arbitrary object")
    assert not Answer("it can not use arbitrary objects").has("arbitrary object")
    assert not Answer("you can't use app.run in production").has("app.run in production")


def test_also_inside_a_phrase_and_in_the_answer_match_alike() -> None:
    for text in ("blueprints also register error handlers", "blueprints register error handlers"):
        answer = Answer(text)
        for phrase in ("blueprints also register error handlers", "blueprints register error handlers"):
            m = answer.find(phrase)
            assert m is not None and not m.negated, (text, phrase)
    # Over-reach: "also" still ends a negation's clause, and a phrase still needs its words in order.
    assert Answer("debug is not for production, also use gunicorn").has("use gunicorn")
    assert Answer("handlers also register blueprints").find("blueprints register error handlers") is None


def test_a_contradiction_matches_no_other_word_one_edit_away() -> None:
    lazy = _single({"point": "Lazy loading runs one query per row", "phrases": ["one query per"],
                    "contradicts": ["lazy loading fixes"]})
    assert not _contradicts(lazy, "Lazy loading fires one query per post")
    assert _contradicts(lazy, "Lazy loading fixes it, one query per post")
    assert _contradicts(lazy, "Lazy loading fixed it with one query per post")  # its own inflections
    # Key-point phrases keep their tolerance.
    assert _covers(lazy, "Lazy loading runs one qeury per post")


def test_a_contradiction_that_starts_with_a_negation_is_made_and_not_dismissed_by_it() -> None:
    contexts = _single({"point": "Push one by hand outside a request", "phrases": ["app_context"],
                        "contradicts": ["never exists outside a request", "no csrf token"]})
    # Saying the rest of an inverted claim is harmless does not make the claim...
    assert not _contradicts(contexts, "Push app_context; a csrf token is harmless.")
    # ...while saying it is missing still does, and "X is harmless" still makes a claim X.
    assert _contradicts(contexts, "Push app_context; you need no csrf token.")
    assert _contradicts(_single({"point": "Use ProxyFix", "phrases": ["proxyfix"], "contradicts": ["x_for=10"]}),
                        "Use ProxyFix; x_for=10 is harmless.")


def test_a_contradiction_starting_with_never_fires_on_its_claim() -> None:
    # The claim's own "never" is the claim, not a dismissal of it (the pack had 35 such contradictions that
    # could not fire): "g never exists outside a request" is the wrong claim itself.
    contexts = _single({"point": "Push one by hand outside a request", "phrases": ["app_context"],
                        "contradicts": ["never exists outside a request"]})
    assert _contradicts(contexts, "Push app_context in a script; g never exists outside a request anyway.")
    # Over-reach: calling the claim a myth or wrong is still not making it.
    assert not _contradicts(contexts, "Push app_context; the idea that g never exists outside a request is a myth.")
    assert not _contradicts(contexts, "Push app_context; it is wrong to think g never exists outside a request.")
    assert not _contradicts(contexts, "Push app_context in a script or a test.")


@pytest.mark.parametrize("contraction", ["dont", "doesnt", "isnt", "cant", "wont"])
def test_apostrophe_less_contractions_negate_as_their_apostrophe_forms_do(contraction: str) -> None:
    m = Answer(f"you {contraction} need a secret key here").find("secret key")
    n = Answer(f"you {contraction[:-1]}'t need a secret key here").find("secret key")
    assert m is not None and n is not None and m.negated and n.negated


def test_a_negation_inside_a_subject_stops_at_its_verb() -> None:
    assert Answer("whatever hasn't been committed is rolled back").has("rolled back")
    assert Answer("anything that isn't committed gets rolled back").has("rolled back")
    # Over-reach: a negation of the main verb, or of a clause without such a subject, still denies.
    assert not Answer("whatever hasn't been committed is not rolled back").has("rolled back")
    assert not Answer("it hasn't been rolled back").has("rolled back")
    assert not Answer("what you commit isn't rolled back").has("rolled back")


def test_advice_not_to_stop_at_a_claim_does_not_make_it() -> None:
    xss = _open([{"point": "Sanitise with an allowlist", "phrases": ["sanitizer", "allowlist"], "required": True,
                  "contradicts": ["strip out the script tags"]},
                 {"point": "Escaping stays on", "phrases": ["sanitizer", "escap", "allowlist", "clean"]}])
    # "Don't just X" / "you shouldn't just X" warn that X is not enough...
    assert grade_open(xss, "Don't just strip out the script tags and call it safe; use a real sanitizer.").correct
    assert grade_open(xss, "You shouldn't just strip out the script tags: run an allowlist sanitizer.").correct
    # ...while the claim said plainly, or "it does not just X" (it does X, and more), is made.
    assert not grade_open(xss, "Strip out the script tags, then a sanitizer is optional extra.").correct
    assert not grade_open(xss, "The sanitizer does not just strip out the script tags, it cleans all.").correct
    assert not grade_open(xss, "Easy: just strip out the script tags, no allowlist sanitizer.").correct


def test_a_non_prefix_denies_the_word_it_joins() -> None:
    owner = Answer("Only a non-owner can read it; everyone else gets a 403.")
    m = owner.find("owner can read")
    assert m is not None and m.negated
    assert Answer("The owner can read it.").has("owner can read")
    # nor does "non" stand in for a phrase's missing word: "reject non owners" is not "reject owners"
    assert Answer("reject non owners").find("reject owners") is None
    assert Answer("reject rogue owners").find("reject owners") is not None


@pytest.mark.parametrize(("text", "claim", "dismissed"), [
    # "instead of" / "before" dismiss the few words after them, not the rest of the clause...
    ("Return 404 instead of 403 everywhere is required by HTTP", "required by http", False),
    ("Use create_app instead of the old before_first_request hook", "before_first_request", True),
    # ...an active "replaces" dismisses what it replaces, not its subject...
    ("super() throws away the parent content and replaces it completely", "super() throws away", False),
    ("Flask 2.3 replaces before_first_request with plain setup code", "before_first_request", True),
    ("before_first_request was replaced by plain setup code", "before_first_request", True),
    # ...and a "no longer" in a relative clause ("whose ...") is about that clause, not the claim before it.
    ("the browser refuses to send a cookie whose signature no longer matches", "browser refuses to send", False),
    ("FLASK_ENV no longer does anything", "flask_env", True),
    # A judgement word that names a situation ("when something is wrong", "if anything goes wrong") judges
    # nothing the clause goes on to say...
    ("When something is wrong I switch debug on in production", "debug on in production", False),
    ("If anything goes wrong we turn debug on in production", "debug on in production", False),
    ("whenever things look bad I turn debug on in production", "debug on in production", False),
    # ...while the same words judging the claim still dismiss it.
    ("Turning debug on in production is wrong", "debug on in production", True),
    ("It is wrong to turn debug on in production", "debug on in production", True),
    ("Debug on in production is a bad idea", "debug on in production", True),
])
def test_a_dismissal_reaches_only_what_it_is_about(text: str, claim: str, dismissed: bool) -> None:
    answer = Answer(text)
    m = answer.find(claim, typos=False)
    assert m is not None and not m.negated
    assert answer.dismissed(m) is dismissed
