"""API keys: create, list, revoke and verify. Only a SHA-256 hash of the secret is stored.

A key looks like ``ls_<key_id>_<secret>``: ``key_id`` (12 hex characters) is public and names
the row, ``secret`` (43 URL-safe characters, 256 bits) is shown once at creation. The secrets are
random with full entropy, so a single SHA-256 is the right hash (as for GitHub tokens): a slow
password hash would only slow every request down. Hashes are compared with
:func:`hmac.compare_digest` (constant time).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from serving.errors import InputError
from serving.schema import api_keys

log = logging.getLogger(__name__)

KEY_PREFIX = "ls"
NEGATIVE_CACHE_ENTRIES = 4096  # unknown key ids remembered (LRU), apart from real keys
_KEY_RE = re.compile(r"^ls_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


class Scope(enum.StrEnum):
    """What a key may do: CRM integration, sales ops, administration."""

    CRM = "crm"
    SALES = "sales"
    ADMIN = "admin"


@dataclass(frozen=True)
class KeyInfo:
    """A stored key without its secret."""

    key_id: str
    name: str | None
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class CreatedKey:
    """A new key: ``token`` is the full secret string, shown once and never stored."""

    info: KeyInfo
    token: str


class AuthError(Exception):
    """The presented key is missing, malformed, unknown, revoked or wrong (HTTP 401)."""


def parse_scopes(text: str | list[str]) -> frozenset[Scope]:
    """Parse ``crm,sales`` (or a list) into scopes; raise :class:`InputError` naming a bad one."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    names = [p.strip().lower() for p in parts if p.strip()]
    if not names:
        raise InputError("scopes: give at least one of " + ", ".join(s.value for s in Scope))
    try:
        return frozenset(Scope(n) for n in names)
    except ValueError:
        bad = next(n for n in names if n not in {s.value for s in Scope})
        raise InputError(
            f"scopes: unknown scope {bad!r}; use " + ", ".join(s.value for s in Scope)
        ) from None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row_to_info(row: sa.Row) -> KeyInfo:
    return KeyInfo(
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(Scope(s) for s in row.scopes.split(",") if s),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def create_key(engine: sa.Engine, scopes: frozenset[Scope], name: str | None = None) -> CreatedKey:
    """Create and store a key with ``scopes``; the returned token is the only copy of it."""
    if not scopes:
        raise InputError("scopes: give at least one scope")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    scope_text = ",".join(sorted(s.value for s in scopes))
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                key_hash=hash_secret(secret),
                name=name,
                scopes=scope_text,
                created_at=now,
            )
        )
    info = KeyInfo(key_id, name, frozenset(scopes), now, None, None)
    log.info("created API key %s (%s) with scopes %s", key_id, name or "-", scope_text)
    return CreatedKey(info=info, token=f"{KEY_PREFIX}_{key_id}_{secret}")


def list_keys(engine: sa.Engine) -> list[KeyInfo]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.id)).all()
    return [_row_to_info(r) for r in rows]


def revoke_key(engine: sa.Engine, key_id: str) -> KeyInfo:
    """Revoke a key by its id; raise :class:`InputError` when there is no such key."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        if row is None:
            raise InputError(f"key {key_id!r} not found (see `leadscope keys list`)")
        if row.revoked_at is None:
            conn.execute(
                api_keys.update().where(api_keys.c.key_id == key_id).values(revoked_at=now)
            )
    log.info("revoked API key %s", key_id)
    return get_key(engine, key_id)


def get_key(engine: sa.Engine, key_id: str) -> KeyInfo:
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
    if row is None:
        raise InputError(f"key {key_id!r} not found")
    return _row_to_info(row)


def split_token(token: str) -> tuple[str, str]:
    """``(key_id, secret)`` of a token; :class:`AuthError` when it is not shaped like a key."""
    match = _KEY_RE.match(token)
    if match is None:
        raise AuthError("malformed API key")
    return match.group(1), match.group(2)


@dataclass
class _Cached:
    key_hash: str
    info: KeyInfo | None
    fetched: float


class KeyVerifier:
    """Verify tokens against the database, caching rows for ``ttl`` seconds.

    The cache keeps the request path off the database; a revocation takes effect within ``ttl``
    seconds. Unknown key ids are cached too, in their own bounded LRU (``negative_entries``,
    same TTL), so guessing cannot hammer the database nor push real keys out of their cache.
    """

    def __init__(
        self,
        engine: sa.Engine,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        negative_entries: int = NEGATIVE_CACHE_ENTRIES,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.max_entries = max_entries
        self.negative_entries = negative_entries
        self._cache: dict[str, _Cached] = {}  # real keys only
        self._negative: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()
        self.fetches = 0  # database lookups, for tests and metrics

    def _fetch(self, key_id: str) -> _Cached:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        if row is None:
            # compare against a dummy hash so unknown ids cost the same as wrong secrets
            return _Cached(key_hash="0" * 64, info=None, fetched=time.monotonic())
        return _Cached(key_hash=row.key_hash, info=_row_to_info(row), fetched=time.monotonic())

    def _fresh(self, entry: _Cached | None) -> bool:
        return entry is not None and time.monotonic() - entry.fetched < self.ttl

    def cached(self, key_id: str) -> _Cached | None:
        """The cached row of ``key_id`` (known or unknown) while it is fresh, else None."""
        entry = self._cache.get(key_id)
        if self._fresh(entry):
            return entry
        with self._lock:
            entry = self._negative.get(key_id)
            if entry is None:
                return None
            if self._fresh(entry):
                self._negative.move_to_end(key_id)
                return entry
            del self._negative[key_id]
        return None

    @property
    def negative_size(self) -> int:
        return len(self._negative)

    def verify(self, token: str) -> KeyInfo:
        """The key's info when ``token`` is a valid, active key; :class:`AuthError` otherwise.

        May touch the database (blocking): call from a worker thread on a cache miss.
        """
        key_id, secret = split_token(token)
        return self.check(self.lookup(key_id), secret)

    def lookup(self, key_id: str) -> _Cached:
        """The cached row of ``key_id``, fetched from the database when missing or stale."""
        entry = self.cached(key_id)
        if entry is not None:
            return entry
        entry = self._fetch(key_id)
        with self._lock:
            self.fetches += 1
            if entry.info is not None:
                if len(self._cache) >= self.max_entries:  # only real keys live here
                    self._cache.clear()
                self._cache[key_id] = entry
                self._negative.pop(key_id, None)  # a key created since the last miss
            else:
                self._negative[key_id] = entry
                self._negative.move_to_end(key_id)
                while len(self._negative) > self.negative_entries:
                    self._negative.popitem(last=False)
        return entry

    @staticmethod
    def check(entry: _Cached, secret: str) -> KeyInfo:
        ok = hmac.compare_digest(hash_secret(secret), entry.key_hash)
        if not ok or entry.info is None:
            raise AuthError("invalid API key")
        if not entry.info.active:
            raise AuthError("API key revoked")
        return entry.info
