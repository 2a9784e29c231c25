"""Flask APIs that no longer exist: naming one as the way to do something is a wrong claim on any question.

Wrong-but-wordy answers lean on removed APIs ("register it with ``@app.before_first_request``",
"import it from ``flask.ext``"), and an interviewer stops there.  Each entry is a phrase matched
like a key-point phrase and the sentence shown as the contradicted point.  It is not applied to a
question whose prompt, code, model answer or key points name that API (the question is then about
it, and its own ``contradicts`` decide), and, like every contradiction, not where the answer
dismisses it ("was removed", "instead of", "deprecated").
"""

from __future__ import annotations

RETIRED_APIS: tuple[tuple[str, str], ...] = (
    ("flask.ext", "`flask.ext` imports were removed in Flask 1.0: import the extension's own package"),
    ("before_first_request", "`before_first_request` was removed in Flask 2.3"),
    ("json_encoder", "`app.json_encoder` / `json_decoder` were removed in Flask 2.3; a JSON provider replaces them"),
    ("json_decoder", "`app.json_encoder` / `json_decoder` were removed in Flask 2.3; a JSON provider replaces them"),
    ("flask_env", "`FLASK_ENV` was removed in Flask 2.3; debug mode is `--debug` / `FLASK_DEBUG`"),
    ("_request_ctx_stack", "`_request_ctx_stack` was removed in Flask 3.0"),
    ("_app_ctx_stack", "`_app_ctx_stack` was removed in Flask 3.0"),
    ("attachment_filename", "`attachment_filename` was removed in Flask 2.2; it is `download_name`"),
    ("json_sort_keys", "`JSON_SORT_KEYS` was removed in Flask 2.3; it is set on `app.json` now"),
    ("json_as_ascii", "`JSON_AS_ASCII` was removed in Flask 2.3; it is set on `app.json` now"),
    ("jsonify_prettyprint_regular", "`JSONIFY_PRETTYPRINT_REGULAR` was removed in Flask 2.3"),
)
