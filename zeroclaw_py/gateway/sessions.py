"""Web chat sessions: an id the page can name and a secret token that proves it owns the id.

Sessions live in memory only (a daemon restart makes the page open a new one); what a session
chose -- its route and history -- lives in the runtime's state store under the conversation key
of the `InboundMessage` the session produces, exactly like a Telegram or Discord sender.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from zeroclaw_py.channels.base import InboundMessage

CHANNEL = "web"
MAX_SESSIONS = 10_000  # oldest idle sessions are forgotten beyond this, so memory stays bounded


@dataclass
class WebSession:
    id: str
    token: str
    created: float = field(default_factory=time.time)
    sockets: int = 0  # open WebSockets; a connected session is never evicted

    def inbound(self, text: str, message_id: str = "") -> InboundMessage:
        """The message a web chat line becomes: the session is both the sender and the chat."""
        return InboundMessage(
            channel=CHANNEL, sender=self.id, chat=self.id, text=text, message_id=message_id
        )


class SessionStore:
    """In-memory id -> session map with constant-time token checks and bounded size."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._by_digest: dict[bytes, str] = {}  # sha256(token) -> id: lookup without timing leaks
        self._max = max_sessions

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self) -> WebSession:
        session = WebSession(id=secrets.token_urlsafe(12), token=secrets.token_urlsafe(32))
        self._sessions[session.id] = session
        self._by_digest[_digest(session.token)] = session.id
        self._evict()
        return session

    def get(self, session_id: str) -> WebSession | None:
        return self._sessions.get(session_id)

    def by_token(self, token: str) -> WebSession | None:
        """The session a bearer token belongs to (each token grants only its own session)."""
        session_id = self._by_digest.get(_digest(token))
        return self._sessions.get(session_id) if session_id is not None else None

    def verify(self, session_id: str, token: str) -> WebSession | None:
        session = self._sessions.get(session_id)
        if session is None or not hmac.compare_digest(session.token.encode(), token.encode()):
            return None
        return session

    def _evict(self) -> None:
        if len(self._sessions) <= self._max:
            return
        for session_id in [sid for sid, s in self._sessions.items() if s.sockets == 0]:
            if len(self._sessions) <= self._max:
                break
            del self._by_digest[_digest(self._sessions.pop(session_id).token)]


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
