"""API-key authentication, scope checks and the per-key rate limit, as route dependencies.

``Authorization: Bearer <key>`` (or ``X-API-Key: <key>``). 401 without a key or with a wrong,
unknown or revoked one; 403 when the key lacks the route's scope; 429 over the key's rate.
Verified keys are cached for a few seconds (:class:`serving.keys.KeyVerifier`), so the request
path does not touch the database.

Failed authentications are limited per client address (:class:`FailedAuthLimiter`): once an
address has used up its failures, its requests that are not authenticated by a cached key get
429 with ``Retry-After`` before any database lookup. Unknown key ids are remembered in a
bounded LRU negative cache, apart from the known keys, so a flood of made-up ids neither
reaches the database on repeats nor evicts the real keys.
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


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (uvicorn applies ``X-Forwarded-For`` only
    from its trusted proxies)."""
    return request.client.host if request.client else "-"


def require(scope: Scope) -> Callable[..., Awaitable[KeyInfo]]:
    """A dependency that admits keys holding ``scope``."""

    async def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> KeyInfo:
        state = get_state(request)
        token = credentials.credentials if credentials else request.headers.get("x-api-key")
        guard = state.auth_failures
        client = client_address(request)

        def blocked() -> ApiError:
            state.metrics.auth_failures.labels("limited").inc()
            return ApiError(
                429,
                "too many failed authentications from this address; retry later",
                headers={"Retry-After": str(max(1, round(guard.retry_after(client))))},
            )

        try:
            if not token:
                raise AuthError("missing API key (Authorization: Bearer <key>)")
            key_id, secret = split_token(token.strip())
            entry = state.verifier.cached(key_id)
            if entry is None:
                if guard.retry_after(client) > 0:
                    raise blocked()
                entry = await run_in_threadpool(state.verifier.lookup, key_id)
            info = state.verifier.check(entry, secret)
        except AuthError as exc:
            if guard.retry_after(client) > 0:
                raise blocked() from None
            guard.failed(client)
            state.metrics.auth_failures.labels("refused").inc()
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
