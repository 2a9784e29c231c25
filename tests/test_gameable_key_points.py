"""Key points that cannot be gamed (issue 11).

A second reader graded wrong answers against the open questions' key points and found
phrases a wrong or neutral answer matches. For each question hardened since, the wrong
answers must not be graded correct, and two paraphrases of a right answer (not the model
answer) still must be, so a fix neither lets wrong answers in nor locks right ones out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.content import load_library
from bot.errors import UserError
from bot.grading import grade
from tests.conftest import CONTENT

LIBRARY, _ = load_library(CONTENT, strict=False)

# question id -> (wrong answers, right paraphrases)
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "performance-profiling-slow-endpoint": (
        ("I would run cProfile, also importable as profiling.tracing, on the endpoint, look at the SQL "
         "with EXPLAIN to find a missing index, fix it and measure again to confirm.",
         "I'd start with the profiler: ProfilerMiddleware shows where the time goes locally, then I log "
         "the queries to spot N+1 and measure again after the fix."),
        ("Start with production data: the access logs and APM metrics (p95 latency) say whether the time "
         "is in the database, external calls or Python. Then I reproduce it locally under cProfile, check "
         "the slow queries with EXPLAIN for missing indexes, fix the bottleneck and measure again.",
         "First I measure with OpenTelemetry traces in production to see which span is slow. Then I profile "
         "it locally with py-spy, log the queries to spot N+1 patterns, and compare before and after the fix."),
    ),
    "requests-open-return-values": (
        ("A string becomes a 200 text/html response. A dict has to be wrapped in jsonify before you can "
         "return it. A tuple can carry the status and headers, and make_response gives you the response "
         "object so you can set a cookie.",
         "A string is sent as HTML with status 200, but for a dict you need jsonify, otherwise Flask raises "
         "a TypeError. Tuples give body and status, and make_response returns the response object to add "
         "a header."),
        ("Whatever the view returns goes through make_response. A str is the body of a 200 text/html "
         "response, a dict or a list is converted to JSON for you, and a tuple like (body, 201, headers) sets "
         "the status and headers. I call make_response myself when I need the response object to set a "
         "cookie; jsonify builds JSON explicitly.",
         "Strings become HTML responses with status 200; return a dict and Flask serialises it to JSON "
         "through its JSON provider; return a tuple of body and status to pick the code. make_response "
         "hands you the Response object so you can add a header first."),
    ),
    "requests-open-server-side-sessions": (
        ("The signed cookie is fine until you need more than 4 KB. The client can read it only if it is "
         "not signed, and you can always revoke cookies by deleting them. Past the size limit I would "
         "store the data in Redis, at the cost of an extra dependency.",
         "Signed cookies can be invalidated at any time by clearing them in the browser, so logging out "
         "is easy. I would only switch to Redis when the data outgrows the 4 KB size limit; the cost is "
         "an extra dependency."),
        ("Cookie sessions are readable by the client, since they are only signed, and capped around 4 KB, "
         "and you cannot revoke a stolen cookie from the server: it stays valid until it expires. When I "
         "need to log out everywhere or store bigger data, I keep just an id in the cookie and the data in "
         "Redis via Flask-Session. The price is a shared store every worker must reach and a lookup per "
         "request.",
         "I'd switch when I need to kill sessions server-side, for example after a password change, since "
         "a signed cookie cannot be revoked, or when the data grows past the 4kb limit. The cookie then "
         "holds only an id and the data lives in a database; the cost is an extra round trip per request "
         "and cleaning up expired entries."),
    ),
    "databases-open-session-lifecycle": (
        ("add() writes the object to the database right away and flushes it, commit() makes it permanent, "
         "and rollback() undoes the changes so the session is usable again; catch IntegrityError and "
         "return 409.",
         "add() writes to the database and flushes, commit() just closes the session, and rollback() "
         "undoes the changes after an error; wrap it in try/except IntegrityError.",
         "session.add() saves the row immediately, commit() writes to the database what changed later, "
         "rollback() resets the session after an error; wrap the commit in try/except IntegrityError."),
        ("add() stages the object in the session as pending; nothing hits the database yet. commit() "
         "flushes the pending INSERT and UPDATE statements and commits the transaction. If the commit "
         "raises, say an IntegrityError on a unique constraint, I call rollback() so the session is usable "
         "again and return a 409.",
         "session.add marks a new object pending, commit sends the SQL and ends the transaction, rollback "
         "discards the changes of the failed transaction. I catch IntegrityError around the commit, roll "
         "back, and answer 400."),
    ),
    "errors-open-4xx-vs-5xx": (
        ("4xx and 5xx are both errors the server side sends. A bug in the client causes 5xx, and on the "
         "client side you see 4xx when the network is slow. You return them with abort, and an unhandled "
         "exception becomes a 500.",
         "5xx codes are meant for the client side and 4xx codes for the server side; a bug anywhere gives "
         "you one of them. Flask returns a 404 with abort and a 500 for an unhandled exception."),
        ("4xx means the request was at fault: a missing resource (404), no login (401), no permission (403) "
         "or bad input (400), so retrying the same request will not help. 5xx means the server failed, "
         "for example a bug in our code or the database being down. In Flask you return a 4xx on purpose "
         "with abort(404) or a (body, 400) tuple; a 5xx usually comes from an uncaught exception, which "
         "Flask turns into a 500.",
         "Client errors (4xx): the caller sent something wrong, like invalid input or a missing page. "
         "Server errors (5xx): our side broke, a bug or an outage. I call abort(403) or return a status "
         "with the body for a 4xx; an unhandled exception becomes a 500 and is logged."),
    ),
    "routing-open-stable-urls": (
        ("Fetch the post by slug from the database and redirect old URLs with a 302 to the new route. "
         "Build links with url_for, return 404 when the post is missing, and add a canonical link tag.",
         "Use /posts/<slug> with the title slug as the key and redirect old URLs to the new ones with a "
         "temporary redirect; url_for builds links and a canonical tag tells search engines the main URL."),
        ("Route /posts/<int:post_id>/<slug> and load the post by its id; the slug is only decoration. When "
         "the slug does not match, or someone hits the old /post?id=42, send a 301 to the canonical URL. "
         "Missing posts get 404, deleted ones 410 Gone, and links come from url_for.",
         "The numeric primary key identifies the post and the slug is cosmetic, ignored for the lookup. "
         "Old and mistyped URLs redirect permanently (308) to the one canonical URL, built with url_for."),
    ),
    "rest-open-principles": (
        ("In REST every resource goes through one endpoint, /api, with the action named in the body. GET "
         "reads and POST creates. Return status code 200 always and put the error in the JSON payload. "
         "Each request carries its own token, so it is stateless.",
         "REST is about resources: expose actions such as /getBooks and /deleteBook, all called with POST, "
         "which is idempotent enough, and always answer with status code 200 and a JSON body; the server "
         "keeps the user in its session."),
        ("Each thing the API exposes has its own URL, /books and /books/42, named with nouns, not verbs. "
         "The HTTP method says the action: GET reads, POST creates, PUT replaces, PATCH updates and DELETE "
         "removes; GET is safe and PUT and DELETE are idempotent. Reply with 201, 204, 400 or 404 as fits. "
         "It is stateless: a token in the Authorization header on every request. Bodies are JSON.",
         "Resources identified by URLs, HTTP methods mapped to CRUD, proper status codes such as 201 "
         "Created and 404 Not Found, no server-side session so each request carries its own auth, and "
         "JSON representations."),
    ),
    "blueprints-open-project-structure": (
        ("I use create_app in __init__.py and put everything in a blueprint for the API, one module "
         "holding all the views. Extensions use init_app, config comes from environment variables, and "
         "tests use the test client.",
         "A single app.py with create_app and all the routes, plus a blueprint for the admin pages only; "
         "extensions get init_app, config comes from a config class, and tests hit it with the test client."),
        ("An app package whose __init__.py holds create_app, the application factory: it loads a config "
         "class, calls init_app on the extensions created in extensions.py without an app, and registers "
         "one blueprint for each feature: auth, catalog, admin, api. Tests call create_app with a testing "
         "config to get a fresh app each time.",
         "App factory create_app; a separate blueprint per area (auth, blog, api), each with its templates; "
         "extensions bound with init_app; settings per environment through from_prefixed_env; a pytest "
         "fixture builds the app from the factory for every test."),
    ),
    "basics-open-config-secrets": (
        ("Defaults live in a config class loaded with from_object. Generate a long random SECRET_KEY, put "
         "SECRET_KEY in config.py and commit it. Read the database URL from an environment variable, give "
         "tests a testing config, and rotate the logs daily.",
         "Keep a long random SECRET_KEY in settings.py in the repo so every developer has the same one; "
         "environment variables hold the database URL, tests get a test config, from_object loads the "
         "defaults, and I rotate the log files weekly."),
        ("Load the defaults from a config class with from_object, take deployment values from environment "
         "variables with from_prefixed_env, and let the factory take a testing config for tests. The "
         "SECRET_KEY comes from secrets.token_hex, lives in the secrets manager and is never committed; "
         "to rotate the key, move the old one into SECRET_KEY_FALLBACKS.",
         "from_mapping for defaults in code, os.environ or the instance folder for per-environment values, "
         "a test config for tests. SECRET_KEY: long random, kept out of version control, rotated through "
         "SECRET_KEY_FALLBACKS."),
    ),
    "requests-open-session-security": (
        ("The user can tamper with it freely since it is just base64, and SECRET_KEY encrypts it. Keep the "
         "key out of the repository, rotate it with SECRET_KEY_FALLBACKS, and a permanent session lasts "
         "31 days.",
         "The cookie is only base64, so the browser can change values at will and SECRET_KEY merely hides "
         "them. Keep the key secret, rotate it with SECRET_KEY_FALLBACKS, and it lasts 31 days."),
        ("It is signed with itsdangerous, not encrypted: anyone can decode and read it, but a changed value "
         "breaks the signature and the cookie is rejected. SECRET_KEY makes that signature, so keep it long, "
         "random and out of git, and rotate it with SECRET_KEY_FALLBACKS. It dies with the browser unless "
         "session.permanent is set, then it lasts 31 days.",
         "The client can read the session cookie but cannot modify it without the key, since it is signed. "
         "Whoever knows SECRET_KEY can forge sessions, so it must be kept secret, and you rotate the key "
         "through SECRET_KEY_FALLBACKS. Never put secrets in it; browsers cap it at 4 KB."),
    ),
    "testing-open-coverage": (
        ("Coverage shows which lines and branches ran and finds untested code, and coverage shows "
         "meaningful tests: a high number means the tests check the behaviour. Run it with pytest-cov.",
         "Coverage tells you which lines were executed and where tests are missing; when it is high you "
         "know the behaviour is correct. Measure it with coverage run."),
        ("It records which lines and branches executed while the suite ran, which exposes code no test "
         "reaches, like an error handler. It does not prove the tests assert anything: a test can run a "
         "line and check nothing. I measure branch coverage with pytest-cov.",
         "Coverage.py tells you what code ran during the tests (line and branch coverage) and so shows "
         "untested paths. It is no proof of correctness: executed is not verified, and a suite at 100 "
         "percent can have no assertions."),
    ),
    "deployment-systemd-service": (
        ("Run it under systemd with a unit file; ExecStart points at gunicorn in the venv, the user is "
         "www-data, and an EnvironmentFile holds the secrets. Gunicorn restarts dead workers automatically, "
         "so nothing else is needed.",
         "A systemd unit with ExecStart pointing at gunicorn from the venv, run as a dedicated user, secrets "
         "in an EnvironmentFile; the gunicorn master restarts it when a worker dies, so no Restart= line "
         "is needed."),
        ("Write a systemd service file: ExecStart runs the venv's gunicorn with its workers and bind "
         "address, User is an unprivileged account, and secrets sit in an EnvironmentFile only that user "
         "can read. Restart=on-failure brings it back when it dies and systemctl enable starts it on boot.",
         "Use Supervisor or a systemd unit so the process is managed: it runs gunicorn from the virtualenv "
         "as a non-root user, reads its settings from an env file, is restarted automatically by systemd "
         "when it crashes and starts at boot."),
    ),
    # Found in the sweep of the other open questions (same pattern: a bare word, or the start of a wrong claim).
    "scenarios-row-never-committed": (
        ("add() writes the row immediately and commit only refreshes the session, so the row should be there; "
         "at the end of the request the session is removed. On an IntegrityError roll back, and check the "
         "database URL is the same one.",),
        ("db.session.add only stages the object; without a commit it is never persisted. At the end of the "
         "request the session is removed and the open transaction rolled back. Call db.session.commit(), "
         "roll back on IntegrityError, and make sure your SQL client looks at the same database.",
         "The object is pending: add() puts it in the session but you need to call commit to make it "
         "permanent. When the request ends, the uncommitted transaction is rolled back. Catch an integrity "
         "error with a rollback, and check the SQLite path if commit is already there."),
    ),
    "security-open-csrf": (
        ("Flask-WTF adds the CSRF token automatically to every form and CSRFProtect checks it; SameSite=Lax "
         "helps too, and GET requests can change state because they are harmless.",),
        ("A malicious site makes the victim's browser post to our app, and the browser attaches our session "
         "cookie, so the request runs as the user. Defence: a CSRF token from CSRFProtect that the server "
         "checks, SameSite=Lax cookies as a second layer, and GET never changes state.",
         "The browser sends the cookie automatically with a request another site triggers, so it looks "
         "authenticated. Put a csrf_token in every form via Flask-WTF, set SESSION_COOKIE_SAMESITE, and keep "
         "state-changing actions off GET."),
    ),
    "basics-open-microframework": (
        ("Micro means the small core: Flask includes an ORM, a database layer, form validation and "
         "authentication, and extensions such as Flask-Login add more. Large production applications use "
         "it.",),
        ("Micro is about the size of the core, not the apps. There is no ORM, no form validation and no "
         "user authentication built in; extensions like Flask-SQLAlchemy and Flask-Login fill those in, "
         "and large production applications run on it.",
         "A small core: routing, requests, Jinja2, sessions. It does not include an ORM or forms or auth, "
         "you add them with extensions such as Flask-WTF. It is not limited to small projects."),
    ),
    "extensions-open-flask-security": (
        ("Flask-Security is archived, so I would not use it; it bundled registration and roles on top of "
         "Flask-Login, but it is opinionated, so I hand-roll the login.",),
        ("Flask-Security builds on Flask-Login and bundles registration, password reset, roles and "
         "two-factor. The maintained fork Flask-Security-Too moved to pallets-eco and now publishes as "
         "Flask-Security. It is opinionated, so for one login form plain Flask-Login is simpler.",
         "The original is archived; Flask-Security-Too is the one to use, built on Flask-Login, with email "
         "confirmation, password reset, roles and WebAuthn. The trade-off is that it is opinionated about "
         "models."),
    ),
    "incidents-logged-out-after-deploy": (
        ("Sessions are stored in memory, so a restart loses them and each worker has its own. Use a long "
         "random key from an environment variable and rotate the logs.",
         "Flask keeps the sessions in the worker, so every worker has a different set; generate a random "
         "key once and keep it in the secrets manager."),
        ("That line draws a new random key every time a process starts, so cookies signed before a deploy "
         "cannot verify and everyone is logged out; with several workers each worker has its own key. Load "
         "one stable key from an environment variable, and rotate with SECRET_KEY_FALLBACKS.",
         "The key changes on every start, so old cookies fail the signature check. Each worker draws a "
         "different key too. Keep one fixed key in a secrets manager, read it from os.environ, and put "
         "the old key in SECRET_KEY_FALLBACKS when rotating."),
    ),
    "security-open-api-auth": (
        ("Use Flask-JWT-Extended with access and refresh tokens; JWTs can be revoked at any time by deleting "
         "them on the server. Third-party scripts get API keys, OAuth for Google login, all over HTTPS.",),
        ("Flask-JWT-Extended: a login endpoint returns a short-lived access token and a refresh token. JWTs "
         "are stateless, so to revoke one early I keep a blocklist in Redis. API keys for scripts, stored "
         "hashed; OAuth or OpenID Connect for social logins; HTTPS only.",
         "Access and refresh tokens via flask-jwt-extended; a token cannot be revoked before it expires "
         "unless you add a denylist, so keep lifetimes short. Machine clients get API keys, Authlib handles "
         "OAuth, and everything runs over TLS."),
    ),
    "rest-open-shop-stock-orders": (
        ("Check the stock with a query, then commit the decrement in its own request and roll back on "
         "error; lock with a row lock, return 409 Conflict when short and 201 with a Location header, and "
         "accept an idempotency key.",
         "Do the check and the decrement in separate transactions, with a row lock on the product, 409 "
         "Conflict when stock is short, 201 with Location, and an idempotency key for retries."),
        ("Validate the body (422 for bad input), then check and decrement the stock in a single "
         "transaction with SELECT ... FOR UPDATE on the product rows. If stock is short, roll back and "
         "return 409 Conflict; otherwise commit and return 201 with a Location header. An Idempotency-Key "
         "header makes retries safe.",
         "Everything inside a transaction: an atomic conditional update (UPDATE ... WHERE stock >= qty) and "
         "check the rowcount. 409 when out of stock, 201 Created with the order's Location, and an "
         "idempotency key so a retried request does not order twice."),
    ),
    "scenarios-design-shop-stock": (
        ("Check the stock and decrement it in two transactions, locking the rows with SELECT ... FOR UPDATE; "
         "answer 409 Conflict when short, validate the JSON input and add a CHECK constraint.",),
        ("In one database transaction I load the products with with_for_update(), check and decrement the "
         "stock and insert the order before a single commit. If stock is short I roll back and answer 409 "
         "Conflict. I validate the JSON input and keep a CHECK constraint stock >= 0 as a safety net.",
         "Atomically: an atomic conditional update UPDATE products SET stock = stock - qty WHERE stock >= qty, "
         "checking the rowcount; 409 Conflict and a rollback when it fails, validation of the quantities, "
         "and an idempotency key as a safety net."),
    ),
    "security-open-secret-key": (
        ("SECRET_KEY signs the session cookie with itsdangerous, and the signature protects against tampering, "
         "so a leak does not matter much. Commit it to the repo so every instance has it, and rotate it with "
         "SECRET_KEY_FALLBACKS.",),
        ("It signs the session cookie, and extensions use it for CSRF tokens. Whoever learns it can forge a "
         "session claiming to be an admin, so generate it with secrets.token_hex, load it from an "
         "environment variable and rotate it with SECRET_KEY_FALLBACKS.",
         "Flask uses it for session signing (HMAC via itsdangerous). With a leaked key an attacker can tamper "
         "with any session and log in as anyone. Keep it out of git in a secrets manager, and list old keys "
         "in SECRET_KEY_FALLBACKS when rotating."),
    ),
    "deployment-docker-image": (
        ("Start from python:3.12-slim, install requirements first so the layer is cached, CMD gunicorn -b "
         "127.0.0.1:8000 app:app, pass environment variables at runtime, run as a non-root user and log to "
         "stdout.",),
        ("Copy requirements.txt and pip install before copying the code so the dependency layer is cached, on "
         "a slim base. Run gunicorn bound to 0.0.0.0, never flask run. No secrets in the image: environment "
         "variables at run time. Run as a non-root user and log to stdout.",
         "Multi stage build on python:3-slim with requirements first; CMD gunicorn --bind 0.0.0.0:8000 as an "
         "unprivileged user; secrets passed at runtime via --env-file, not baked into the image; state in "
         "volumes."),
    ),
}

# Further cases, one file per review pass: {"<question id>": {"wrong": [...], "mixed": [...], "right": [...]}}
# ("mixed": right overall but with one false claim, refused like "wrong"; optional). A later pass may add cases to
# a question an earlier one hardened; they join its earlier ones. Any other key is a mistake in the file.
for _file in sorted((Path(__file__).parent / "fixtures" / "gameable").glob("*.json")):
    for _qid, _case in json.loads(_file.read_text(encoding="utf-8")).items():
        assert set(_case) <= {"wrong", "mixed", "right"} and {"wrong", "right"} <= set(_case), \
            f"{_file.name}: {_qid} has keys {sorted(_case)}"
        _wrong, _right = CASES.get(_qid, ((), ()))
        _refused = (*_case["wrong"], *_case.get("mixed", ()))
        assert not {*_refused, *_case["right"]} & {*_wrong, *_right}, f"{_file.name}: {_qid} repeats an earlier case"
        CASES[_qid] = (_wrong + _refused, _right + tuple(_case["right"]))

WRONG = [(qid, a) for qid, (wrong, _right) in CASES.items() for a in wrong]
RIGHT = [(qid, a) for qid, (_wrong, right) in CASES.items() for a in right]


@pytest.mark.parametrize(("qid", "answer"), WRONG, ids=[f"{q}-wrong{i}" for i, (q, _a) in enumerate(WRONG)])
def test_wrong_answer_is_not_graded_correct(qid: str, answer: str) -> None:
    lq = LIBRARY.get(qid)
    assert lq is not None and lq.q.kind == "open"
    try:
        g = grade(lq, None, answer)
    except UserError:  # refused before grading (a bare keyword list): not accepted either
        g = None
    assert g is None or not g.correct, f"{qid}: graded correct, covered {g.covered}"


@pytest.mark.parametrize(("qid", "answer"), RIGHT, ids=[f"{q}-right{i}" for i, (q, _a) in enumerate(RIGHT)])
def test_right_paraphrase_is_graded_correct(qid: str, answer: str) -> None:
    lq = LIBRARY.get(qid)
    assert lq is not None and lq.q.kind == "open"
    g = grade(lq, None, answer)
    assert g.correct, f"{qid}: missed {g.missed}, contradicted {g.contradicted}"
