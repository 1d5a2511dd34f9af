"""Extraction: boilerplate removal, metadata, language, imprint parsing, and a quality gate on
real pages (trafilatura's evaluation corpus)."""

from __future__ import annotations

import gzip
import json

import pytest

from crawling import extract_page, parse_imprint
from crawling.evaluation import snippet_scores
from tests.conftest import shared_data

ARTICLE_DE = (
    "Die Müller Antriebstechnik GmbH entwickelt seit 1950 Getriebe und Steuerungen für den "
    "Maschinenbau. Unsere Ingenieure begleiten Kunden von der Auslegung bis zur Wartung. "
) * 3
PAGE = f"""<!doctype html><html lang="de"><head><title>Über uns | Müller</title>
<meta name="description" content="Antriebstechnik aus Bayern"></head><body>
<div id="cookie-banner" class="cookie-consent">Wir verwenden Cookies. Alle akzeptieren</div>
<header><nav><a href="/">Start</a> <a href="/produkte">Produkte</a> <a href="/kontakt">Kontakt</a>
</nav></header>
<main><article><h1>Über uns</h1><p>{ARTICLE_DE}</p><h2>Unsere Geschichte</h2>
<p>Gegründet in Augsburg, heute mit 250 Mitarbeitenden an drei Standorten in Deutschland.</p>
</article></main>
<footer><p>© 2026 Müller Antriebstechnik · Datenschutz · Impressum · AGB</p></footer>
</body></html>"""


def test_extract_removes_boilerplate_and_reads_metadata() -> None:
    page = extract_page(PAGE.encode("utf-8"), "https://mueller.de/ueber-uns", with_links=True)
    assert "Getriebe und Steuerungen" in page.main_text
    assert "250 Mitarbeitenden" in page.main_text
    for boiler in ["Cookies", "Alle akzeptieren", "Datenschutz · Impressum", "Kontakt"]:
        assert boiler not in page.main_text
    assert page.title == "Über uns | Müller"
    assert page.meta_description == "Antriebstechnik aus Bayern"
    assert page.headings == ["Über uns", "Unsere Geschichte"]
    assert page.language == "de" and page.page_kind == "about"
    assert ("/produkte", "Produkte") in page.links


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We build industrial pumps and valves for chemical plants around the world.", "en"),
        ("Wir bauen Pumpen und Ventile für Chemieanlagen in der ganzen Welt.", "de"),
        ("Nous construisons des pompes et des vannes pour les usines chimiques.", "other"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert (
        extract_page(f"<html><body><p>{text}</p></body></html>", "https://x.test/a").language
        == lang
    )


ENGLISH = (
    "We design and build industrial pumps and valves for chemical plants. Our engineers "
    "support you from the first sketch to the maintenance of the plant, and they are "
    "available around the clock for all of our customers."
)


@pytest.fixture
def langid_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the texts py3langid classifies (still classifying them)."""
    from crawling import extract

    calls: list[str] = []
    real = extract.identify_language

    def counted(sample: str) -> str:
        calls.append(sample)
        return real(sample)

    monkeypatch.setattr(extract, "identify_language", counted)
    return calls


@pytest.mark.parametrize(
    ("lang", "text", "expected", "langid_runs"),
    [
        ("de", ARTICLE_DE, "de", 0),  # declared and confirmed by the text: no langid
        ("de-DE", ARTICLE_DE, "de", 0),
        ("en", ENGLISH, "en", 0),
        ("en", ARTICLE_DE, "de", 1),  # a CMS default "en" on a German page: langid decides
        ("de", ENGLISH, "en", 1),
        ("de", "Nous construisons des pompes et des vannes pour les usines chimiques. " * 3,
         "other", 1),  # no German function words: langid, which says French
        ("fr", ENGLISH, "en", 1),  # another declared language: langid
        (None, ARTICLE_DE, "de", 1),  # nothing declared: langid
        # a mixed page: German declared, but English function words nearly as frequent
        ("de", ARTICLE_DE[:200] + " " + ENGLISH, None, 1),
    ],
)  # fmt: skip
def test_declared_language_shortcut(
    langid_calls: list[str], lang: str | None, text: str, expected: str | None, langid_runs: int
) -> None:
    attr = f' lang="{lang}"' if lang else ""
    page = extract_page(
        f"<html{attr}><body><main><p>{text}</p></main></body></html>", "https://x.test/a"
    )
    assert len(langid_calls) == langid_runs
    if expected is not None:
        assert page.language == expected
    else:  # whatever langid says of the mixed text, it is what the page gets
        assert page.language in ("de", "en")


def test_declared_language_decides_short_text(langid_calls: list[str]) -> None:
    page = extract_page('<html lang="en"><body><p>Pumps.</p></body></html>', "https://x.test/")
    assert page.language == "en" and langid_calls == []


def test_extract_survives_garbage() -> None:
    for html in ["", "   ", "<<<>>>", "\x00\x01binary", "<html><body></body></html>"]:
        page = extract_page(html, "https://x.test/")
        assert page.main_text == "" or isinstance(page.main_text, str)
    assert extract_page(b"", "https://x.test/impressum").page_kind == "imprint"


IMPRINT_HTML = """<html><head><title>Impressum</title></head><body>
<nav>Start | Produkte</nav><main><h1>Impressum</h1>
<p>Angaben gemäß § 5 TMG</p>
<p>Nordlicht Logistik GmbH &amp; Co. KG<br>Hafenstraße 12<br>20457 Hamburg</p>
<p>Vertreten durch die Nordlicht Verwaltungs GmbH, diese vertreten durch Jan Meyer</p>
<p>Registergericht: Amtsgericht Hamburg<br>Registernummer: HRA 123456</p>
<p>Umsatzsteuer-ID: DE 123 456 789</p></main></body></html>"""


def test_imprint_page_is_parsed() -> None:
    page = extract_page(IMPRINT_HTML, "https://nordlicht.de/impressum")
    assert page.page_kind == "imprint"
    assert page.imprint == {
        "legal_name": "Nordlicht Logistik GmbH & Co. KG",
        "legal_form": "GmbH & Co. KG",
        "street": "Hafenstraße 12",
        "postal_code": "20457",
        "city": "Hamburg",
        "register_court": "Amtsgericht Hamburg",
        "register_number": "HRA 123456",
        "vat_id": "DE123456789",
    }


@pytest.mark.parametrize(
    ("line", "form"),
    [
        ("Alpha Software GmbH", "GmbH"),
        ("Beta Systems AG", "AG"),
        ("Gamma Handel KG", "KG"),
        ("Delta Bau GmbH & Co. KG", "GmbH & Co. KG"),
        ("Epsilon Digital UG (haftungsbeschränkt)", "UG (haftungsbeschränkt)"),
        ("Zeta Feinkost e.K.", "e.K."),
        ("Eta Chemicals SE", "SE"),
        ("Theta Brüder OHG", "OHG"),
        ("Förderverein Iota e.V.", "e.V."),
        ("Kappa Versicherung KGaA", "KGaA"),
    ],
)
def test_legal_forms(line: str, form: str) -> None:
    got = parse_imprint(f"{line}\nMusterweg 1\n12345 Musterstadt")
    assert got["legal_form"] == form and got["legal_name"] == line
    assert got["street"] == "Musterweg 1" and got["city"] == "Musterstadt"


def test_imprint_inline_and_negative() -> None:
    got = parse_imprint(
        "Beta UG (haftungsbeschränkt), Hauptstr. 5, 10115 Berlin. Amtsgericht Charlottenburg "
        "HRB 98765 B. USt-IdNr.: DE987654321"
    )
    assert got["legal_name"] == "Beta UG (haftungsbeschränkt)"
    assert (got["street"], got["postal_code"], got["city"]) == ("Hauptstr. 5", "10115", "Berlin")
    assert got["register_court"] == "Amtsgericht Charlottenburg"
    assert got["register_number"] == "HRB 98765 B" and got["vat_id"] == "DE987654321"
    assert parse_imprint("We ship 12345 parcels a day to customers worldwide.") == {}
    assert "vat_id" not in parse_imprint("USt-IdNr. DE 12345678")  # eight digits: not a VAT id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Alpina AG\nWerkstraße 48\n4081 Basel\nCHE-083.887.378 MWST",
            {"legal_name": "Alpina AG", "legal_form": "AG", "street": "Werkstraße 48",
             "postal_code": "4081", "city": "Basel", "register_number": "CHE-083.887.378",
             "vat_id": "CHE-083.887.378 MWST"},
        ),
        (
            "Donau GmbH\nRingstraße 5\nA-1010 Wien\nFN 123456a, Handelsgericht Wien\n"
            "UID: ATU12345678",
            {"legal_name": "Donau GmbH", "legal_form": "GmbH", "street": "Ringstraße 5",
             "postal_code": "1010", "city": "Wien", "register_number": "FN 123456a",
             "vat_id": "ATU12345678"},
        ),
        ("Albion Foods Ltd\n4 Main Street", {"legal_name": "Albion Foods Ltd",
                                              "legal_form": "Ltd"}),
        ("Beacon Tooling Inc.\n75 Industrial Way", {"legal_name": "Beacon Tooling Inc.",
                                                      "legal_form": "Inc."}),
        ("Gegründet 1950 in Wien. Heute 1200 Mitarbeitende.", {}),
    ],
)  # fmt: skip
def test_imprint_dach_and_foreign_forms(text: str, expected: dict[str, str]) -> None:
    assert parse_imprint(text) == expected


def test_extraction_quality_gate() -> None:
    """Snippet F1 on every 8th page of the evaluation corpus must not drop below 0.90."""
    root = shared_data("trafilatura-eval")
    truth = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    sample = dict(list(truth.items())[::8])
    outputs: dict[str, str | None] = {}
    for url, gold in sample.items():
        html = gzip.decompress((root / "html" / f"{gold['file']}.gz").read_bytes())
        outputs[url] = extract_page(html, url).main_text
    scores = snippet_scores(outputs, sample)
    assert scores.f1 >= 0.90, (scores.precision, scores.recall, scores.f1)
