"""Where a router file comes from, and how a check tells whether it changed (SPEC §8).

A check returns the file's bytes only when its fingerprint differs from the one the caller
already knows, so an unchanged file costs a `stat` (paths) or a 304 (URLs):

- a path: `file:<mtime_ns>:<size>:<inode>`, taken with `fstat` on the descriptor that is then
  read, so the fingerprint always describes the bytes returned. Any difference counts (not only a
  newer mtime), so restoring an older file is picked up too.
- an http(s) URL: a conditional GET with `If-None-Match` / `If-Modified-Since` built from the
  known fingerprint (`etag:...`, `last-modified:...`); a server with neither header is compared
  by a digest of the body (`sha256:...`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

import anyio

from zeroclaw_py.router.model import RouterFileError

if TYPE_CHECKING:
    import httpx

MAX_BYTES = 256 * 1024 * 1024  # a router file larger than this is refused, not read
HTTP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Fetched:
    fingerprint: str
    data: bytes


class Source(Protocol):
    location: str

    def describe(self) -> str: ...

    async def fetch(self, known: str | None) -> Fetched | None:
        """The file's bytes, or None when its fingerprint is `known`. Raises RouterFileError."""
        ...

    async def aclose(self) -> None: ...


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def open_source(location: str) -> Source:
    return UrlSource(location) if is_url(location) else FileSource(location)


class FileSource:
    def __init__(self, location: str) -> None:
        self.location = location
        self.path = Path(location)

    def describe(self) -> str:
        return str(self.path)

    async def fetch(self, known: str | None) -> Fetched | None:
        return await anyio.to_thread.run_sync(self._read, known)

    def _read(self, known: str | None) -> Fetched | None:
        try:
            with self.path.open("rb") as handle:
                st = os.fstat(handle.fileno())
                fingerprint = f"file:{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
                if fingerprint == known:
                    return None
                if st.st_size > MAX_BYTES:
                    raise RouterFileError(f"{self.path}: larger than {MAX_BYTES} bytes")
                return Fetched(fingerprint, handle.read())
        except FileNotFoundError:
            raise RouterFileError(f"{self.path}: no such file") from None
        except OSError as exc:
            raise RouterFileError(f"{self.path}: cannot read ({exc.strerror or exc})") from None

    async def aclose(self) -> None:
        return None


class UrlSource:
    def __init__(self, location: str) -> None:
        self.location = location
        self._client: httpx.AsyncClient | None = None

    def describe(self) -> str:
        # Presigned URLs carry credentials in the query string: never log it.
        parts = urlsplit(self.location)
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    async def fetch(self, known: str | None) -> Fetched | None:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=True)
        headers = _conditional_headers(known)
        try:
            async with self._client.stream("GET", self.location, headers=headers) as response:
                if response.status_code == 304:
                    return None
                if response.status_code != 200:
                    raise RouterFileError(f"{self.describe()}: HTTP {response.status_code}")
                body = await _read_capped(response, self.describe())
                fingerprint = _fingerprint(response.headers, body)
        except httpx.HTTPError as exc:
            raise RouterFileError(f"{self.describe()}: {type(exc).__name__}") from None
        return None if fingerprint == known else Fetched(fingerprint, body)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _conditional_headers(known: str | None) -> dict[str, str]:
    kind, _, value = (known or "").partition(":")
    if kind == "etag":
        return {"If-None-Match": value}
    if kind == "last-modified":
        return {"If-Modified-Since": value}
    return {}


def _fingerprint(headers: httpx.Headers, body: bytes) -> str:
    if etag := headers.get("etag"):
        return f"etag:{etag}"
    if modified := headers.get("last-modified"):
        return f"last-modified:{modified}"
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def _read_capped(response: httpx.Response, where: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise RouterFileError(f"{where}: larger than {MAX_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
