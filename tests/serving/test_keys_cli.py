"""``leadscope keys create|list|revoke`` in process: output, exit codes, one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from serving.cli import main


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """The CLI configures the root logger for its process; put pytest's handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_keys_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEADSCOPE_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    code, out, err = run(["keys", "create", "--scopes", "crm,admin", "--name", "crm-sync"], capsys)
    assert code == 0 and out.startswith("ls_") and len(out.strip().splitlines()) == 1
    token = out.strip()
    key_id = token.split("_")[1]
    assert key_id in err and "cannot be shown again" in err

    code, out, _ = run(["keys", "list"], capsys)
    assert code == 0 and key_id in out and "admin,crm" in out and "active" in out
    assert token.split("_", 2)[2] not in out  # never the secret

    code, out, _ = run(["keys", "revoke", key_id], capsys)
    assert code == 0 and f"revoked {key_id}" in out
    _, out, _ = run(["keys", "list"], capsys)
    assert "revoked" in out

    code, out, err = run(["keys", "create", "--scopes", "crm,root"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "unknown scope 'root'" in err
    code, _, err = run(["keys", "revoke", "ffffffffffff"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not found" in err
