"""A fake Telegram Bot API on 127.0.0.1 (aiohttp.web, port 0) speaking the real wire format.

Real PTB clients talk to it through `api_base_url`. Tests feed updates with `push_message`,
script failures with `fail_next(method, ...)`, and wait for outbound calls with `wait_for`.
Like the real server it rejects unbalanced legacy-Markdown entities, texts over 4096 UTF-16
units, empty texts and no-op edits, so adapter bugs show up as they would in production.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serving

BOT_ID = 123456
BOT_USERNAME = "zc_bot"
TOKEN = f"{BOT_ID}:TEST-token"


@dataclass
class ScriptedError:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class Call:
    method: str
    form: dict[str, str]
    at: float = field(default_factory=time.perf_counter)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _bad_markdown(text: str) -> int | None:
    """Byte offset of an unclosed legacy-Markdown entity, like Telegram reports; else None.

    Code spans are checked first; `*` and `_` inside them are literal, as in Telegram.
    """
    if text.count("`") % 2:
        return len(text[: text.rindex("`")].encode())
    outside = re.sub(r"`[^`]*`", lambda m: " " * len(m.group()), text)
    for marker in ("*", "_"):
        if outside.count(marker) % 2:
            return len(text[: outside.rindex(marker)].encode())
    return None


class FakeTelegram:
    def __init__(self) -> None:
        self.token = TOKEN
        self.me = {"id": BOT_ID, "is_bot": True, "first_name": "ZC", "username": BOT_USERNAME}
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.texts: dict[tuple[str, int], str] = {}  # (chat_id, message_id) -> current text
        self.errors: dict[str, list[ScriptedError]] = {}
        self.stall_polls = 0  # the next N getUpdates calls hang until cancelled
        self.delivered_at: dict[int, float] = {}  # update_id -> first getUpdates answer with it
        self.hooks: list[Callable[[Call], None]] = []  # called on every API call (benchmarks)
        self.max_poll_wait = 1.0
        self.base = ""
        self._update_id = 1000
        self._message_id = 500
        self._changed = asyncio.Condition()
        self._wakers: set[asyncio.Task[None]] = set()

    # --- test side -------------------------------------------------------------------------

    def push_message(
        self,
        text: str | None = None,
        *,
        chat_id: int = 42,
        chat_type: str = "private",
        user_id: int = 42,
        username: str | None = "alice",
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue a `message` update; returns the message dict."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "U"}
        if username:
            user["username"] = username
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "U"} if chat_type == "private" else {"title": "group"})
        if thread_id is not None:
            chat["is_forum"] = True
        self._message_id += 1
        msg: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg.update(extra or {})
        self.push_update({"message": msg})
        return msg

    def push_update(self, body: dict[str, Any]) -> int:
        self._update_id += 1
        self.updates.append({"update_id": self._update_id, **body})
        self._notify()
        return self._update_id

    def bot_message(self, chat_id: int = 42, text: str = "earlier answer") -> dict[str, Any]:
        """A message the bot sent earlier (for reply-to-bot tests)."""
        return {
            "message_id": 7,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "group"},
            "from": self.me,
            "text": text,
        }

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        params = dict(parameters or {})
        if retry_after is not None:
            params["retry_after"] = retry_after
        self.errors.setdefault(method, []).append(
            ScriptedError(status, description, params or None)
        )

    def sent(self, method: str = "sendMessage") -> list[dict[str, str]]:
        return [call.form for call in self.calls if call.method == method]

    def count(self, method: str) -> int:
        return sum(1 for call in self.calls if call.method == method)

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until `predicate()` holds (callers bound the wait with anyio.fail_after)."""
        async with self._changed:
            await self._changed.wait_for(predicate)

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(wake())
        self._wakers.add(task)
        task.add_done_callback(self._wakers.discard)

    # --- server side -----------------------------------------------------------------------

    @staticmethod
    def _reply(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(err: ScriptedError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": err.status,
            "description": err.description,
        }
        if err.parameters:
            body["parameters"] = err.parameters
        return web.json_response(body, status=err.status)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(ScriptedError(401, "Unauthorized"))
        method = request.match_info["method"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        call = Call(method, form)
        self.calls.append(call)
        for hook in self.hooks:
            hook(call)
        self._notify()
        scripted = self.errors.get(method)
        if scripted:
            return self._error(scripted.pop(0))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(ScriptedError(404, "Not Found"))
        response: web.StreamResponse = await handler(form)
        return response

    async def _m_getMe(self, form: dict[str, str]) -> web.Response:
        return self._reply(self.me)

    async def _m_deleteWebhook(self, form: dict[str, str]) -> web.Response:
        return self._reply(True)

    async def _m_sendChatAction(self, form: dict[str, str]) -> web.Response:
        return self._reply(True)

    async def _m_deleteMessage(self, form: dict[str, str]) -> web.Response:
        self.texts.pop((form["chat_id"], int(form["message_id"])), None)
        return self._reply(True)

    async def _m_getUpdates(self, form: dict[str, str]) -> web.Response:
        if self.stall_polls:
            self.stall_polls -= 1
            await asyncio.sleep(3600)  # a stalled connection: only cancellation ends it
        offset = int(form.get("offset", 0))
        wait = min(float(form.get("timeout", 0)), self.max_poll_wait)

        def ready() -> list[dict[str, Any]]:
            return [u for u in self.updates if u["update_id"] >= offset]

        if not ready() and wait > 0:
            try:
                async with asyncio.timeout(wait):
                    async with self._changed:
                        await self._changed.wait_for(lambda: bool(ready()))
            except TimeoutError:
                pass  # an empty long poll is a normal answer
        batch = ready()[: int(form.get("limit", 100))]
        now = time.perf_counter()
        for update in batch:
            self.delivered_at.setdefault(update["update_id"], now)
        return self._reply(batch)

    def _check_text(self, form: dict[str, str]) -> ScriptedError | None:
        text = form.get("text", "")
        if not text:
            return ScriptedError(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            return ScriptedError(400, "Bad Request: message is too long")
        offset = _bad_markdown(text) if form.get("parse_mode") == "Markdown" else None
        if offset is not None:
            return ScriptedError(
                400,
                "Bad Request: can't parse entities: Can't find end of the entity "
                f"starting at byte offset {offset}",
            )
        return None

    def _message(self, chat_id: str, message_id: int, text: str) -> dict[str, Any]:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": self.me,
            "text": text,
        }

    async def _m_sendMessage(self, form: dict[str, str]) -> web.Response:
        err = self._check_text(form)
        if err:
            return self._error(err)
        self._message_id += 1
        self.texts[(form["chat_id"], self._message_id)] = form["text"]
        return self._reply(self._message(form["chat_id"], self._message_id, form["text"]))

    async def _m_editMessageText(self, form: dict[str, str]) -> web.Response:
        err = self._check_text(form)
        if err:
            return self._error(err)
        key = (form["chat_id"], int(form["message_id"]))
        if key not in self.texts:
            return self._error(ScriptedError(400, "Bad Request: message to edit not found"))
        if self.texts[key] == form["text"]:
            return self._error(
                ScriptedError(400, "Bad Request: message is not modified: same content")
            )
        self.texts[key] = form["text"]
        return self._reply(self._message(form["chat_id"], key[1], form["text"]))

    async def _m_getFile(self, form: dict[str, str]) -> web.Response:
        file_id = form["file_id"]
        if file_id not in self.files:
            return self._error(ScriptedError(400, "Bad Request: invalid file_id"))
        return self._reply(
            {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg",
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        name = request.match_info["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        data = self.files.get(name)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        return app


def serve_telegram() -> AbstractAsyncContextManager[FakeTelegram]:
    """A FakeTelegram on 127.0.0.1:<free port> for the duration of the block."""
    return serving(FakeTelegram())
