"""Verify first: an aiohttp middleware in front of Bolt's HTTP server.

Bolt parses a request body before it checks the signature, so an unsigned request with a
timestamp of ``abc``, a ``payload=`` that is not JSON, a JSON array or ``null`` ended in a
500 and a traceback.  Here every POST to the events path is checked in this order, before
Bolt sees it:

1. signature and timestamp (Slack's v0 scheme, five minutes of clock skew): else 401;
2. the body's shape, now that it is known to be Slack's: a form, or a form whose ``payload``
   is a JSON object, or a JSON object: else 400.

Nothing about an unsigned request is logged above DEBUG, and none of its content.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from aiohttp import web
from aiohttp.typedefs import Middleware
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
MAX_SKEW = 60 * 5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def signed(secret: str, body: bytes, timestamp: str | None, signature: str | None, *, now: float) -> bool:
    """True if Slack signed ``body`` at ``timestamp`` (digits, within five minutes of ``now``)."""
    if not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > MAX_SKEW:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return SignatureVerifier(secret).is_valid(text, timestamp, signature)


def well_formed(body: bytes, content_type: str) -> bool:
    """A body Bolt can read: a JSON object, a form, or a form whose ``payload`` is a JSON object."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            return isinstance(json.loads(text), dict)
        fields, payloads = _payloads(text)
        if payloads:
            return len(payloads) == 1 and _interactive(json.loads(payloads[0]))
        return fields or text == ""
    except ValueError:  # not UTF-8, not JSON
        return False


def _payloads(form: str) -> tuple[bool, list[str]]:
    """Whether a form has any field, and its ``payload`` values, as ``parse_qs(keep_blank_values=True)``
    reads them; only the ``payload`` values are decoded (a slash command's dozen fields, its
    URL-encoded ``response_url`` among them, were most of a parse that Bolt then does again)."""
    fields = False
    payloads: list[str] = []
    for piece in form.split("&"):
        if not piece:
            continue
        fields = True
        name, _eq, value = piece.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "))
        if name == "payload":
            payloads.append(unquote(value.replace("+", " ")))
    return fields, payloads


def _interactive(payload: object) -> bool:
    """The fields Bolt reads before any listener runs (it indexes them unguarded) have their types."""
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return False
    shapes: dict[str, type | tuple[type, ...]] = {"view": dict, "user": dict, "team": (dict, type(None)),
                                                  "actions": list, "channel": (dict, type(None))}
    if any(key in payload and not isinstance(payload[key], kind) for key, kind in shapes.items()):
        return False
    view = payload.get("view")
    if view is not None and not isinstance(view.get("type"), str):
        return False
    return all(isinstance(a, dict) for a in payload.get("actions") or [])


def middleware(secret: str, path: str) -> Middleware:
    @web.middleware
    async def verify_first(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        body = await request.read()  # kept by aiohttp: Bolt reads the same bytes afterwards
        if not signed(secret, body, request.headers.get("X-Slack-Request-Timestamp"),
                      request.headers.get("X-Slack-Signature"), now=time.time()):
            log.debug("slack: refused an unsigned request (401)")
            return web.Response(status=401, text="")
        if not well_formed(body, request.content_type):
            log.warning("slack: a signed request with a malformed %s body (400)", request.content_type)
            return web.Response(status=400, text="")
        return await handler(request)
    return verify_first
