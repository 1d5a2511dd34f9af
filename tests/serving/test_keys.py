"""API keys: stored hashed, verified in constant time, revocable; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from serving.errors import InputError
from serving.keys import (
    AuthError,
    KeyVerifier,
    Scope,
    create_key,
    hash_secret,
    list_keys,
    parse_scopes,
    revoke_key,
)
from serving.schema import api_keys


def test_parse_scopes() -> None:
    assert parse_scopes("crm, Sales") == {Scope.CRM, Scope.SALES}
    with pytest.raises(InputError, match="unknown scope 'root'"):
        parse_scopes("crm,root")
    with pytest.raises(InputError, match="at least one"):
        parse_scopes(" , ")


def test_create_verify_revoke(db_engine: sa.Engine) -> None:
    created = create_key(db_engine, frozenset({Scope.CRM}), "crm-sync")
    token = created.token
    key_id = created.info.key_id
    with db_engine.connect() as conn:
        row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).one()
    secret = token.split("_", 2)[2]
    assert secret not in row.key_hash and token not in str(tuple(row))
    assert row.key_hash == hash_secret(secret)

    verifier = KeyVerifier(db_engine, ttl=0.0)
    info = verifier.verify(token)
    assert info.key_id == key_id and info.scopes == {Scope.CRM}
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "ls_000000000000_" + "x" * 43):
        with pytest.raises(AuthError, match="invalid"):
            verifier.verify(bad)
    with pytest.raises(AuthError, match="malformed"):
        verifier.verify("Bearer nonsense")

    assert [k.key_id for k in list_keys(db_engine)] == [key_id]
    revoked = revoke_key(db_engine, key_id)
    assert revoked.revoked_at is not None and not revoked.active
    with pytest.raises(AuthError, match="revoked"):
        verifier.verify(token)
    with pytest.raises(InputError, match="not found"):
        revoke_key(db_engine, "ffffffffffff")


def test_verifier_cache_hides_revocation_only_for_ttl(sqlite_engine: sa.Engine) -> None:
    created = create_key(sqlite_engine, frozenset({Scope.ADMIN}))
    verifier = KeyVerifier(sqlite_engine, ttl=60.0)
    verifier.verify(created.token)
    revoke_key(sqlite_engine, created.info.key_id)
    verifier.verify(created.token)  # cached for up to ttl
    verifier.ttl = 0.0
    with pytest.raises(AuthError, match="revoked"):
        verifier.verify(created.token)
