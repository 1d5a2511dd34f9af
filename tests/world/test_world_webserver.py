"""DemoWeb against real sockets on loopback: one address per site, caching, robots, 404s."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from training.errors import TrainingInputError
from training.world import DemoWeb, WorldSummary


@pytest.fixture(scope="module")
def web(small_world: WorldSummary) -> Iterator[DemoWeb]:
    with DemoWeb(small_world.web_dir) as served:
        yield served


@pytest.fixture(scope="module")
def sites(small_world: WorldSummary) -> list[dict[str, str]]:
    with (small_world.web_dir / "sites.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_site_on_its_own_loopback_address(web: DemoWeb, sites: list[dict[str, str]]) -> None:
    urls = [web.url_for(row["domain"]) for row in sites]
    hosts = {urlsplit(u).hostname for u in urls}
    ports = {urlsplit(u).port for u in urls}
    assert len(hosts) == len(sites) and len(ports) == 1 and web.port in ports
    assert all(h.startswith("127.0.") and not h.startswith("127.0.0.") for h in hosts)
    for row in sites[:5]:
        res = requests.get(web.url_for(row["domain"]), timeout=5)
        assert res.status_code == 200
        assert res.headers["Content-Type"] == f"text/html; charset={row['charset']}"
        res.encoding = row["charset"]
        # the home page of this address is this company's (its e-mail domain is on the site)
        contact = requests.get(urljoin(res.url, _link(res.text, "kontakt|contact")), timeout=5)
        contact.encoding = row["charset"]
        assert f"info@{row['domain']}" in contact.text


def _link(html: str, pattern: str) -> str:
    found = re.findall(r'href="([^"#]+\.html)"', html)
    matching = [h for h in found if re.search(pattern, h)]
    return matching[0] if matching else "index.html"


def test_all_relative_links_resolve(web: DemoWeb, sites: list[dict[str, str]]) -> None:
    session = requests.Session()
    for row in sites[:5]:
        base = web.url_for(row["domain"])
        for page in row["pages"].split(";"):
            res = session.get(base + page, timeout=5)
            assert res.status_code == 200, (row["domain"], page)
            for href in re.findall(r'href="([^"#]+)"', res.text):
                assert not href.startswith(("http:", "https:", "/")), href
                assert session.head(urljoin(res.url, href), timeout=5).status_code == 200, href


def test_conditional_requests_get_304(web: DemoWeb, sites: list[dict[str, str]]) -> None:
    url = web.url_for(sites[0]["domain"])
    first = requests.get(url, timeout=5)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    since = requests.get(url, headers={"If-Modified-Since": modified}, timeout=5)
    assert since.status_code == 304
    stale = requests.get(url, headers={"If-None-Match": '"something-else"'}, timeout=5)
    assert stale.status_code == 200 and stale.content == first.content
    old = requests.get(
        url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, timeout=5
    )
    assert old.status_code == 200


def test_robots_txt_allows_all_some_with_crawl_delay(
    web: DemoWeb, sites: list[dict[str, str]]
) -> None:
    for row in sites:
        res = requests.get(web.url_for(row["domain"]) + "robots.txt", timeout=5)
        assert res.status_code == 200
        assert res.headers["Content-Type"].startswith("text/plain")
        assert "User-agent: *" in res.text and "Disallow: /" not in res.text
        if row["crawl_delay"]:
            assert f"Crawl-delay: {row['crawl_delay']}" in res.text
        else:
            assert "Crawl-delay" not in res.text


def test_unknown_path_and_unknown_host_are_404(web: DemoWeb, sites: list[dict[str, str]]) -> None:
    url = web.url_for(sites[0]["domain"])
    assert requests.get(url + "no-such-page.html", timeout=5).status_code == 404
    assert requests.get(url + "../sites.csv", timeout=5).status_code == 404
    res = requests.get(url, headers={"Host": "unknown.example"}, timeout=5)
    assert res.status_code == 404


def test_host_header_selects_the_site(web: DemoWeb, sites: list[dict[str, str]]) -> None:
    a, b = sites[0], sites[1]
    via_b = requests.get(web.url_for(a["domain"]), headers={"Host": b["domain"]}, timeout=5)
    direct_b = requests.get(web.url_for(b["domain"]), timeout=5)
    assert via_b.status_code == 200 and via_b.content == direct_b.content


def test_request_log_records_method_host_path_status(
    web: DemoWeb, sites: list[dict[str, str]]
) -> None:
    web.clear_log()
    url = web.url_for(sites[2]["domain"])
    requests.head(url, timeout=5)
    requests.get(url + "missing.html", timeout=5)
    log = web.requests
    assert [(e.method, e.path, e.status) for e in log] == [
        ("HEAD", "/", 200),
        ("GET", "/missing.html", 404),
    ]
    address = urlsplit(url).hostname
    assert all(e.address == address and e.host.startswith(address) for e in log)
    assert log[0].time <= log[1].time


def test_write_seed_csv(web: DemoWeb, sites: list[dict[str, str]], tmp_path: Path) -> None:
    domains = [row["domain"] for row in sites[:3]]
    path = web.write_seed_csv(domains, tmp_path / "seeds.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["domain"] for r in rows] == domains
    assert [r["url"] for r in rows] == [web.url_for(d) for d in domains]
    with pytest.raises(TrainingInputError, match="unknown demo domain"):
        web.url_for("not-in-the-world.example")


def test_latin1_sites_are_served_as_latin1(default_world: WorldSummary) -> None:
    with (default_world.web_dir / "sites.csv").open(encoding="utf-8") as fh:
        latin = [r for r in csv.DictReader(fh) if r["charset"] == "iso-8859-1"]
    assert latin, "the default world has some ISO-8859-1 sites"
    with DemoWeb(default_world.web_dir) as served:
        page = "impressum.html" if "impressum.html" in latin[0]["pages"] else "index.html"
        res = requests.get(served.url_for(latin[0]["domain"]) + page, timeout=5)
        assert res.headers["Content-Type"] == "text/html; charset=iso-8859-1"
        assert "Impressum" in res.text and 'charset="iso-8859-1"' in res.text
        assert "Ã" not in res.text  # decoded with the declared charset, no mojibake


def test_stop_closes_the_sockets(small_world: WorldSummary) -> None:
    served = DemoWeb(small_world.web_dir).start()
    url = served.url_for(served.domains[0])
    assert requests.get(url, timeout=5).status_code == 200
    session = requests.Session()
    assert session.get(url, timeout=5).status_code == 200  # a keep-alive connection stays open
    served.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    with pytest.raises(requests.ConnectionError):
        session.get(url, timeout=2)  # the open keep-alive connection was closed too
    session.close()


def test_not_a_web_dir_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingInputError, match="not a generated web directory"):
        DemoWeb(tmp_path).start()
