"""Term extraction: lemmas, phrases, stop words, boilerplate, compounds, languages."""

from __future__ import annotations

import pytest

from scoring.errors import ScoringInputError
from scoring.terms import TermConfig, compound_parts, extract_terms, get_pipeline


def terms_of(text: str, lang: str, **cfg: object) -> list[str]:
    return extract_terms([text], lang, config=TermConfig(**cfg))[0]


def test_german_lemmas_stop_words_and_boilerplate() -> None:
    t = terms_of("Die Antriebe und Getriebe. Cookies akzeptieren! Datenschutz | Impressum", "de")
    assert "antrieb" in t  # lemma of "Antriebe"
    assert "getriebe" in t
    for dropped in ("die", "und", "cookies", "cookie", "akzeptieren", "datenschutz", "impressum"):
        assert dropped not in t


def test_numbers_emails_urls_are_dropped() -> None:
    t = terms_of("Pumpen 2024 seit 1950 info@pumpen.de www.pumpen.de https://x.de/a 12,5", "de")
    assert t == ["pumpe"]


def test_phrases_do_not_cross_stop_words_or_punctuation() -> None:
    t = terms_of("Hydraulische Pumpen und Ventile, Industrie Pumpen Service.", "de")
    assert "hydraulische pumpe" in t
    assert "pumpe ventil" not in t and "hydraulische pumpe ventil" not in t  # "und" between
    assert "ventil industrie" not in t  # the comma separates them
    assert "industrie pumpe service" in t  # three-word phrase inside one run
    assert all(len(p.split()) <= 3 for p in t)


def test_english_lemmas_and_phrases() -> None:
    t = terms_of("We build industrial gearboxes for wind turbines.", "en")
    assert {"build", "industrial", "gearbox", "wind", "turbine"} <= set(t)
    assert "industrial gearbox" in t and "wind turbine" in t
    assert "gearbox wind" not in t  # "for" is a stop word
    assert terms_of("industrial gearbox", "en", max_ngram=1) == ["industrial", "gearbox"]


def test_german_compounds_add_their_parts() -> None:
    t = terms_of("Antriebstechnik", "de")
    assert t[0] == "antriebstechnik"
    assert "antrieb" in t and "technik" in t  # so it matches a site saying "Antriebe"
    assert compound_parts("maschinenbau-unternehmen", "de") == ("maschinenbau", "unternehmen")
    assert compound_parts("getriebe", "de") == ()  # not a compound
    assert terms_of("Antriebstechnik", "de", decompound=False) == ["antriebstechnik"]


def test_unsupported_language_raises_and_pipelines_are_cached() -> None:
    with pytest.raises(ScoringInputError, match="'fr' is not supported"):
        extract_terms(["bonjour"], "fr")
    assert get_pipeline("de") is get_pipeline("de")
    assert "lemmatizer" in get_pipeline("en").pipe_names


def test_batches_keep_order() -> None:
    texts = ["Bäckerei Brot", "", "Spedition Logistik"] * 3
    out = extract_terms(texts, "de", config=TermConfig(batch_size=2))
    assert [o[:1] for o in out] == [["bäckerei"], [], ["spedition"]] * 3


def test_month_and_weekday_names_are_dropped_like_numbers() -> None:
    # a blog archive widget and opening hours: date words, not what the company does
    t = terms_of("Archiv: Dezember November Oktober. Yoga Kurse Mo-Fr, Samstag 9 bis 12 Uhr", "de")
    assert not {"dezember", "november", "oktober", "samstag", "mo-fr", "mo", "fr"} & set(t)
    assert "yoga" in t and "yoga kurs" in t
    t = terms_of("Blog archive: December November October September. Yoga teacher training", "en")
    assert t == ["archive", "yoga", "teacher", "train", "yoga teacher", "teacher train",
                 "yoga teacher train"]  # fmt: skip
    assert not any("december" in term or "october" in term for term in t)


def test_language_and_country_selectors_are_dropped_single_names_stay() -> None:
    switcher = "Deutsch | English | Français | Español\nEnglish courses for companies in Germany."
    t = terms_of(switcher, "en")
    assert "français" not in t and "español" not in t and "deutsch" not in t
    assert {"english", "english course", "germany"} <= set(t)  # one name in a sentence stays
    picker = "Choose your country: United Kingdom, United States, Germany, Austria. Gear pumps"
    t = terms_of(picker, "en")
    assert not {"united", "kingdom", "germany", "austria", "united state"} & set(t)
    assert "gear pump" in t
    # German: a delivery sentence with two countries keeps them ("und" breaks the run)
    t = terms_of("Wir liefern nach Deutschland, Österreich und in die Schweiz.", "de")
    assert {"deutschland", "österreich", "schweiz"} <= set(t)
    t = terms_of("Sprache: Deutsch · English · Italiano · Polski. Antriebstechnik", "de")
    assert not {"english", "italiano", "polski"} & set(t) and "antriebstechnik" in t


def test_selectors_from_html_like_text_and_names_in_sentences() -> None:
    # several separators in a row (a bar and a line break) still separate list items
    assert terms_of("Deutsch |\nEnglish |\nFrançais |\nEspañol", "en") == []
    assert terms_of("Austria,  Belgium,  Germany,  France.", "en") == []
    assert terms_of("Deutsch |\nEnglisch |\nFranzösisch", "de") == []
    # a list counts names (items), not words: two two-word names are not a selector ...
    assert {"hong kong", "sri lanka"} <= set(terms_of("Branches: Hong Kong, Sri Lanka.", "en"))
    t = terms_of("Vereinigte Staaten, Vereinigtes Königreich", "de")
    assert "königreich" in t
    # ... and words that are only parts of names do not make a run inside a sentence
    assert "european union" in terms_of("Central European Union office", "en")
    # separators lost (pre-cleaned text): three one-word names in a row are a list
    assert terms_of("english deutsch français language school", "en") == [
        "language",
        "school",
        "language school",
    ]


def test_date_ranges_plurals_and_compound_parts() -> None:
    t = terms_of("Mo-Do 8-17 Uhr, Sa-So geschlossen, Januar-Angebote, montags Beratung", "de")
    assert not {"mo-do", "mo", "do", "sa-so", "sa", "so", "januar", "montags"} & set(t)
    assert "angebote" in t and "beratung" in t
    t = terms_of("Open Mondays to Fridays. Sun protection for the Sat-Sun market", "en")
    assert not {"monday", "mondays", "friday", "fridays"} & set(t)
    assert "sun protection" in t  # "sun" alone is a word, not a date
