"""The one shared httpx connection pool (SPEC §4).

Every provider instance borrows the same `httpx.AsyncClient`, so keep-alive connections are
shared and a reload that replaces a provider does not leak sockets. Timeouts come from
`reliability.request_timeout_s` (the read timeout is the longest gap between stream chunks);
each provider also passes its own per-request timeout, so a reload that changes the timeout takes
effect without rebuilding the pool. Tests inject an `httpx.AsyncBaseTransport`.
"""

from __future__ import annotations

import functools
import ssl

import httpx

CONNECT_TIMEOUT_S = 10.0
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=60)


def request_timeout(timeout_s: float) -> httpx.Timeout:
    """Overall per-phase timeout with a shorter connect phase (a dead host fails fast)."""
    return httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Built once per process: loading the CA bundle costs ~0.3 s, far more than a client."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def make_http_client(
    timeout_s: float = 120.0, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=request_timeout(timeout_s),
        limits=POOL_LIMITS,
        transport=transport,
        verify=tls_context(),
        follow_redirects=False,
        headers={"user-agent": "zeroclaw-py"},
    )
