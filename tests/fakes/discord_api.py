"""A fake Discord REST API + gateway WebSocket on 127.0.0.1 (aiohttp.web, port 0).

A real `discord.Client` logs in (GET /users/@me, /oauth2/applications/@me), connects to the
gateway (HELLO -> IDENTIFY -> READY + GUILD_CREATE, heartbeats ACKed), receives MESSAGE_CREATE
events injected by the test, and answers through the REST endpoints, which record every call.
Like Discord, message bodies over 2000 characters are refused (400, code 50035).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.loopback import serving

TOKEN = "fake-discord-token"
BOT_ID = "900000000000000001"
BOT_NAME = "zcbot"
GUILD_ID = "500000000000000001"
CHANNEL_ID = "600000000000000001"
BOT_ROLE_ID = "500000000000000009"
TIMESTAMP = "2026-01-01T00:00:00+00:00"


def _json(obj: Any, status: int = 200) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json
    return web.Response(
        body=json.dumps(obj).encode(), status=status, content_type="application/json"
    )


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "avatar": None, "bot": bot}


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)


class FakeDiscord:
    def __init__(self) -> None:
        self.token = TOKEN
        self.me = user(BOT_ID, BOT_NAME, bot=True)
        self.calls: list[Call] = []
        self.identify: dict[str, Any] | None = None
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.messages: dict[str, dict[str, Any]] = {}  # id -> message we stored (sent by the bot)
        self.files: dict[str, bytes] = {}
        self.fail_sends: list[tuple[int, dict[str, Any]]] = []  # scripted POST message errors
        self.base = ""
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._ids = itertools.count(700000000000000001)
        self._changed = asyncio.Condition()
        self._ready = asyncio.Event()
        self._closing: set[asyncio.Task[bool]] = set()

    # --- test side -------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"{self.base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/gateway"

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/messages")]

    def edits(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PATCH"]

    def typing_calls(self) -> int:
        return sum(1 for c in self.calls if c.path.endswith("/typing"))

    def texts(self) -> list[str]:
        return [m["content"] for m in self.messages.values()]

    async def send_message(
        self,
        content: str,
        *,
        author_id: str = "42",
        author_name: str = "alice",
        bot: bool = False,
        guild: bool = True,
        guild_id: str = GUILD_ID,
        channel_id: str = CHANNEL_ID,
        mentions_bot: bool = False,
        reply_to: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> str:
        """Dispatch MESSAGE_CREATE from a user; returns the new message id."""
        message_id = str(next(self._ids))
        data: dict[str, Any] = {
            "id": message_id,
            "channel_id": channel_id,
            "author": user(author_id, author_name, bot=bot),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "type": 19 if reply_to else 0,
            "mentions": [self.me] if mentions_bot else [],
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "pinned": False,
            "tts": False,
        }
        if guild:
            data["guild_id"] = guild_id
            data["member"] = {
                "roles": [],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        if reply_to is not None:
            data["message_reference"] = {"message_id": reply_to["id"], "channel_id": channel_id}
            data["referenced_message"] = reply_to
        await self.dispatch("MESSAGE_CREATE", data)
        return message_id

    def bot_message(self, content: str = "earlier answer") -> dict[str, Any]:
        return self._message(CHANNEL_ID, content)

    def attachment(self, name: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        self.files[name] = data
        item: dict[str, Any] = {
            "id": str(next(self._ids)),
            "filename": name,
            "size": len(data),
            "url": f"{self.base}/attachments/{name}",
            "proxy_url": f"{self.base}/attachments/{name}",
        }
        if content_type:
            item["content_type"] = content_type
        return item

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the gateway connection like a Discord-side failure (the client reconnects)."""
        ws = self._ws
        assert ws is not None
        self._ready.clear()
        # aiohttp waits for the peer's close frame; do not hold the test up while it does
        task = asyncio.get_running_loop().create_task(ws.close(code=code, message=b"Unknown"))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "no gateway connection"
        self._seq += 1
        payload = {"op": 0, "t": event, "s": self._seq, "d": data}
        await self._ws.send_str(json.dumps(payload))

    # --- gateway ---------------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        hello = {"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}
        await ws.send_str(json.dumps(hello))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 2:
                self.identifies += 1
                await self._on_identify(data["d"])
            elif data["op"] == 6:  # RESUME: accept it, the session goes on
                self.resumes += 1
                await self.dispatch("RESUMED", {})
                self._ready.set()
            elif data["op"] == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11}))
        return ws

    async def _on_identify(self, identify: dict[str, Any]) -> None:
        self.identify = identify
        if identify.get("token") != self.token:
            assert self._ws is not None
            await self._ws.close(code=4004, message=b"Authentication failed.")
            return
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.me,
                "guilds": [{"id": GUILD_ID, "unavailable": True}],
                "session_id": "session-1",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": BOT_ID, "flags": 0},
            },
        )
        everyone = {
            "id": GUILD_ID,
            "name": "@everyone",
            "permissions": "104324673",
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
        }
        bot_role = {
            **everyone,
            "id": BOT_ROLE_ID,
            "name": BOT_NAME,
            "managed": True,
            "tags": {"bot_id": BOT_ID},
        }
        channel = {
            "id": CHANNEL_ID,
            "type": 0,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "guild_id": GUILD_ID,
        }
        await self.dispatch(
            "GUILD_CREATE",
            {
                "id": GUILD_ID,
                "name": "guild",
                "member_count": 2,
                "roles": [everyone, bot_role],
                "members": [
                    {
                        "user": self.me,
                        "roles": [BOT_ROLE_ID],
                        "joined_at": TIMESTAMP,
                        "deaf": False,
                        "mute": False,
                        "flags": 0,
                    }
                ],
                "channels": [channel],
            },
        )
        self._ready.set()

    # --- REST ------------------------------------------------------------------------------

    def _message(self, channel_id: str, content: str) -> dict[str, Any]:
        message_id = str(next(self._ids))
        message: dict[str, Any] = {
            "id": message_id,
            "channel_id": channel_id,
            "author": self.me,
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "type": 0,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "tts": False,
        }
        return message

    async def rest(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        body: dict[str, Any] = {}
        if request.can_read_body and request.content_type == "application/json":
            body = await request.json()
        self.calls.append(Call(request.method, tail, body))
        try:
            return await self._route(request.method, tail.strip("/").split("/"), body)
        finally:
            await self._notify()

    async def _route(self, method: str, parts: list[str], body: dict[str, Any]) -> web.Response:
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return _json(self.me)
            case ("GET", ["oauth2", "applications", "@me"]):
                return _json(
                    {
                        "id": BOT_ID,
                        "name": BOT_NAME,
                        "description": "",
                        "icon": None,
                        "bot_public": True,
                        "bot_require_code_grant": False,
                        "owner": self.me,
                        "verify_key": "0" * 64,
                        "flags": 0,
                    }
                )
            case ("GET", ["gateway", "bot"]):
                limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
                return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
            case ("POST", ["channels", channel_id, "typing"]):
                return web.Response(status=204)
            case ("POST", ["channels", channel_id, "messages"]):
                return self._create(channel_id, body)
            case ("PATCH", ["channels", channel_id, "messages", message_id]):
                return self._edit(message_id, body)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _too_long(self, content: str) -> web.Response | None:
        if len(content) <= 2000:
            return None
        errors = {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}}
        return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)

    def _create(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        if self.fail_sends:
            status, payload = self.fail_sends.pop(0)
            return _json(payload, status)
        content = body.get("content", "")
        refused = self._too_long(content)
        if refused:
            return refused
        message = self._message(channel_id, content)
        self.messages[message["id"]] = message
        return _json(message)

    def _edit(self, message_id: str, body: dict[str, Any]) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        refused = self._too_long(body.get("content", ""))
        if refused:
            return refused
        message["content"] = body.get("content", message["content"])
        message["edited_timestamp"] = TIMESTAMP
        return _json(message)

    async def attachment_file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway)
        app.router.add_get("/gateway/", self.gateway)
        app.router.add_get("/attachments/{name}", self.attachment_file)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        return app


def serve_discord() -> AbstractAsyncContextManager[FakeDiscord]:
    """A FakeDiscord on 127.0.0.1:<free port> for the duration of the block."""
    return serving(FakeDiscord())
