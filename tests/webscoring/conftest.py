"""A small synthetic web of company sites (German and English) for the web-scoring tests.

Each industry has its own vocabulary; every site mixes words of its industry with generic
business words and boilerplate, so the tests check that the method finds the industry signal
under noise. Nothing here knows the expected ranking: tests derive it from the industry labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from crawling.records import PageRecord

INDUSTRIES: dict[str, dict[str, list[str]]] = {
    "drives": {
        "de": [
            "Antriebstechnik",
            "Getriebe",
            "Antriebe",
            "Servomotoren",
            "Elektromotoren",
            "Kupplungen",
            "Drehmoment",
            "Frequenzumrichter",
            "Getriebemotoren",
            "Wellen",
            "Lager",
            "Zahnräder",
        ],
        "en": [
            "gearboxes",
            "drives",
            "servo",
            "motors",
            "couplings",
            "torque",
            "inverters",
            "bearings",
            "shafts",
            "gears",
            "actuators",
            "motion",
            "transmission",
        ],
    },
    "dental": {
        "de": [
            "Zahnarztpraxis",
            "Implantate",
            "Prophylaxe",
            "Zahnersatz",
            "Kieferorthopädie",
            "Zahnreinigung",
            "Füllungen",
            "Kronen",
            "Brücken",
            "Wurzelbehandlung",
            "Zahnfleisch",
            "Bleaching",
        ],
        "en": [
            "dentist",
            "implants",
            "prophylaxis",
            "dentures",
            "orthodontics",
            "cleaning",
            "fillings",
            "crowns",
            "bridges",
            "root",
            "canal",
            "gums",
            "whitening",
        ],
    },
    "software": {
        "de": [
            "Software",
            "Cloud",
            "Plattform",
            "Schnittstellen",
            "Datenbanken",
            "Entwicklung",
            "Programmierung",
            "Integration",
            "Lizenzen",
            "Benutzeroberfläche",
            "Hosting",
            "Sicherheit",
        ],
        "en": [
            "software",
            "cloud",
            "platform",
            "api",
            "databases",
            "development",
            "programming",
            "integration",
            "licenses",
            "interface",
            "hosting",
            "security",
        ],
    },
    "bakery": {
        "de": [
            "Bäckerei",
            "Brot",
            "Brötchen",
            "Kuchen",
            "Torten",
            "Sauerteig",
            "Konditorei",
            "Gebäck",
            "Vollkorn",
            "Backstube",
            "Mehl",
            "Hefe",
        ],
        "en": [
            "bakery",
            "bread",
            "rolls",
            "cakes",
            "pastries",
            "sourdough",
            "confectionery",
            "baking",
            "wholegrain",
            "flour",
            "yeast",
            "croissants",
        ],
    },
    "logistics": {
        "de": [
            "Spedition",
            "Logistik",
            "Lagerung",
            "Transport",
            "Lieferkette",
            "Fracht",
            "Container",
            "Paletten",
            "Lkw",
            "Zustellung",
            "Kommissionierung",
            "Zoll",
        ],
        "en": [
            "freight",
            "logistics",
            "warehousing",
            "transport",
            "supply",
            "chain",
            "cargo",
            "containers",
            "pallets",
            "trucks",
            "delivery",
            "picking",
            "customs",
        ],
    },
}
GENERIC = {
    "de": [
        "Qualität",
        "Service",
        "Kunden",
        "Erfahrung",
        "Team",
        "Lösungen",
        "Partner",
        "Projekte",
        "Beratung",
        "Unternehmen",
        "Tradition",
        "Zuverlässigkeit",
    ],
    "en": [
        "quality",
        "service",
        "customers",
        "experience",
        "team",
        "solutions",
        "partner",
        "projects",
        "consulting",
        "company",
        "tradition",
        "reliability",
    ],
}
BOILER = {
    "de": "Cookies akzeptieren Datenschutz Impressum Kontakt Startseite",
    "en": "Accept cookies Privacy policy Imprint Contact Home",
}


@dataclass
class Site:
    domain: str
    industry: str
    language: str
    pages: list[PageRecord]


def _sentences(words: list[str], rng: np.random.Generator, n: int) -> str:
    out = []
    for _ in range(n):
        picked = rng.choice(words, size=int(rng.integers(3, 6)), replace=False)
        out.append(" ".join(picked) + ".")
    return " ".join(out)


def make_site(domain: str, industry: str, language: str, rng: np.random.Generator) -> Site:
    """Two pages (home and about) of a company of ``industry``; industry words are a
    random subset, so sites of one industry overlap without being copies."""
    own = list(rng.choice(INDUSTRIES[industry][language], size=8, replace=False))
    generic = GENERIC[language]
    mixed = own + list(rng.choice(generic, size=6, replace=False))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    city = str(rng.choice(["Stuttgart", "Köln", "Hamburg", "Leipzig"]))
    home = PageRecord(
        domain=domain,
        url=f"https://{domain}/",
        title=f"{own[0]} {own[1]} | {domain}",
        meta_description=" ".join(own[2:5]),
        headings=[f"{own[0]} {own[3]}", str(rng.choice(generic))],
        main_text=f"{_sentences(mixed, rng, 6)} {BOILER[language]}",
        language=language,
        page_kind="home",
        fetched_at=now,
    )
    about = PageRecord(
        domain=domain,
        url=f"https://{domain}/impressum",
        title="Impressum" if language == "de" else "Imprint",
        main_text=f"{_sentences(mixed, rng, 3)} {BOILER[language]}",
        language=language,
        page_kind="imprint",
        imprint={"legal_name": f"{domain.split('.')[0].title()} GmbH", "city": city},
        fetched_at=now,
    )
    return Site(domain, industry, language, [home, about])


def make_world(
    n_per_industry: int = 12, seed: int = 0, languages: tuple[str, ...] = ("de", "en")
) -> list[Site]:
    rng = np.random.default_rng(seed)
    sites = []
    for industry in INDUSTRIES:
        for i in range(n_per_industry):
            lang = languages[i % len(languages)]
            sites.append(make_site(f"{industry}-{i:02d}.example", industry, lang, rng))
    return sites


@pytest.fixture(scope="session")
def world() -> list[Site]:
    return make_world()


@dataclass
class Profiles:
    sites: list[Site]
    ids: list[str]
    industry: np.ndarray
    language: np.ndarray
    docs: dict[str, dict[str, float]]
    vectorizer: object
    X: object  # csr matrix, rows in ``ids`` order
    industry_terms: dict[str, set[str]]  # industry -> terms its vocabulary yields
    generic_terms: set[str]

    def rows(self, mask: np.ndarray) -> tuple[list[str], object]:
        idx = np.flatnonzero(mask)
        return [self.ids[i] for i in idx], self.X[idx]


@pytest.fixture(scope="session")
def world_profiles(world: list[Site]) -> Profiles:
    from scoring.profiles import TermVectorizer, build_term_documents
    from scoring.terms import extract_terms

    def vocab_terms(words_by_lang: dict[str, list[str]]) -> set[str]:
        out: set[str] = set()
        for lang, words in words_by_lang.items():
            for terms in extract_terms(words, lang):
                out.update(terms)
        return out

    docs = build_term_documents({s.domain: s.pages for s in world})
    ids = [s.domain for s in world]
    vec = TermVectorizer().fit([docs.docs[d] for d in ids])
    return Profiles(
        sites=world,
        ids=ids,
        industry=np.array([s.industry for s in world]),
        language=np.array([s.language for s in world]),
        docs=docs.docs,
        vectorizer=vec,
        X=vec.transform([docs.docs[d] for d in ids]),
        industry_terms={k: vocab_terms(v) for k, v in INDUSTRIES.items()},
        generic_terms=vocab_terms(GENERIC),
    )
