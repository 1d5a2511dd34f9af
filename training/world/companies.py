"""Companies of the synthetic world: names, legal forms, addresses, registers, site language.

Every company gets firmographics that a German imprint (Impressum) or an English legal notice
would show, a latent web fit (how closely its offer matches the seller's customer base) and a
site kind (full, sparse, one page). Generation is deterministic for a given ``numpy`` generator.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from training.world.industries import CUSTOMER_INDUSTRIES, INDUSTRIES, INDUSTRY_BY_KEY

# Share of companies per industry (same order as INDUSTRIES); customer industries are larger.
INDUSTRY_WEIGHTS: tuple[float, ...] = (
    0.12,
    0.12,
    0.11,
    0.10,
    0.09,
    0.09,
    0.10,
    0.08,
    0.07,
    0.07,
    0.05,
)
# Industries whose vocabulary is close to the customer industries (hard negatives).
NEAR_INDUSTRIES: tuple[str, ...] = ("metalworking", "medtech", "energy", "software")

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("DE", 0.62),
    ("AT", 0.08),
    ("CH", 0.06),
    ("GB", 0.14),
    ("US", 0.10),
)
HOME_LANGUAGE = {"DE": "de", "AT": "de", "CH": "de", "GB": "en", "US": "en"}
OTHER_LANGUAGE_SHARE = {"de": 0.12, "en": 0.08}

# city, postal code base, register court, phone area code
CITIES: dict[str, tuple[tuple[str, int, str, str], ...]] = {
    "DE": (
        ("München", 80331, "Amtsgericht München", "89"),
        ("Stuttgart", 70173, "Amtsgericht Stuttgart", "711"),
        ("Hamburg", 20095, "Amtsgericht Hamburg", "40"),
        ("Köln", 50667, "Amtsgericht Köln", "221"),
        ("Frankfurt am Main", 60311, "Amtsgericht Frankfurt am Main", "69"),
        ("Düsseldorf", 40213, "Amtsgericht Düsseldorf", "211"),
        ("Nürnberg", 90402, "Amtsgericht Nürnberg", "911"),
        ("Augsburg", 86150, "Amtsgericht Augsburg", "821"),
        ("Bielefeld", 33602, "Amtsgericht Bielefeld", "521"),
        ("Dortmund", 44135, "Amtsgericht Dortmund", "231"),
        ("Hannover", 30159, "Amtsgericht Hannover", "511"),
        ("Bremen", 28195, "Amtsgericht Bremen", "421"),
        ("Leipzig", 4109, "Amtsgericht Leipzig", "341"),
        ("Dresden", 1067, "Amtsgericht Dresden", "351"),
        ("Karlsruhe", 76133, "Amtsgericht Mannheim", "721"),
        ("Ulm", 89073, "Amtsgericht Ulm", "731"),
        ("Freiburg im Breisgau", 79098, "Amtsgericht Freiburg", "761"),
        ("Heilbronn", 74072, "Amtsgericht Stuttgart", "7131"),
        ("Paderborn", 33098, "Amtsgericht Paderborn", "5251"),
        ("Regensburg", 93047, "Amtsgericht Regensburg", "941"),
        ("Chemnitz", 9111, "Amtsgericht Chemnitz", "371"),
        ("Osnabrück", 49074, "Amtsgericht Osnabrück", "541"),
        ("Siegen", 57072, "Amtsgericht Siegen", "271"),
        ("Reutlingen", 72764, "Amtsgericht Stuttgart", "7121"),
    ),
    "AT": (
        ("Wien", 1010, "Handelsgericht Wien", "1"),
        ("Graz", 8010, "Landesgericht für ZRS Graz", "316"),
        ("Linz", 4020, "Landesgericht Linz", "732"),
        ("Salzburg", 5020, "Landesgericht Salzburg", "662"),
    ),
    "CH": (
        ("Zürich", 8001, "Handelsregisteramt des Kantons Zürich", "44"),
        ("Basel", 4051, "Handelsregisteramt des Kantons Basel-Stadt", "61"),
        ("Bern", 3011, "Handelsregisteramt des Kantons Bern", "31"),
        ("St. Gallen", 9000, "Handelsregisteramt des Kantons St. Gallen", "71"),
    ),
    "GB": (
        ("London", 0, "Companies House", "20"),
        ("Manchester", 0, "Companies House", "161"),
        ("Birmingham", 0, "Companies House", "121"),
        ("Leeds", 0, "Companies House", "113"),
        ("Bristol", 0, "Companies House", "117"),
        ("Sheffield", 0, "Companies House", "114"),
        ("Glasgow", 0, "Companies House", "141"),
    ),
    "US": (
        ("Chicago, IL", 60601, "", "312"),
        ("Detroit, MI", 48226, "", "313"),
        ("Houston, TX", 77002, "", "713"),
        ("Cleveland, OH", 44114, "", "216"),
        ("Charlotte, NC", 28202, "", "704"),
        ("Boston, MA", 2110, "", "617"),
        ("Milwaukee, WI", 53202, "", "414"),
    ),
}
UK_POSTCODE_AREAS = {
    "London": "EC1A",
    "Manchester": "M1",
    "Birmingham": "B1",
    "Leeds": "LS1",
    "Bristol": "BS1",
    "Sheffield": "S1",
    "Glasgow": "G1",
}
PHONE_PREFIX = {"DE": "+49", "AT": "+43", "CH": "+41", "GB": "+44", "US": "+1"}

LEGAL_FORMS: dict[str, tuple[tuple[str, float], ...]] = {
    "DE": (
        ("GmbH", 0.52),
        ("GmbH & Co. KG", 0.18),
        ("AG", 0.06),
        ("KG", 0.05),
        ("UG (haftungsbeschränkt)", 0.05),
        ("e.K.", 0.06),
        ("SE", 0.02),
        ("OHG", 0.04),
        ("e.V.", 0.02),
    ),
    "AT": (("GmbH", 0.7), ("AG", 0.1), ("KG", 0.1), ("OG", 0.05), ("e.U.", 0.05)),
    "CH": (("AG", 0.6), ("GmbH", 0.4)),
    "GB": (("Ltd", 0.8), ("PLC", 0.08), ("LLP", 0.12)),
    "US": (("Inc.", 0.6), ("LLC", 0.4)),
}
REGISTER_PREFIX = {
    "GmbH": "HRB",
    "AG": "HRB",
    "SE": "HRB",
    "UG (haftungsbeschränkt)": "HRB",
    "GmbH & Co. KG": "HRA",
    "KG": "HRA",
    "OHG": "HRA",
    "e.K.": "HRA",
    "e.V.": "VR",
}
US_STATES = ("Delaware", "Illinois", "Michigan", "Texas", "Ohio")


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


SURNAMES = {
    "de": _words(
        "Huber Müller Schäfer Wagner Becker Hoffmann Schulz Koch Richter Klein Wolf Neumann "
        "Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Maier "
        "Lehmann Köhler Herrmann König Walter Mayer Kaiser Fuchs Peters Lang Scholz Möller Weiß "
        "Jung Hahn Vogel Keller Berger Frank Roth Beck Lorenz Baumann Franke Albrecht Winkler"
    ),
    "en": _words(
        "Hartley Whitmore Ashford Blackwood Carrington Davies Ellison Fairbanks Goodwin Hampton "
        "Jennings Kingsley Lawson Mercer Norwood Oakley Pemberton Radcliffe Sinclair Thornton "
        "Underwood Walsh Bradley Chapman Fletcher Gardner Holloway Kendall Marsh Palmer Reeves "
        "Sutton Turner Warren Barlow Crawford Dixon Foster Griffin Harper Miller Parker Quinn "
        "Russell Spencer Taylor Wilson Young"
    ),
}
COINED = {
    "de": _words(
        "Nordwerk Südtec Rheintal Alpina Isartec Mainfeld Elbwerk Weserland Neckartal Donau "
        "Schwarzwald Allgäu Spessart Harzer Eifel Bodensee Ostalb Vogtland Taunus Hegau"
    ),
    "en": _words(
        "Northfield Westbrook Summit Pioneer Keystone Redwood Harbour Albion Pennine Thames "
        "Cotswold Lakeside Ironbridge Riverside Highland Beacon Granite Meridian Sterling Atlas"
    ),
}
STREETS = {
    "de": _words(
        "Industriestraße|Hauptstraße|Gewerbestraße|Bahnhofstraße|Robert-Bosch-Straße|"
        "Carl-Benz-Straße|Im Gewerbepark|Am Hafen|Siemensstraße|Daimlerstraße|"
        "Max-Planck-Straße|Lindenstraße|Ringstraße|Werkstraße|Einsteinstraße|Raiffeisenstraße",
        sep="|",
    ),
    "en": _words(
        "Station Road|Mill Lane|High Street|Church Street|Victoria Road|Park Road|"
        "Industrial Way|Enterprise Park|Queens Road|Kings Road|Commerce Drive|"
        "Harbor Boulevard|Main Street|Lakeview Avenue|Technology Drive|Riverside Way",
        sep="|",
    ),
}
FIRST_NAMES = {
    "de": _words(
        "Andreas Michael Thomas Stefan Markus Christian Sabine Claudia Julia Katrin Anna Laura "
        "Tobias Jan Florian Martina Petra Sandra Jürgen Uwe Nicole Daniela Sebastian Lena"
    ),
    "en": _words(
        "James John Robert Michael David Sarah Emma Olivia Sophie Laura Daniel Thomas Mark Paul "
        "Rachel Helen Claire Andrew Peter Richard Emily Hannah Chris Kate"
    ),
}

SITE_KINDS = (("full", 0.83), ("sparse", 0.12), ("one_page", 0.05))


@dataclass(frozen=True, slots=True)
class Company:
    """One company of the world with its firmographics and latent properties."""

    account_id: str
    domain: str
    name: str
    legal_name: str
    legal_form: str
    industry: str
    country: str
    language: str  # language of its website
    home_language: str  # language of its country
    street: str
    postal_code: str
    city: str
    register_court: str
    register_number: str
    vat_id: str
    managers: tuple[str, ...]
    founded: int
    employees: int
    phone: str
    email: str
    site_kind: str
    fit: float  # latent fit with the seller's offer, 0..1
    in_customer_industry: bool


def slugify(text: str) -> str:
    """ASCII slug for domains and e-mail addresses (ä -> ae, ß -> ss)."""
    text = text.lower()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", "und")):
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in options]
    weights = np.array([w for _, w in options], dtype=float)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _postal_code(rng: np.random.Generator, country: str, city: str, base: int) -> str:
    if country == "DE":
        return f"{base + int(rng.integers(0, 60)):05d}"
    if country in ("AT", "CH"):
        return f"{base + 10 * int(rng.integers(0, 9)):04d}"
    if country == "GB":
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{int(rng.integers(1, 9))}{_pick(rng, letters)}{_pick(rng, letters)}"
        return f"{UK_POSTCODE_AREAS[city]} {inward}"
    return f"{base + int(rng.integers(0, 40)):05d}"


def _register(
    rng: np.random.Generator, country: str, legal_form: str, court: str, city: str
) -> tuple[str, str]:
    if country == "DE":
        prefix = REGISTER_PREFIX[legal_form]
        return court, f"{prefix} {int(rng.integers(1000, 260000))}"
    if country == "AT":
        return court, f"FN {int(rng.integers(10000, 600000))}{_pick(rng, 'abdfghikmpstvwxyz')}"
    if country == "CH":
        d = rng.integers(0, 10, size=9)
        return (
            court,
            "CHE-" + ".".join("".join(map(str, d[i : i + 3])) for i in (0, 3, 6)),
        )
    if country == "GB":
        where = "Scotland" if city == "Glasgow" else "England and Wales"
        return f"Companies House ({where})", f"{int(rng.integers(1000000, 14999999)):08d}"
    return f"State of {_pick(rng, US_STATES)}", ""


def _vat_id(rng: np.random.Generator, country: str, register_number: str) -> str:
    if country == "DE":
        return f"DE{int(rng.integers(100000000, 999999999))}"
    if country == "AT":
        return f"ATU{int(rng.integers(10000000, 99999999))}"
    if country == "CH":
        return f"{register_number} MWST"
    if country == "GB":
        n = f"{int(rng.integers(100000000, 999999999))}"
        return f"GB{n}"
    return ""


def _fit(rng: np.random.Generator, industry: str) -> float:
    if industry in CUSTOMER_INDUSTRIES:
        return float(rng.beta(6.0, 2.0))
    if industry in NEAR_INDUSTRIES:
        return float(rng.beta(2.0, 5.0))
    return float(rng.beta(1.2, 8.0))


def generate_companies(rng: np.random.Generator, n_companies: int) -> list[Company]:
    """Draw ``n_companies`` companies; every industry appears when n >= len(INDUSTRIES)."""
    weights = np.array(INDUSTRY_WEIGHTS) / sum(INDUSTRY_WEIGHTS)
    keys = [industry.key for industry in INDUSTRIES]
    drawn = list(rng.choice(len(keys), size=n_companies, p=weights))
    # guarantee coverage: the first len(keys) companies take one industry each
    for i in range(min(len(keys), n_companies)):
        drawn[i] = i
    order = rng.permutation(n_companies)
    industries = [keys[drawn[int(j)]] for j in order]

    companies: list[Company] = []
    used_domains: set[str] = set()
    for i, industry_key in enumerate(industries):
        companies.append(_company(rng, i, industry_key, used_domains))
    return companies


def _company(
    rng: np.random.Generator, index: int, industry_key: str, used_domains: set[str]
) -> Company:
    industry = INDUSTRY_BY_KEY[industry_key]
    country = _choice(rng, COUNTRIES)
    home = HOME_LANGUAGE[country]
    language = home
    if rng.random() < OTHER_LANGUAGE_SHARE[home]:
        language = "en" if home == "de" else "de"
    vocab = industry.vocabulary(home)
    stem = _pick(rng, SURNAMES[home]) if rng.random() < 0.6 else _pick(rng, COINED[home])
    word = _pick(rng, vocab.name_words)
    name = f"{stem} {word}"
    if home == "de" and rng.random() < 0.08:
        name = f"{stem} & Söhne {word}"
    legal_form = _choice(rng, LEGAL_FORMS[country])
    legal_name = f"{name} {legal_form}"

    tld = {"DE": ".de", "AT": ".at", "CH": ".ch", "GB": ".co.uk", "US": ".com"}[country]
    if rng.random() < 0.15:
        tld = ".com"
    base = slugify(name) if rng.random() < 0.7 else slugify(f"{stem}-{word.split()[0]}")
    domain = f"{base}{tld}"
    suffix = 2
    while domain in used_domains:
        domain = f"{base}-{suffix}{tld}"
        suffix += 1
    used_domains.add(domain)

    city, postal_base, court, area = CITIES[country][int(rng.integers(len(CITIES[country])))]
    postal_code = _postal_code(rng, country, city, postal_base)
    street = _pick(rng, STREETS[home])
    number = int(rng.integers(1, 140))
    street = f"{street} {number}" if home == "de" else f"{number} {street}"
    register_court, register_number = _register(rng, country, legal_form, court, city)
    vat_id = _vat_id(rng, country, register_number)
    n_managers = 1 + int(rng.random() < 0.4)
    managers = tuple(
        f"{_pick(rng, FIRST_NAMES[home])} {_pick(rng, SURNAMES[home])}" for _ in range(n_managers)
    )
    phone = f"{PHONE_PREFIX[country]} {area} {int(rng.integers(100000, 9999999))}"
    employees = int(np.clip(rng.lognormal(np.log(80), 1.0), 4, 8000))
    return Company(
        account_id=f"A{index + 1:05d}",
        domain=domain,
        name=name,
        legal_name=legal_name,
        legal_form=legal_form,
        industry=industry_key,
        country=country,
        language=language,
        home_language=home,
        street=street,
        postal_code=postal_code,
        city=city,
        register_court=register_court,
        register_number=register_number,
        vat_id=vat_id,
        managers=managers,
        founded=int(rng.integers(1890, 2021)),
        employees=employees,
        phone=phone,
        email=f"info@{domain}",
        site_kind=_choice(rng, SITE_KINDS),
        fit=_fit(rng, industry_key),
        in_customer_industry=industry_key in CUSTOMER_INDUSTRIES,
    )
