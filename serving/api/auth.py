"""API-key authentication, scope checks and the per-key rate limit, as route dependencies.

``Authorization: Bearer <key>`` (or ``X-API-Key: <key>``). 401 without a key or with a wrong,
unknown or revoked one; 403 when the key lacks the route's scope; 429 over the key's rate.
Verified keys are cached for a few seconds (:class:`ApiKeyVerifier`), so the request path does
not touch the database.

Failed authentications are limited per client address (:class:`FailedAuthLimiter`): once an
address has used up its failures, its requests that are not authenticated by a cached key get
429 with ``Retry-After`` before any database lookup. Unknown key ids are remembered in a
bounded LRU negative cache, apart from the known keys, so a flood of made-up ids neither
reaches the database on repeats nor evicts the real keys.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from serving.api.errors import ApiError
from serving.api.state import get_state
from serving.keys import AuthError, KeyInfo, KeyVerifier, Scope, split_token

_bearer = HTTPBearer(auto_error=False, description="an API key from `leadscope keys create`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

# Failed authentications allowed per client address: a burst, then this many a minute.
AUTH_FAILURE_BURST = 20
AUTH_FAILURES_PER_MINUTE = 20.0
NEGATIVE_CACHE_ENTRIES = 4096


class ApiKeyVerifier(KeyVerifier):
    """:class:`serving.keys.KeyVerifier` whose unknown-id entries live in their own bounded
    LRU (``negative_entries``, same TTL), instead of sharing the known keys' dict that is
    cleared wholesale when full."""

    def __init__(
        self,
        engine: sa.Engine,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        negative_entries: int = NEGATIVE_CACHE_ENTRIES,
    ) -> None:
        super().__init__(engine, ttl=ttl, max_entries=max_entries)
        self.negative_entries = negative_entries
        self._negative: OrderedDict[str, object] = OrderedDict()
        self._negative_lock = threading.Lock()
        self.fetches = 0  # database lookups, for tests and metrics

    def cached(self, key_id: str):  # type: ignore[no-untyped-def]
        entry = super().cached(key_id)
        if entry is not None:
            return entry
        with self._negative_lock:
            neg = self._negative.get(key_id)
            if neg is None:
                return None
            if time.monotonic() - neg.fetched < self.ttl:  # type: ignore[attr-defined]
                self._negative.move_to_end(key_id)
                return neg
            del self._negative[key_id]
        return None

    def lookup(self, key_id: str):  # type: ignore[no-untyped-def]
        entry = self.cached(key_id)
        if entry is not None:
            return entry
        entry = self._fetch(key_id)
        self.fetches += 1
        if entry.info is not None:
            with self._lock:
                if len(self._cache) >= self.max_entries:  # only real keys live here
                    self._cache.clear()
                self._cache[key_id] = entry
            with self._negative_lock:  # a key created since the last miss
                self._negative.pop(key_id, None)
            return entry
        with self._negative_lock:
            self._negative[key_id] = entry
            self._negative.move_to_end(key_id)
            while len(self._negative) > self.negative_entries:
                self._negative.popitem(last=False)
        return entry

    @property
    def negative_size(self) -> int:
        return len(self._negative)


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
