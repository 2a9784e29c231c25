"""A fake Slack on 127.0.0.1 (port 0) that the real slack-sdk and slack-bolt talk to.

Three parts on one aiohttp server:
- ``/api/<method>``: a Web API stand-in.  Records every call (method, arguments,
  token) and answers like Slack: ``{"ok": true, ...}`` with canned data, a 429
  with ``Retry-After`` when a channel is posted to faster than its limit, and
  errors such as ``not_in_channel`` for channels the test marks as lost.
- ``/response/<id>``: a ``response_url`` receiver (records what was posted).
- ``/link``: a Socket Mode websocket server; ``send_envelope`` sends an envelope
  and waits for the ack carrying its ``envelope_id``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

TEAM = "T0TEAM"
BOT_USER = "U0BOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Posted:
    """A message the bot posted to a response_url."""

    url_id: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def text(self) -> str:
        return blocks_text(self.body)


def blocks_text(body: dict[str, Any]) -> str:
    """All human-readable text in a message or view (text, blocks, fields, buttons)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                elif key not in ("action_id", "block_id", "value", "private_metadata", "callback_id"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return "\n".join(out)


def sign(secret: str, body: str, timestamp: str) -> str:
    """Slack's request signature: v0= + HMAC-SHA256(secret, 'v0:{timestamp}:{body}')."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[Posted] = []
        self.admins: set[str] = set()  # users.info says is_admin for these
        self.lost_channels: dict[str, str] = {}  # channel -> error (not_in_channel, is_archived, ...)
        self.ephemeral_refused: dict[str, str] = {}  # user -> error chat.postEphemeral answers (user_not_in_channel)
        self.channel_interval = 0.0  # simulated per-channel posting limit (seconds between posts)
        self.workspace_rate = 0.0  # simulated workspace-wide limit (posts per second, 0: none)
        self.fail_next: dict[str, list[int]] = {}  # method -> HTTP statuses to answer first (500, 429)
        self.rate_limited = 0  # 429s sent
        self.fail_after: dict[str, list[int]] = {}  # method -> statuses answered after doing the work
        self.oauth_team = "T0OTHER"
        # response_urls expire 30 minutes after they are issued (on this clock; a test may inject its own),
        # or at once when a test says so (``expire``); users.info profiles by user id.
        self.now: Callable[[], float] = time.time
        self.url_lifetime = 30 * 60.0
        self._issued: dict[str, float] = {}
        self.expired: set[str] = set()
        self.refused_responses = 0
        self.profiles: dict[str, dict[str, str]] = {}
        self._last_post: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._posted: dict[str, list[dict[str, Any]]] = {}
        self._window: list[float] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ws: web.WebSocketResponse | None = None
        self.ws_connected = asyncio.Event()
        self.close_codes: list[int | None] = []  # one per Socket Mode connection that ended
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.changed = asyncio.Condition()
        self.homes: dict[str, dict[str, Any]] = {}  # user -> the Home tab last published for them
        self.views: dict[str, dict[str, Any]] = {}  # view id -> the modal as views.open/update last left it
        self.refuse: dict[str, list[str]] = {}  # method -> Slack errors to answer first (expired_trigger_id)
        self.hold: dict[str, asyncio.Event] = {}  # method -> answered only once the test sets the event

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self) -> str:
        uid = uuid.uuid4().hex[:12]
        self._issued[uid] = self.now()
        return f"{self.url}/response/{uid}"

    def expire(self, url: str) -> None:
        """The response_url stops working now (as it does 30 minutes after the click)."""
        self.expired.add(url.rsplit("/", 1)[1])

    # -- what crossed the wire ------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _note(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every call that reaches the fake)."""
        async def loop() -> Any:
            async with self.changed:
                while not (result := predicate()):
                    await self.changed.wait()
                return result
        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting; calls: {[c.method for c in self.calls]}, "
                                 f"responses: {len(self.responses)}") from None

    async def wait_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        result: list[Call] = await self.wait_for(lambda: len(self.called(method)) >= n and self.called(method),
                                                 timeout)
        return result

    async def wait_responses(self, n: int, timeout: float = 5.0) -> list[Posted]:
        result: list[Posted] = await self.wait_for(lambda: len(self.responses) >= n and self.responses, timeout)
        return result

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages now in ``channel`` as the fake holds them (after edits)."""
        return self._posted.get(channel, [])

    # -- Web API --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw, keep_blank_values=True)))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        self.calls.append(Call(method, args, token))
        gate = self.hold.get(method)
        if gate is not None:
            await self._note()
            await gate.wait()
        try:
            return self._answer(method, args)
        finally:
            await self._note()

    def _answer(self, method: str, args: dict[str, Any]) -> web.Response:
        after = self.fail_after.get(method)
        if after:  # handled, then the answer is lost: Slack made the message, the bot never learns it
            self._data(method, args)
            return web.Response(status=after.pop(0), text="upstream trouble")
        queued = self.fail_next.get(method)
        if queued:
            status = queued.pop(0)
            if status == 429:
                self.rate_limited += 1
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": "1"})
            return web.Response(status=status, text="upstream trouble")
        refusals = self.refuse.get(method)
        if refusals:
            return web.json_response({"ok": False, "error": refusals.pop(0)})
        channel = str(args.get("channel", ""))
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            if channel in self.lost_channels:
                return web.json_response({"ok": False, "error": self.lost_channels[channel]})
            if method == "chat.postEphemeral" and str(args.get("user", "")) in self.ephemeral_refused:
                return web.json_response({"ok": False, "error": self.ephemeral_refused[str(args["user"])]})
            limited = self._limit(channel)
            if limited:
                self.rate_limited += 1
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": "1"})
        return web.json_response(self._data(method, args))

    def _limit(self, channel: str) -> bool:
        now = time.monotonic()
        if self.channel_interval:
            last = self._last_post.get(channel)
            if last is not None and now - last < self.channel_interval:
                return True
        if self.workspace_rate:
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) >= self.workspace_rate:
                return True
            self._window.append(now)
        self._last_post[channel] = now
        return False

    def _data(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {**ok, "url": "https://fake.slack.com/", "team": "Fake", "team_id": TEAM, "user": "drillbot",
                    "user_id": BOT_USER, "bot_id": "B0BOT", "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"1800000000.{next(self._ts):06d}"
            msg = {**args, "ts": ts}
            if isinstance(msg.get("metadata"), str):
                msg["metadata"] = json.loads(msg["metadata"])
            self._posted.setdefault(str(args["channel"]), []).append(msg)
            return {**ok, "channel": args["channel"], "ts": ts, "message": msg}
        if method == "conversations.history":  # newest first; metadata only when asked for
            oldest = float(args.get("oldest") or 0)
            every = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
            found = [{k: v for k, v in m.items() if k != "metadata" or every}
                     for m in reversed(self._posted.get(str(args["channel"]), [])) if float(m["ts"]) > oldest]
            return {**ok, "messages": found[:int(args.get("limit") or 100)], "has_more": False,
                    "response_metadata": {"next_cursor": ""}}
        if method == "chat.update":
            for msg in self._posted.get(str(args["channel"]), []):
                if msg["ts"] == args["ts"]:
                    msg.update(args)
                    return {**ok, "channel": args["channel"], "ts": args["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"1800000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish", "views.update"):
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            problem = view_problem(view or {})
            if problem:
                return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}
            published = {**(view or {}), "id": args.get("view_id") or f"V{next(self._ts)}"}
            if method == "views.publish":
                self.homes[str(args.get("user_id"))] = published
            else:
                self.views[published["id"]] = published
            return {**ok, "view": published}
        if method == "users.info":
            user = str(args["user"])
            profile = {"real_name": user, "display_name": "", **self.profiles.get(user, {})}
            return {**ok, "user": {"id": user, "name": user.lower(), "real_name": profile["real_name"],
                                   "tz": "Europe/Berlin", "is_admin": user in self.admins, "is_owner": False,
                                   "profile": profile}}
        if method == "apps.connections.open":
            return {**ok, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "oauth.v2.access":
            return {**ok, "access_token": "xoxb-installed", "token_type": "bot", "scope": "commands,chat:write",
                    "bot_user_id": "U0BOT2", "app_id": "A0APP", "team": {"id": self.oauth_team, "name": "Other"},
                    "enterprise": None, "is_enterprise_install": False,
                    "authed_user": {"id": "U0INSTALLER"}}
        return ok

    async def _response(self, request: web.Request) -> web.Response:
        uid = request.match_info["id"]
        issued = self._issued.get(uid)
        if uid in self.expired or (issued is not None and self.now() - issued > self.url_lifetime):
            self.refused_responses += 1
            await self._note()
            return web.Response(status=404, text="expired_url")
        self.responses.append(Posted(uid, await request.json()))
        await self._note()
        return web.json_response({"ok": True})

    # -- Socket Mode ----------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                            "connection_info": {"app_id": "A0APP"}})
        self.ws_connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                ack = json.loads(msg.data)
                fut = self._acks.pop(ack.get("envelope_id", ""), None)
                if fut is not None and not fut.done():
                    fut.set_result(ack)
        self.close_codes.append(ws.close_code)  # 1000: the app closed the socket cleanly
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0,
                            timeout: float = 3.0, envelope_id: str | None = None) -> dict[str, Any]:
        """Send one envelope and return the app's ack; fails if none arrives within Slack's 3 s."""
        await asyncio.wait_for(self.ws_connected.wait(), 5)
        assert self.ws is not None
        eid = envelope_id or str(uuid.uuid4())
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[eid] = fut
        await self.ws.send_json({"envelope_id": eid, "type": kind, "payload": payload,
                                 "accepts_response_payload": kind != "events_api",
                                 "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""})
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise AssertionError(f"envelope {eid} ({kind}) was not acknowledged within {timeout} s") from None


# -- payloads as Slack sends them -------------------------------------------------------------

def command_body(*, user: str, text: str = "", channel: str = "C0GENERAL", team: str = TEAM,
                 response_url: str, trigger_id: str | None = None, command: str = "/flask-quiz") -> dict[str, str]:
    return {"token": "legacy", "team_id": team, "team_domain": "fake", "enterprise_id": "", "channel_id": channel,
            "channel_name": channel.lower(), "user_id": user, "user_name": user.lower(), "command": command,
            "text": text, "api_app_id": "A0APP", "is_enterprise_install": "false", "response_url": response_url,
            "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex}"}


def action_payload(*, user: str, action: dict[str, Any], message: dict[str, Any] | None, channel: str | None,
                   response_url: str | None, team: str = TEAM, ephemeral: bool = False,
                   container_type: str = "message") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": user, "username": user.lower(), "name": user.lower(),
                                          "team_id": team},
        "api_app_id": "A0APP", "token": "legacy", "team": {"id": team, "domain": "fake"},
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex}",
        "container": {"type": container_type, "message_ts": (message or {}).get("ts", ""),
                      "channel_id": channel, "is_ephemeral": ephemeral},
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        "state": {"values": {}},
    }
    if channel is not None:
        payload["channel"] = {"id": channel, "name": channel.lower()}
    if message is not None:
        payload["message"] = message
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


# Input elements Slack accepts in an ``input`` block, and the state value each reports.
INPUT_ELEMENTS = {"plain_text_input": "value", "number_input": "value", "timepicker": "selected_time",
                  "static_select": "selected_option", "multi_static_select": "selected_options",
                  "checkboxes": "selected_options", "radio_buttons": "selected_option",
                  "conversations_select": "selected_conversation", "channels_select": "selected_channel",
                  "users_select": "selected_user", "datepicker": "selected_date"}


def view_problem(view: dict[str, Any]) -> str:
    """What Slack would refuse in a modal or Home view (the limits inputs run into), or ''."""
    blocks = view.get("blocks") or []
    if view.get("type") not in ("modal", "home"):
        return "view.type must be modal or home"
    if len(blocks) > 100:
        return "no more than 100 blocks"
    if view.get("type") == "modal":
        if len((view.get("title") or {}).get("text", "")) > 24:
            return "a modal's title has at most 24 characters"
        if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
            return "a modal with an input needs a submit button"
    if len(str(view.get("private_metadata", ""))) > 3000:
        return "private_metadata has at most 3000 characters"
    if problem := blocks_problem(blocks):
        return problem
    seen: set[str] = set()
    for b in blocks:
        bid = b.get("block_id")
        if bid is not None:
            if bid in seen or len(str(bid)) > 255:
                return f"block_id {bid!r} is repeated or too long"
            seen.add(bid)
        if b.get("type") != "input":
            continue
        el = b.get("element") or {}
        if el.get("type") not in INPUT_ELEMENTS or not el.get("action_id"):
            return f"input {bid!r}: unsupported element {el.get('type')!r} or no action_id"
        if len(b.get("label", {}).get("text", "")) > 2000 or b.get("label", {}).get("type") != "plain_text":
            return f"input {bid!r}: the label must be plain_text"
        options = el.get("options") or []
        if len(options) > (10 if el["type"] in ("checkboxes", "radio_buttons") else 100):
            return f"input {bid!r}: too many options ({len(options)})"
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            return f"input {bid!r}: option values repeat"
        initial = el.get("initial_option")
        if initial is not None and initial not in options:
            return f"input {bid!r}: initial_option is not one of the options"
        if any(o not in options for o in el.get("initial_options") or []):
            return f"input {bid!r}: an initial option is not one of the options"
        if el["type"] == "timepicker" and el.get("initial_time") is not None and \
                not re.fullmatch(r"[0-2][0-9]:[0-5][0-9]", str(el["initial_time"])):
            return f"input {bid!r}: initial_time must be HH:mm"
    return ""


def blocks_problem(blocks: list[dict[str, Any]]) -> str:
    """What Slack would refuse in any blocks: a section's text over 3,000 characters, a header's over 150."""
    for b in blocks:
        text = (b.get("text") or {}).get("text", "") if isinstance(b.get("text"), dict) else ""
        if b.get("type") == "section" and len(text) > 3000:
            return f"a section's text has at most 3000 characters, not {len(text)}"
        if b.get("type") == "header" and len(text) > 150:
            return f"a header's text has at most 150 characters, not {len(text)}"
    return ""


def state_of(view: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    """The ``state.values`` Slack reports for a view: each input's element type, ``filled`` by block id
    (an input left empty reports no value)."""
    values: dict[str, Any] = {}
    for b in view.get("blocks") or []:
        if b.get("type") != "input":
            continue
        el = b["element"]
        entry: dict[str, Any] = {"type": el["type"]}
        if b["block_id"] in filled:
            entry[INPUT_ELEMENTS[el["type"]]] = filled[b["block_id"]]
        values[b["block_id"]] = {el["action_id"]: entry}
    return values


def home_action(*, user: str, view: dict[str, Any], action: dict[str, Any], filled: dict[str, Any],
                team: str = TEAM) -> dict[str, Any]:
    """A button clicked in a Home tab: block_actions from a view (no response_url), the form's state inside."""
    payload = action_payload(user=user, action=action, message=None, channel=None, response_url=None, team=team,
                             container_type="view")
    payload["container"] = {"type": "view", "view_id": view.get("id", "V0HOME")}
    payload.pop("channel", None)
    payload["view"] = {**view, "team_id": team, "state": {"values": state_of(view, filled)},
                       "hash": uuid.uuid4().hex}
    return payload


def view_submission(*, user: str, view: dict[str, Any], values: dict[str, Any], team: str = TEAM) -> dict[str, Any]:
    return {"type": "view_submission", "team": {"id": team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
            "api_app_id": "A0APP", "token": "legacy", "trigger_id": f"{uuid.uuid4().int % 10**12}.1.x",
            "view": {**view, "id": view.get("id", "V0MODAL"), "team_id": team, "state": {"values": values},
                     "hash": uuid.uuid4().hex}}


def event_body(event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None) -> dict[str, Any]:
    return {"token": "legacy", "team_id": team, "api_app_id": "A0APP", "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}


def form(body: dict[str, str]) -> str:
    return urlencode(body)
