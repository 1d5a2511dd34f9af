"""Request limits: a body-size cap (413), a per-key token-bucket rate limit (429) and a limit on
failed authentications per client address (429)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from serving.api.errors import ApiError, error_response


class BodyTooLargeError(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes``: by ``Content-Length`` before reading, and while
    streaming for chunked uploads (the route never sees a partial body)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    rid = scope.get("state", {}).get("request_id")
                    response = error_response(rid, 413, str(BodyTooLargeError(self.max_bytes)))
                    await response(scope, receive, send)
                    return
        # Read the whole body first (FastAPI buffers it anyway), so a body over the cap is
        # refused before the app sees any of it; chunked uploads are counted as they stream.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                rid = scope.get("state", {}).get("request_id")
                response = error_response(rid, 413, str(BodyTooLargeError(self.max_bytes)))
                await response(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RateLimiter:
    """Token bucket per key: ``per_minute`` requests a minute, bursts up to ``burst``.

    In memory, per process: with ``--workers N`` each worker allows the rate on its own.
    Used from the event loop only (no lock needed).
    """

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute))
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> tuple[bool, float]:
        """``(allowed, retry_after_seconds)``."""
        if self.rate <= 0:
            return True, 0.0
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return True, 0.0
        self._buckets[key] = (tokens, now)
        return False, (1.0 - tokens) / self.rate


class FailedAuthLimiter:
    """Failed authentications per client address: a token bucket of ``burst`` failures that
    refills at ``per_minute`` (0 turns the limit off). While an address's bucket is empty, its
    requests that would need a key lookup (or fail again) get 429 before touching the database.

    Bounded: at most ``max_clients`` addresses are tracked (least recently failing dropped
    first), so a flood of source addresses cannot grow memory. In memory, per process.
    Used from the event loop only (no lock needed).
    """

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _tokens(self, client: str, now: float) -> float:
        entry = self._buckets.get(client)
        if entry is None:
            return self.burst
        tokens, last = entry
        return min(self.burst, tokens + (now - last) * self.rate)

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 when it is not blocked."""
        if self.rate <= 0:
            return 0.0
        tokens = self._tokens(client, time.monotonic())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def failed(self, client: str) -> None:
        """Count one failed authentication of ``client``."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        tokens = max(0.0, self._tokens(client, now) - 1.0)
        self._buckets[client] = (tokens, now)
        self._buckets.move_to_end(client)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)
