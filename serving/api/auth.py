"""API-key authentication, scope checks and the per-key rate limit, as route dependencies.

``Authorization: Bearer <key>`` (or ``X-API-Key: <key>``). 401 without a key or with a wrong,
unknown or revoked one; 403 when the key lacks the route's scope; 429 over the key's rate.
Verified keys are cached for a few seconds (:class:`serving.keys.KeyVerifier`), so the request
path does not touch the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from serving.api.errors import ApiError
from serving.api.state import get_state
from serving.keys import AuthError, KeyInfo, Scope, split_token

_bearer = HTTPBearer(auto_error=False, description="an API key from `leadscope keys create`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require(scope: Scope) -> Callable[..., Awaitable[KeyInfo]]:
    """A dependency that admits keys holding ``scope``."""

    async def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> KeyInfo:
        state = get_state(request)
        token = credentials.credentials if credentials else request.headers.get("x-api-key")
        if not token:
            raise ApiError(401, "missing API key (Authorization: Bearer <key>)", headers=_CHALLENGE)
        try:
            key_id, secret = split_token(token.strip())
            entry = state.verifier.cached(key_id)
            if entry is None:
                entry = await run_in_threadpool(state.verifier.lookup, key_id)
            info = state.verifier.check(entry, secret)
        except AuthError as exc:
            raise ApiError(401, str(exc), headers=_CHALLENGE) from None
        request.scope.setdefault("state", {})["key_id"] = info.key_id
        if scope not in info.scopes:
            raise ApiError(403, f"this API key lacks the {scope.value!r} scope")
        allowed, retry_after = state.limiter.allow(info.key_id)
        if not allowed:
            state.metrics.rate_limited.labels(info.key_id).inc()
            raise ApiError(
                429,
                "rate limit exceeded for this API key",
                headers={"Retry-After": str(max(1, round(retry_after)))},
            )
        return info

    dependency.__name__ = f"require_{scope.value}"
    return dependency
