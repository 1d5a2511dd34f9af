"""The crawl, import-pages and extract commands as a user runs them (real subprocesses)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawling.store import load_pages
from serving.db import make_engine
from tests.crawling.test_extraction import IMPRINT_HTML, PAGE
from tests.crawling.webserver import Site, Web, html

CLI = [sys.executable, "-m", "serving.cli.__main__"]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEADSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "LEADSCOPE_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )


def test_crawl_command_prints_summary(web: Web, tmp_path: Path) -> None:
    base = web.serve(Site(routes={
        "/": html('<a href="/produkte">Produkte</a><main><p>Pumpen und Ventile.</p></main>'),
        "/produkte": html("<main><h1>Produkte</h1><p>Kreiselpumpen.</p></main>"),
    }))  # fmt: skip
    (tmp_path / "d.csv").write_text(f"domain,name\n{base},Acme\n")
    res = run(["crawl", "d.csv", "--allow-private", "--delay", "0.05"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "pages stored: 2" in res.stdout and "pages/s" in res.stdout
    host = base.split("//")[1].rstrip("/")
    got = load_pages(make_engine(f"sqlite:///{tmp_path / 'app.db'}"))
    assert [p.page_kind for p in got[host]] == ["home", "products"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name\nacme\n", "needs a 'domain' column"),
        ("domain\nacme.de\nnot a host\n", "line 3"),
        ("domain\n", "no domains"),
    ],
)
def test_crawl_bad_input_is_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "d.csv").write_text(content)
    res = run(["crawl", "d.csv"], tmp_path)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr, res.stderr


def test_import_pages(tmp_path: Path) -> None:
    lines = [
        {"domain": "acme.de", "url": "https://acme.de/impressum", "html": IMPRINT_HTML},
        {"domain": "acme.de", "url": "https://acme.de/", "text": "Pumpen aus Bayern seit 1950."},
    ]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    res = run(["import-pages", "p.jsonl"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "pages stored: 2 for 1 domains (1 from HTML, 1 from text)" in res.stdout
    pages = {
        p.url: p for p in load_pages(make_engine(f"sqlite:///{tmp_path / 'app.db'}"))["acme.de"]
    }
    assert pages["https://acme.de/"].main_text == "Pumpen aus Bayern seit 1950."
    assert pages["https://acme.de/impressum"].imprint["vat_id"] == "DE123456789"
    assert pages["https://acme.de/"].source == "import"

    (tmp_path / "bad.jsonl").write_text('{"domain": "x.de", "url": "https://x.de/"}\n{oops\n')
    bad = run(["import-pages", "bad.jsonl"], tmp_path)
    assert bad.returncode == 2 and "line 1" in bad.stderr and "html" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_extract_files_to_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "about.html").write_text(PAGE, encoding="utf-8")
    (src / "impressum.html.gz").write_bytes(gzip.compress(IMPRINT_HTML.encode("utf-8")))
    (src / "notes.txt").write_text("ignored")
    res = run(["extract", "in", "--out", "texts.jsonl"], tmp_path)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(x) for x in (tmp_path / "texts.jsonl").read_text().splitlines()]
    assert [Path(r["path"]).name for r in rows] == ["about.html", "impressum.html.gz"]
    assert set(rows[0]) == {"path", "title", "text", "language", "imprint"}
    assert rows[0]["language"] == "de" and "Getriebe" in rows[0]["text"]
    assert rows[1]["imprint"]["register_number"] == "HRA 123456"
    missing = run(["extract", "nowhere"], tmp_path)
    assert missing.returncode == 2 and "nowhere" in missing.stderr


def test_progress_bar_writes_to_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    from serving.cli.crawl import _progress_bar

    with _progress_bar(3, "crawling", True) as update:
        for i in range(1, 4):
            update(i, f"{i} pages")
    out = capsys.readouterr()
    assert out.out == ""
    with _progress_bar(3, "crawling", False) as update:
        update(1)
    assert capsys.readouterr() == ("", "")
