"""The CLI edge: help on every command, exit codes and one-line errors for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from typer.main import get_command

from serving.cli import _register, app

LEADSCOPE = [sys.executable, "-m", "serving.cli.__main__"]


def run(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*LEADSCOPE, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def _all_command_paths() -> list[list[str]]:
    _register()
    paths: list[list[str]] = []

    def walk(cmd: click.Command, prefix: list[str]) -> None:
        paths.append(prefix)
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_help(path: list[str]) -> None:
    from serving.cli import main

    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0


def test_unknown_option_is_one_line_exit_2() -> None:
    res = run(["db", "upgrade", "--no-such-option"])
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "no-such-option" in res.stderr
    assert "Traceback" not in res.stderr


def test_db_upgrade_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x' / 'app.db'}"
    res = run(["db", "upgrade"], env={"LEADSCOPE_DATABASE_URL": url})
    assert res.returncode == 0, res.stderr
    assert "at revision" in res.stdout
    assert (tmp_path / "x" / "app.db").exists()


def test_malformed_database_url_exit_2(tmp_path: Path) -> None:
    res = run(["db", "upgrade"], env={"LEADSCOPE_DATABASE_URL": "not a url::"})
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "database URL" in res.stderr


def test_unreachable_database_exit_3() -> None:
    # port 9 on loopback: nothing listens, the connection is refused at once
    url = "postgresql+psycopg://postgres@127.0.0.1:9/test?connect_timeout=2"
    res = run(["db", "upgrade"], env={"LEADSCOPE_DATABASE_URL": url})
    assert res.returncode == 3, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "unreachable" in res.stderr


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text("<html><title>x</title><body><p>Antriebstechnik</p></body></html>")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    res = run(["extract", str(page), "--out", str(blocker / "sub" / "t.jsonl")])
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.stderr and "cannot create" in res.stderr


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (FileNotFoundError(2, "No such file or directory", "gone.csv"), 2, "gone.csv"),
        (PermissionError(13, "Permission denied", "locked.csv"), 2, "locked.csv"),
    ],
)
def test_os_error_on_a_named_file_is_one_line_exit_2(
    error: OSError, code: int, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from serving.cli import main

    def boom() -> None:
        raise error

    _register()
    app.command("raise-os-error")(boom)
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["raise-os-error"])
    finally:
        app.registered_commands.pop()
    err = capsys.readouterr().err
    assert exit_info.value.code == code
    assert err.strip().splitlines() == [f"leadscope: error: {line}: {error.strerror}"]


def test_os_error_without_a_file_name_is_not_hidden_as_user_error() -> None:
    from serving.cli import main

    def boom() -> None:
        raise OSError("socket gone")

    _register()
    app.command("raise-os-error")(boom)
    try:
        with pytest.raises(OSError, match="socket gone"):
            main(["raise-os-error"])
    finally:
        app.registered_commands.pop()
