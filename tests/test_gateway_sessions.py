"""Web session bookkeeping: tokens prove ownership, memory stays bounded, live sessions stay."""

from __future__ import annotations

from zeroclaw_py.gateway.sessions import SessionStore


def test_a_token_verifies_only_its_own_session() -> None:
    store = SessionStore()
    first, second = store.create(), store.create()
    assert store.verify(first.id, first.token) is first
    assert store.verify(first.id, second.token) is None
    assert store.verify("missing", first.token) is None
    assert store.by_token(second.token) is second
    assert store.by_token("not-a-token") is None


def test_inbound_messages_use_the_session_as_sender_and_chat() -> None:
    session = SessionStore().create()
    msg = session.inbound("hi")
    assert (msg.channel, msg.sender, msg.chat, msg.text) == ("web", session.id, session.id, "hi")


def test_oldest_idle_sessions_are_forgotten_beyond_the_limit() -> None:
    store = SessionStore(max_sessions=3)
    connected = store.create()
    connected.sockets = 1
    idle = store.create()
    created = [store.create() for _ in range(3)]
    assert len(store) == 3
    assert store.get(connected.id) is connected  # an open socket keeps its session
    assert store.get(idle.id) is None
    assert store.by_token(idle.token) is None  # and its token no longer works
    assert store.get(created[-1].id) is created[-1]
