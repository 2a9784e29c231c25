"""A fake Discord for the tests: the REST endpoints and the gateway websocket discord.py uses.

One aiohttp server on 127.0.0.1 (port 0).  The real discord.py client connects to it
through the adapter's ``api_base_url`` and ``gateway_url`` settings.  Every REST request
is recorded (``requests``) so tests assert on what crossed the wire; 429s and 403s can be
injected; the gateway speaks HELLO, heartbeat ACK, IDENTIFY → READY → GUILD_CREATE,
RESUME → replay → RESUMED, and can ask the client to reconnect (op 7).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
APP_ID = 900_000_000_000_000_001
BOT_ID = APP_ID
JSON = dict[str, Any]


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json (no charset), and
    # treats a 429 without a Via header as a Cloudflare ban (no retry): Discord's answers carry one.
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                        headers={"Via": "1.1 google", **(headers or {})})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float
    status: int = 200
    response: Any = None


@dataclass
class Injection:
    status: int  # 0: the connection is reset
    method: str
    pattern: re.Pattern[str]
    times: int
    retry_after: float = 0.05
    is_global: bool = False
    after: bool = False  # reset after the request was handled (the bot never learns it landed)


@dataclass
class Storm:
    """From ``start`` for ``duration`` seconds, matching requests answer 429 (Retry-After: the rest)."""

    start: float
    duration: float
    is_global: bool
    pattern: re.Pattern[str]


@dataclass
class Session:
    session_id: str
    shard: tuple[int, int]
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    buffer: deque[JSON] = field(default_factory=lambda: deque(maxlen=10_000))
    identifies: int = 0


@dataclass
class Sent:
    """An interaction the fake delivered, to wait for its callback."""

    id: str
    token: str
    payload: JSON
    sent_at: float = 0.0  # when the gateway frame went out (time.monotonic)


def user(uid: int, name: str) -> JSON:
    return {"id": str(uid), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": False, "public_flags": 0}


class FakeDiscord:
    def __init__(self, *, guilds: int = 1, channels_per_guild: int = 2, global_limit: int | None = 50) -> None:
        # Snowflakes of 2027 onward: later than any clock a test runs the bot on, so history
        # queries with ``after=<snowflake of when a round opened>`` see every message.
        self.ids = itertools.count(1_600_000_000_000_000_000)
        self.guilds: list[JSON] = []
        for g in range(guilds):
            gid = (1000 + g) << 22
            chans = [{"id": str(((5000 + g) << 22) + c), "type": 0, "name": f"chan-{g}-{c}", "position": c,
                      "guild_id": str(gid), "permission_overwrites": [], "nsfw": False, "topic": None,
                      "rate_limit_per_user": 0, "parent_id": None}
                     for c in range(channels_per_guild)]
            self.guilds.append({"id": str(gid), "name": f"guild-{g}", "channels": chans})
        self.global_limit = global_limit
        self.requests: list[Recorded] = []
        self.injections: list[Injection] = []
        self.forbidden: set[str] = set()
        self.dms: dict[str, str] = {}  # DM channel id -> the user it is with
        self.channel_of: dict[str, str] = {}  # interaction id or token -> the channel it came from
        self.replies: set[str] = set()  # ids of messages that are interaction replies (not channel posts)
        self.no_dms: set[str] = set()  # users who do not take direct messages from the bot
        self.messages: dict[str, JSON] = {}
        self.commands: dict[str, list[JSON]] = {}  # "global" or guild id -> commands
        self.sessions: dict[str, Session] = {}
        self.callbacks: dict[str, list[Recorded]] = {}
        self.responses: dict[str, JSON] = {}  # interaction id -> the message its callback created
        self.global_429s = 0
        self.close_codes: list[int | None] = []  # one per gateway connection that ended, as the bot closed it
        self.storms: list[Storm] = []
        self.nonces: dict[tuple[str, str], tuple[float, JSON]] = {}  # (channel, nonce) -> (when, message)
        self.nonce_window = 300.0  # Discord: "a few minutes"
        self.resets = 0
        self.threads: dict[str, JSON] = {}  # message id -> the thread started from it
        self.origins: dict[str, str] = {}  # interaction id or token -> the message its component was on
        self._window: deque[float] = deque()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for s in self.sessions.values():
            if s.ws is not None and not s.ws.closed:
                await s.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- injection ------------------------------------------------------------------------

    def inject(self, status: int, method: str, path: str, *, times: int = 1, retry_after: float = 0.05,
               is_global: bool = False) -> None:
        """Answer the next ``times`` requests matching ``method path`` (a regex) with ``status``."""
        self.injections.append(Injection(status, method, re.compile(path), times, retry_after, is_global))

    def inject_reset(self, method: str, path: str, *, times: int = 1, after: bool = False) -> None:
        """Drop the connection of the next ``times`` matching requests (``after``: once handled)."""
        self.injections.append(Injection(0, method, re.compile(path), times, after=after))

    def storm(self, *, start_in: float, duration: float, is_global: bool, path: str = r"/channels/.*") -> None:
        """A wave of 429s: every matching request in the window is refused (Retry-After: what is left)."""
        self.storms.append(Storm(time.monotonic() + start_in, duration, is_global, re.compile(path)))

    def _stormy(self, path: str) -> web.Response | None:
        now = time.monotonic()
        for st in self.storms:
            if st.start <= now < st.start + st.duration and st.pattern.fullmatch(path):
                left = round(st.start + st.duration - now, 3)
                headers = {"Retry-After": str(left), "X-RateLimit-Scope": "global" if st.is_global else "user"}
                if st.is_global:
                    headers["X-RateLimit-Global"] = "true"
                return _json({"message": "You are being rate limited.", "retry_after": left,
                              "global": st.is_global}, 429, headers)
        return None

    def forbid(self, channel_id: str) -> None:
        """The bot loses access to a channel: posting there answers 403 Missing Access."""
        self.forbidden.add(channel_id)

    # -- REST -----------------------------------------------------------------------------

    def _global_limited(self, path: str) -> bool:
        # Interaction callbacks are exempt from the global limit; everything else counts.
        if self.global_limit is None or path.startswith("/interactions/"):
            return False
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.global_limit:
            return True
        self._window.append(now)
        return False

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        arrived = time.monotonic()
        body: Any = None
        if request.can_read_body:
            if request.content_type.startswith("multipart/"):
                form = await request.post()
                body = json.loads(str(form.get("payload_json", "null")))
            else:
                raw = await request.read()
                body = json.loads(raw) if raw else None
        rec = Recorded(request.method, path, dict(request.query), body, arrived)
        self.requests.append(rec)
        inj = self._injection(request.method, path)
        if inj is not None and inj.status == 0 and not inj.after:
            return self._reset(request, rec)
        resp = self._respond(inj) if inj is not None and inj.status else None
        if resp is None and not path.startswith("/interactions/"):
            resp = self._stormy(path)
        if resp is None and self._global_limited(path):
            self.global_429s += 1
            resp = _json({"message": "You are being rate limited.", "retry_after": 0.1, "global": True}, 429,
                         {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": "1"})
        if resp is None:
            resp = self._route(request.method, path, dict(request.query), body)
        if inj is not None and inj.status == 0 and inj.after:
            return self._reset(request, rec)
        rec.status = resp.status
        if isinstance(resp.body, bytes) and resp.content_type == "application/json":
            rec.response = json.loads(resp.body)
        self._changed.set()
        return resp

    def _reset(self, request: web.Request, rec: Recorded) -> web.Response:
        rec.status = 0
        self.resets += 1
        if request.transport is not None:
            request.transport.abort()  # the client sees the connection dropped, no answer
        self._changed.set()
        return web.Response(status=500)

    def _injection(self, method: str, path: str) -> Injection | None:
        for inj in self.injections:
            if inj.times > 0 and inj.method == method and inj.pattern.fullmatch(path):
                inj.times -= 1
                return inj
        return None

    @staticmethod
    def _respond(inj: Injection) -> web.Response:
        if inj.status == 429:
            headers = {"X-RateLimit-Scope": "global" if inj.is_global else "user",
                       "Retry-After": str(inj.retry_after)}
            if inj.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _json({"message": "You are being rate limited.", "retry_after": inj.retry_after,
                          "global": inj.is_global}, 429, headers)
        if inj.status >= 500:
            return _json({"message": "Service Unavailable", "code": 0}, inj.status)
        return _json({"message": "Missing Access", "code": 50001}, inj.status)

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> web.Response:
        p = path.split("/")[1:]
        match method, p:
            case "GET", ["users", "@me"]:
                return _json({**user(BOT_ID, "drillbot"), "bot": True, "verified": True, "mfa_enabled": False,
                              "flags": 0})
            case "GET", ["oauth2", "applications", "@me"]:
                return _json({"id": str(APP_ID), "name": "drillbot", "description": "", "icon": None,
                              "bot_public": True, "bot_require_code_grant": False, "verify_key": "00",
                              "owner": user(42, "owner"), "flags": 0, "team": None,
                              "interactions_endpoint_url": None})
            case "GET", ["gateway", "bot"]:
                return _json({"url": self.gateway_url, "shards": 1,
                              "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                                      "max_concurrency": 1}})
            case "GET", ["applications", _, "commands"]:
                return _json(self.commands.get("global", []))
            case "PUT", ["applications", _, "commands"]:
                return _json(self._store_commands("global", body))
            case "GET", ["applications", _, "guilds", gid, "commands"]:
                return _json(self.commands.get(gid, []))
            case "PUT", ["applications", _, "guilds", gid, "commands"]:
                return _json(self._store_commands(gid, body))
            case "POST", ["interactions", iid, _token, "callback"]:
                return self._callback(iid, query, body)
            case "POST", ["webhooks", _, token]:
                if embeds_invalid(body):
                    return _json({"message": "Invalid Form Body", "code": 50035, "errors": embeds_invalid(body)}, 400)
                ephemeral = bool((body or {}).get("flags", 0) & 64)
                reply = self._new_message(None if ephemeral else self.channel_of.get(token), body)
                self.replies.add(reply["id"])
                return _json(reply)
            case "PATCH", ["webhooks", _, token, "messages", mid]:
                if mid == "@original" and token in self.origins:  # a deferred update: the component's message
                    mid = self.origins[token]
                msg = self.messages.setdefault(mid, self._message_shape(None, {}))
                msg.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
                return _json(msg)
            case "POST", ["users", "@me", "channels"]:  # open (or find) a DM channel with a user
                uid = str(body["recipient_id"])
                cid = next((c for c, u in self.dms.items() if u == uid), None) or str(next(self.ids))
                self.dms[cid] = uid
                return _json({"id": cid, "type": 1, "last_message_id": None, "flags": 0,
                              "recipients": [user(int(uid), f"user{uid}")]})
            case "POST", ["channels", cid, "messages"]:
                if cid in self.forbidden:
                    return _json({"message": "Missing Access", "code": 50001}, 403)
                if self.dms.get(cid) in self.no_dms:
                    return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
                if embeds_invalid(body):
                    return _json({"message": "Invalid Form Body", "code": 50035, "errors": embeds_invalid(body)}, 400)
                nonce = (body or {}).get("nonce")
                if nonce is not None and (body or {}).get("enforce_nonce"):
                    seen = self.nonces.get((cid, str(nonce)))
                    if seen is not None and time.monotonic() - seen[0] < self.nonce_window:
                        return _json(seen[1])  # the message this nonce already created
                msg = self._new_message(cid, body)
                if nonce is not None:
                    msg["nonce"] = str(nonce)
                    self.nonces[(cid, str(nonce))] = (time.monotonic(), msg)
                return _json(msg)
            case "GET", ["channels", cid, "messages"]:  # history, newest first
                after, limit = int(query.get("after", "0")), min(int(query.get("limit", "50")), 100)
                mine = sorted((m for m in self.messages.values() if m["channel_id"] == cid and int(m["id"]) > after),
                              key=lambda m: int(m["id"]))[:limit]
                return _json([{**{k: v for k, v in m.items() if k != "nonce"},
                               **({"thread": self.threads[m["id"]]} if m["id"] in self.threads else {})}
                              for m in reversed(mine)])
            case "PATCH", ["channels", cid, "messages", mid]:
                if cid in self.forbidden:
                    return _json({"message": "Missing Access", "code": 50001}, 403)
                msg = self.messages.get(mid)
                if msg is None:
                    return _json({"message": "Unknown Message", "code": 10008}, 404)
                msg.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
                msg["edited_timestamp"] = "2026-11-16T08:00:00+00:00"
                return _json(msg)
            case "POST", ["channels", cid, "messages", mid, "threads"]:
                if mid in self.threads:
                    return _json({"message": "A thread has already been created for this message",
                                  "code": 160004}, 400)
                tid = mid  # Discord: a thread started from a message shares the message's id
                thread = {"id": tid, "guild_id": self._guild_of(cid), "parent_id": cid, "owner_id": str(BOT_ID),
                          "name": body["name"], "type": 11, "message_count": 0, "member_count": 1,
                          "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
                          "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                              "archive_timestamp": "2026-11-16T08:00:00+00:00", "locked": False}}
                self.threads[mid] = thread
                return _json(thread, 201)
        return _json({"message": f"fake Discord does not implement {method} {path}", "code": 0}, 404)

    def _store_commands(self, scope: str, body: list[JSON]) -> list[JSON]:
        stored = [{**c, "id": str(next(self.ids)), "application_id": str(APP_ID), "version": "1"} for c in body]
        self.commands[scope] = stored
        return stored

    def _guild_of(self, channel_id: str) -> str | None:
        for g in self.guilds:
            if any(c["id"] == channel_id for c in g["channels"]):
                return str(g["id"])
        return None

    def _message_shape(self, channel_id: str | None, body: JSON) -> JSON:
        mid = str(next(self.ids))
        return {"id": mid, "channel_id": channel_id or "0", "type": 0, "content": body.get("content") or "",
                "author": {**user(BOT_ID, "drillbot"), "bot": True}, "embeds": body.get("embeds") or [],
                "components": body.get("components") or [], "attachments": [], "mentions": [],
                "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
                "timestamp": "2026-11-16T08:00:00+00:00", "edited_timestamp": None,
                "flags": body.get("flags", 0), "allowed_mentions": body.get("allowed_mentions")}

    def _new_message(self, channel_id: str | None, body: JSON) -> JSON:
        msg = self._message_shape(channel_id, body or {})
        self.messages[msg["id"]] = msg
        return msg

    def _callback(self, iid: str, query: dict[str, str], body: JSON) -> web.Response:
        rec = self.requests[-1]
        done = self.callbacks.setdefault(iid, [])
        done.append(rec)
        if len(done) > 1:
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        data = body.get("data") or {}
        refused = self._invalid_callback(body) or embeds_invalid(data)
        if refused:
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": refused}, 400)
        resource: JSON = {"type": body["type"]}
        if body["type"] == 7 and self.origins.get(iid) in self.messages:  # update the component's message
            msg = self.messages[self.origins[iid]]
            msg.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            resource["message"] = self.responses[iid] = msg
        elif body["type"] in (4, 7):
            msg = self._new_message(None if data.get("flags", 0) & 64 else self.channel_of.get(iid), data)
            self.replies.add(msg["id"])
            resource["message"] = self.responses[iid] = msg
        if query.get("with_response") in ("1", "true", "True"):
            return _json({"interaction": {"id": iid, "type": 2, "response_message_ephemeral":
                                          bool(data.get("flags", 0) & 64)}, "resource": resource})
        return web.Response(status=204)

    @staticmethod
    def _invalid_callback(body: JSON) -> str:
        """What Discord would refuse in a callback (it refuses the whole response, 50035)."""
        data = body.get("data") or {}
        if body.get("type") == 8:  # autocomplete: at most 25 choices of 1-100 characters each
            choices = data.get("choices") or []
            if len(choices) > 25:
                return "choices: must be 25 or fewer in length"
            for c in choices:
                if not 1 <= len(str(c.get("name", ""))) <= 100 or len(str(c.get("value", ""))) > 100:
                    return "choices: name and value must be 1-100 characters"
        if body.get("type") == 9:  # a modal: title and labels 45, hints 100, text displays 4,000 in all
            stack, shown = list(data.get("components") or []), 0
            if len(str(data.get("title", ""))) > 45 or len(stack) > 5:
                return "modal: title over 45 characters or more than 5 components"
            while stack:
                c = stack.pop()
                if len(str(c.get("label", ""))) > 45 or len(str(c.get("description", ""))) > 100:
                    return "modal: a label over 45 or a description over 100 characters"
                shown += len(str(c.get("content", ""))) if c.get("type") == 10 else 0
                stack += list(c.get("components") or []) + ([c["component"]] if "component" in c else [])
            if shown > 4000:
                return "modal: text displays over 4000 characters"
        return ""

    # -- waiting on what crossed the wire ---------------------------------------------------

    async def wait_for(self, pred: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll ``pred`` after every request until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = pred()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.05))

    async def callback(self, sent: Sent, timeout: float = 5.0) -> JSON:
        """The body of the (first) callback the bot sent for ``sent``."""
        recs: list[Recorded] = await self.wait_for(lambda: self.callbacks.get(sent.id), timeout)
        body: JSON = recs[0].body
        return body

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    # -- the gateway ----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        session: Session | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, d = frame["op"], frame.get("d")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                shard = tuple(d.get("shard") or (0, 1))
                session = Session(uuid.uuid4().hex, (int(shard[0]), int(shard[1])), ws=ws)
                self.sessions[session.session_id] = session
                await self._identify(session, d)
            elif op == 6:
                old = self.sessions.get(d["session_id"])
                if old is None:
                    await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
                    continue
                session = old
                session.ws = ws
                for frame_ in list(session.buffer):
                    if frame_["s"] > int(d.get("seq") or 0):
                        await ws.send_json(frame_)
                await self._dispatch(session, "RESUMED", {})
        if session is not None and session.ws is ws:
            session.ws = None
        self.close_codes.append(ws.close_code)  # 1000: the bot said goodbye; 1006/None: it just went
        return ws

    async def _identify(self, session: Session, d: JSON) -> None:
        shard_id, count = session.shard
        mine = [g for g in self.guilds if (int(g["id"]) >> 22) % count == shard_id]
        await self._dispatch(session, "READY", {
            "v": 10, "user": {**user(BOT_ID, "drillbot"), "bot": True, "verified": True, "mfa_enabled": False,
                              "flags": 0},
            "guilds": [{"id": g["id"], "unavailable": True} for g in mine], "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url, "shard": [shard_id, count],
            "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [], "relationships": []})
        for g in mine:
            await self._dispatch(session, "GUILD_CREATE", self._guild_create(g))

    def _guild_create(self, g: JSON) -> JSON:
        return {"id": g["id"], "name": g["name"], "unavailable": False, "owner_id": "42", "member_count": 2,
                "large": False, "features": [], "emojis": [], "stickers": [], "threads": [], "members": [],
                "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
                "channels": g["channels"], "joined_at": "2026-01-01T00:00:00+00:00", "icon": None,
                "roles": [{"id": g["id"], "name": "@everyone", "permissions": "2048", "position": 0, "color": 0,
                           "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
                "system_channel_flags": 0, "afk_timeout": 300}

    async def add_guild(self, *, channels: int = 2, bot_permissions: int = 1024 | 2048 | 16384 | 65536,
                        system_channel: int | None = 0, gid: int | None = None) -> JSON:
        """The bot is added to a server (or re-added: ``gid`` of one it had): GUILD_CREATE after READY,
        with the bot's member and role (its permissions) and the server's system channel."""
        if gid is None:
            g_index = len(self.guilds)
            gid = (1000 + g_index) << 22
            chans = [{"id": str(((5000 + g_index) << 22) + c), "type": 0, "name": f"chan-{g_index}-{c}",
                      "position": c, "guild_id": str(gid), "permission_overwrites": [], "nsfw": False,
                      "topic": None, "rate_limit_per_user": 0, "parent_id": None} for c in range(channels)]
            g: JSON = {"id": str(gid), "name": f"guild-{g_index}", "channels": chans}
            self.guilds.append(g)
        else:
            g = next(x for x in self.guilds if x["id"] == str(gid))
        data = self._guild_create(g)
        del data["unavailable"]  # Discord leaves it out for a join (False: an outage ended)
        role = {"id": str(gid + 1), "name": "drillbot", "permissions": str(bot_permissions), "position": 1,
                "color": 0, "hoist": False, "managed": True, "mentionable": False, "flags": 0}
        data["roles"] = [*data["roles"], role]
        data["members"] = [{"user": {**user(BOT_ID, "drillbot"), "bot": True}, "roles": [role["id"]], "flags": 0,
                            "joined_at": "2026-12-01T00:00:00+00:00", "deaf": False, "mute": False}]
        data["system_channel_id"] = g["channels"][system_channel]["id"] if system_channel is not None else None
        await self._dispatch(self.session_for(str(gid)), "GUILD_CREATE", data)
        return g

    async def _dispatch(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_json(frame)
            except ConnectionResetError:
                session.ws = None  # kept in the buffer; replayed on RESUME

    def session_for(self, guild_id: str | None) -> Session:
        live = [s for s in self.sessions.values()]
        if not live:
            raise AssertionError("no gateway session: the bot never identified")
        if guild_id is None:
            return [s for s in live if s.shard[0] == 0][-1]
        for s in reversed(live):
            if (int(guild_id) >> 22) % s.shard[1] == s.shard[0]:
                return s
        raise AssertionError(f"no session serves guild {guild_id}")

    async def request_reconnect(self, session: Session | None = None) -> None:
        """Op 7: the client must close and RESUME; events sent meanwhile are replayed."""
        s = session or self.session_for(None)
        if s.ws is not None:
            ws, s.ws = s.ws, None  # from now on events are buffered only
            await ws.send_json({"op": 7, "d": None, "s": None, "t": None})

    # -- driving the bot: interactions --------------------------------------------------------

    async def interact(self, kind: int, data: JSON, *, who: JSON, guild: int = 0, channel: int = 0,
                       admin: bool = False, message: JSON | None = None, iid: str | None = None,
                       token: str | None = None, dm: bool = False, app_permissions: int | None = None) -> Sent:
        g = self.guilds[guild]
        ch = g["channels"][channel]
        sent = Sent(iid or str(next(self.ids)), token or uuid.uuid4().hex, {})
        perms = str(0x20 | 0x8 if admin else 0x800)  # MANAGE_GUILD|ADMINISTRATOR, or SEND_MESSAGES
        payload: JSON = {
            "id": sent.id, "application_id": str(APP_ID), "type": kind, "token": sent.token, "version": 1,
            "guild_id": g["id"], "channel_id": ch["id"], "channel": ch, "locale": "en-US", "guild_locale": "en-US",
            "member": {"user": who, "roles": [], "flags": 0, "joined_at": "2026-01-01T00:00:00+00:00",
                       "permissions": perms, "deaf": False, "mute": False, "nick": None, "avatar": None},
            # What the bot may do in the channel (default: everything; a test may take some away).
            "app_permissions": str(2251799813685247 if app_permissions is None else app_permissions),
            "attachment_size_limit": 8 * 1024 * 1024, "entitlements": [],
            "authorizing_integration_owners": {"0": g["id"]}, "context": 0, "data": data}
        if dm:  # a direct message: no guild, no member, the user at the top level (as Discord sends it)
            for key in ("guild_id", "member", "guild_locale"):
                payload.pop(key)
            # The bot's DM channel with this user (the one POST /users/@me/channels gives), made if new.
            cid = next((c for c, u in self.dms.items() if u == str(who["id"])), None) or str(next(self.ids))
            self.dms[cid] = str(who["id"])
            dm_channel = {"id": cid, "type": 1, "recipients": [who]}
            payload |= {"user": who, "channel_id": dm_channel["id"], "channel": dm_channel, "context": 1,
                        "authorizing_integration_owners": {"1": who["id"]}}
        if message is not None:
            payload["message"] = message
            self.origins[sent.id] = self.origins[sent.token] = str(message["id"])
        # A reply that is not ephemeral is a message in the channel the interaction came from.
        self.channel_of[sent.id] = self.channel_of[sent.token] = str(payload["channel_id"])
        sent.payload = payload
        sent.sent_at = time.monotonic()
        await self._dispatch(self.session_for(None if dm else g["id"]), "INTERACTION_CREATE", payload)
        return sent

    async def slash(self, name: str, *options: JSON, who: JSON, **kw: Any) -> Sent:
        scope = self.commands.get("global", []) + self.commands.get(self.guilds[kw.get("guild", 0)]["id"], [])
        cmd = next((c for c in scope if c["name"] == name), None)
        if cmd is None:
            raise AssertionError(f"/{name} was never registered with Discord")
        data = {"id": cmd["id"], "name": name, "type": 1, "options": list(options)}
        return await self.interact(2, data, who=who, **kw)

    async def autocomplete(self, name: str, *options: JSON, who: JSON, **kw: Any) -> Sent:
        scope = self.commands.get("global", [])
        cmd = next(c for c in scope if c["name"] == name)
        return await self.interact(4, {"id": cmd["id"], "name": name, "type": 1, "options": list(options)},
                                   who=who, **kw)

    async def click(self, message: JSON, custom_id: str, *, who: JSON, **kw: Any) -> Sent:
        return await self.interact(3, {"custom_id": custom_id, "component_type": 2}, who=who, message=message,
                                   **kw)

    async def submit(self, modal: JSON, values: dict[str, str], *, who: JSON, **kw: Any) -> Sent:
        """Submit a modal the bot opened (callback type 9), filling text inputs by custom id."""
        def fill(c: JSON) -> JSON:
            if c.get("type") == 4:
                return {"type": 4, "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
            out = {"type": c["type"]}
            if "component" in c:
                out["component"] = fill(c["component"])
            if "components" in c:
                out["components"] = [fill(x) for x in c["components"]]
            return out
        data = {"custom_id": modal["custom_id"], "components": [fill(c) for c in modal["components"]]}
        return await self.interact(5, data, who=who, **kw)


def embeds_invalid(body: Any) -> str:
    """What Discord refuses in a message's embeds (50035): 10 embeds, 25 fields each, 256 characters in a
    title or field name, 1,024 in a field value, 4,096 in a description, 6,000 in all the embeds."""
    embeds = (body or {}).get("embeds") or [] if isinstance(body, dict) else []
    if len(embeds) > 10:
        return "embeds: at most 10"
    total = 0
    for e in embeds:
        fields = e.get("fields") or []
        if len(fields) > 25 or len(e.get("title") or "") > 256 or len(e.get("description") or "") > 4096:
            return "embeds: more than 25 fields, a title over 256 or a description over 4096 characters"
        for f in fields:
            if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                return "embeds: a field name of 1-256 or a value of 1-1024 characters"
        total += len(e.get("title") or "") + len(e.get("description") or "")
        total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    return "embeds: over 6000 characters in all" if total > 6000 else ""


def opt(name: str, value: Any, kind: int = 3, **extra: Any) -> JSON:
    return {"name": name, "type": kind, "value": value, **extra}


def sub(name: str, *options: JSON) -> JSON:
    return {"name": name, "type": 1, "options": list(options)}


def buttons(message: JSON) -> dict[str, str]:
    """Label -> custom id of every button in a message payload."""
    out: dict[str, str] = {}
    for row in message.get("components") or []:
        for c in row.get("components", []):
            if c.get("type") == 2 and "custom_id" in c:
                out[c.get("label") or c.get("emoji", {}).get("name", "")] = c["custom_id"]
    return out
