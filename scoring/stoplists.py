"""Stop lists of web boilerplate: words and phrases that say nothing about what a company does.

spaCy's own stop words (``nlp.Defaults.stop_words``) cover function words; these lists add what
every website carries regardless of its business: cookie banners, privacy and legal pages,
navigation, CMS and social-media widgets, contact-block labels and legal forms. Terms are
compared in lower case after lemmatisation, so lemmas and frequent inflected forms are listed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COMMON_WEB = _words(
    """
    ag analytics banner blog browser captcha co com consent cookie cookies copyright corp css
    cta de drupal dsgvo e-mail e.k ek elementor email facebook faq fax footer gbr gdpr gmbh
    google header html http https inc info instagram javascript jimdo joomla kg kgaa linkedin
    llc login logout ltd mail mbh menu navigation net newsletter ohg ok org pdf php pinterest
    plc plugin recaptcha se shopify sitemap slider tel tiktok toggle tracking twitter typo3 ug
    url vimeo whatsapp widget wix wordpress www xing youtube
    """
)

GERMAN = _words(
    """
    ablehnen abmelden agb aktuell akzeptieren alle amtsgericht anfahrt anmelden
    barrierefreiheit datenschutz datenschutzeinstellung datenschutzerklärung datenschutzhinweis
    drucken einstellung erfahren erforderlich funktional geschäftsführer geschäftsführung
    haftung haftungsausschluss handelsregister hier hinweis homepage hra hrb impressum inhalt
    inhaltlich jetzt kasse klicken kontakt kontaktformular konto lesen marketing mehr neu
    notwendig nutzungsbedingung oben postfach recht rechtlich registergericht registrieren
    seite sitz speichern springen startseite statistik steuernummer str straße suche suchen
    teilen telefax telefon uhr umsatzsteuer-identifikationsnummer unten urheberrecht ust-idnr
    verantwortlich vertreten vorbehalten warenkorb webseite website weiter weiterlesen zurück
    zustimmen zustimmung öffnungszeit
    """
)

ENGLISH = _words(
    """
    glance touch hear
    accept accessibility account address all back basket cart checkout click conditions contact
    content decline directions disclaimer follow functional here home homepage hours imprint
    latest learn legal main marketing more necessary new next notice page phone policy
    preferences previous print privacy read register reject reserved rights search settings
    share sign site skip statistics street subscribe telephone terms today top unsubscribe us
    web website
    """
)

BOILERPLATE: dict[str, frozenset[str]] = {
    "de": COMMON_WEB | GERMAN,
    "en": COMMON_WEB | ENGLISH,
}


def boilerplate_terms(language: str) -> frozenset[str]:
    """The boilerplate stop list for ``language`` ("de" or "en"); empty for others."""
    return BOILERPLATE.get(language, frozenset())


# Dates say when, not what a company does: month and weekday names (and their unambiguous
# abbreviations) are dropped like numbers. Blog archives ("December November October ...") and
# opening hours ("Mo-Fr") would otherwise fill a profile with date words and date "phrases".
DATE_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """
        january february march april june july august september october november december
        jan feb apr jun jul aug sep sept oct nov dec
        monday tuesday wednesday thursday friday saturday sunday
        mon tue tues wed thu thur thurs fri
        """
    ),
    "de": _words(
        """
        januar jänner februar feber märz april mai juni juli august september oktober november
        dezember jan jän feb mär apr jun jul aug sep sept okt nov dez
        montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag mo di mi do fr sa
        """
    ),
}
# weekday abbreviations that are also words ("sun", "sat", German "so"): dates only in a range
# such as "Sat-Sun" or "Sa-So"
AMBIGUOUS_DATE_WORDS: dict[str, frozenset[str]] = {
    "en": _words("sat sun"),
    "de": _words("so"),
}


def is_date_word(word: str, language: str) -> bool:
    """``word`` (lower case) names a month or weekday: a date word, its plural or adverb
    ("mondays", "montags"), or a hyphenated range of them ("mo-fr", "sat-sun")."""
    dates = DATE_WORDS.get(language, frozenset())
    if word in dates or (len(word) > 6 and word.endswith("s") and word[:-1] in dates):
        return True
    if "-" not in word:
        return False
    ambiguous = AMBIGUOUS_DATE_WORDS.get(language, frozenset())
    return all(part in dates or part in ambiguous for part in word.split("-"))


PSEUDO_REGIONS = frozenset({"XA", "XB", "ZZ"})  # CLDR's pseudo-locales and unknown region

# function words inside country names ("Bosnia and Herzegovina", "Isle of Man") do not make a
# run of names on their own
STOP_IN_NAMES = _words("and of the und der die das de la le du el al st")


class SelectorNames(NamedTuple):
    """Country and language names as selectors list them (lower case)."""

    words: frozenset[str]  # every word of every name ("united", "kingdom", "bahasa", "deutsch")
    single: frozenset[str]  # names that are one word ("germany", "deutsch", "suomi")


@lru_cache(maxsize=1)
def selector_names() -> SelectorNames:
    """The names of territories and of ISO 639-1 languages in English and German, and each
    language's own name ("Deutsch", "Français", "Bahasa Indonesia"), from CLDR (``babel``).
    A list of three or more of them is a selector, not content
    (:func:`scoring.terms.extract_terms`); one of them alone ("English courses", "Germany")
    stays a term."""
    from babel import Locale, UnknownLocaleError

    names: set[str] = set()
    for display in (Locale("en"), Locale("de")):
        names.update(v for k, v in display.territories.items() if k not in PSEUDO_REGIONS)
        names.update(v for k, v in display.languages.items() if len(k) == 2)
        for code in [k for k in display.languages if len(k) == 2]:
            try:
                own = Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                continue
            names.add(own.get_display_name(own) or "")
    words: set[str] = set()
    single: set[str] = set()
    for name in names:
        parts = [w for w in re.split(r"[\s\-()/,.]+", name.lower()) if len(w) >= 2]
        words.update(parts)
        if len(parts) == 1:
            single.add(parts[0])
    return SelectorNames(frozenset(words - STOP_IN_NAMES), frozenset(single - STOP_IN_NAMES))
