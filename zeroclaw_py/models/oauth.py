"""OAuth auth profiles: use the access token, refresh it before it expires (SPEC §7.2).

The refresh is the standard RFC 6749 §6 `refresh_token` grant (form-encoded POST to the token URL
the profile names: `[auth.profiles."<id>"].token_url`, else the stored `tokenUrl`). The new tokens
are written back to auth-profiles.json under its lock; a provider that does not rotate the refresh
token keeps the old one. Refreshes of one profile are serialised by the caller's per-profile lock,
and the store is re-read first, so a token another turn or process just refreshed is reused.

Failures map onto the error tree: 4xx (invalid_grant, ...) -> AuthError, so the profile cools
down and the next one is tried; 5xx / network -> TransientError family.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from zeroclaw_py.errors import AuthError, ProviderConnectionError, TransientError

if TYPE_CHECKING:
    import httpx

    from zeroclaw_py.config.schema import Config
    from zeroclaw_py.models.auth import AuthProfiles

log = logging.getLogger(__name__)

REFRESH_SKEW_S: Final = 60.0  # refresh this long before expiry, never on the expiry edge
REFRESH_TIMEOUT_S: Final = 30.0
DEFAULT_EXPIRES_IN_S: Final = 3600.0  # when the server omits expires_in


@dataclass(frozen=True)
class OAuthTokens:
    access: str
    refresh: str | None
    expires_at: float  # unix seconds


async def refresh_tokens(
    http: httpx.AsyncClient,
    token_url: str,
    refresh_token: str,
    *,
    client_id: str | None = None,
    now: float,
    provider: str | None = None,
) -> OAuthTokens:
    """One refresh_token grant. Raises AuthError / TransientError (messages carry no token)."""
    import httpx

    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if client_id:
        form["client_id"] = client_id
    try:
        response = await http.post(
            token_url, data=form, headers={"Accept": "application/json"}, timeout=REFRESH_TIMEOUT_S
        )
    except httpx.TransportError as exc:
        raise ProviderConnectionError(
            f"OAuth token refresh failed for {provider}: {type(exc).__name__}", provider=provider
        ) from None
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500:
        raise TransientError(
            f"OAuth token refresh failed for {provider}: HTTP {response.status_code}",
            provider=provider,
            status=response.status_code,
        )
    if response.status_code >= 400 or not isinstance(body, dict) or not body.get("access_token"):
        code = body.get("error") if isinstance(body, dict) else None
        if code is not None:  # the token server's text: scrubbed and cut like any error body
            from zeroclaw_py.providers.scrub import sanitize_api_error

            code = sanitize_api_error(str(code))
        raise AuthError(
            f"OAuth token refresh failed for {provider}: {code or f'HTTP {response.status_code}'}."
            " Please try again or re-authenticate with `zeroclaw login`.",
            provider=provider,
            status=response.status_code,
        )
    expires_in = body.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) else DEFAULT_EXPIRES_IN_S
    new_refresh = body.get("refresh_token")
    return OAuthTokens(
        access=str(body["access_token"]),
        refresh=str(new_refresh) if new_refresh else refresh_token,
        expires_at=now + lifetime,
    )


async def access_token(profiles: AuthProfiles, config: Config, profile_id: str) -> str:
    """A valid access token for an OAuth profile, refreshing (and persisting) when due."""
    now = profiles.now()
    cred = profiles.store.load().profile(profile_id) or {}
    provider = str(cred.get("provider") or "")
    access = str(cred.get("access") or "")
    expires = cred.get("expires")
    expires_at = float(expires) / 1000 if isinstance(expires, int | float) and expires > 0 else None
    if access and (expires_at is None or expires_at - now > REFRESH_SKEW_S):
        return access
    declared = config.auth.profiles.get(profile_id)
    token_url = (declared.token_url if declared else None) or cred.get("tokenUrl")
    client_id = (declared.client_id if declared else None) or cred.get("clientId")
    refresh = cred.get("refresh")
    if not token_url or not refresh:
        if access and expires_at is not None and expires_at > now:
            return access  # about to expire but nothing to refresh with: use it while it lasts
        raise AuthError(
            f"OAuth token of auth profile {profile_id} expired and cannot be refreshed "
            f"(needs a refresh token and token_url). Run `zeroclaw login {provider}` again.",
            provider=provider,
        )
    try:
        tokens = await _refresh(profiles, str(token_url), str(refresh), client_id, now, provider)
    except AuthError:
        # Another process (the console next to the daemon) may have refreshed first and
        # rotated the refresh token we sent: its fresh access token is in the store now.
        latest = profiles.store.load().profile(profile_id) or {}
        if latest.get("access") and latest.get("access") != access:
            latest_expires = latest.get("expires")
            if isinstance(latest_expires, int | float) and latest_expires / 1000 - now > 0:
                return str(latest["access"])
        raise
    _register(tokens)

    def mutate(raw: dict[str, Any]) -> None:
        stored = raw.setdefault("profiles", {}).setdefault(profile_id, dict(cred))
        stored["access"] = tokens.access
        stored["refresh"] = tokens.refresh
        stored["expires"] = int(tokens.expires_at * 1000)

    profiles.store.update(mutate)
    log.info("auth profile %s: OAuth access token refreshed", profile_id)
    return tokens.access


async def _refresh(
    profiles: AuthProfiles,
    token_url: str,
    refresh: str,
    client_id: Any,
    now: float,
    provider: str,
) -> OAuthTokens:
    client_id = str(client_id) if client_id else None
    if profiles.http is not None:
        return await refresh_tokens(
            profiles.http, token_url, refresh, client_id=client_id, now=now, provider=provider
        )
    import httpx

    async with httpx.AsyncClient() as http:
        return await refresh_tokens(
            http, token_url, refresh, client_id=client_id, now=now, provider=provider
        )


def _register(tokens: OAuthTokens) -> None:
    """Teach the scrubber the new tokens so they never reach a log or a user."""
    from zeroclaw_py.providers.scrub import register_secret

    register_secret(tokens.access, tokens.refresh)
