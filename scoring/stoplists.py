"""Stop lists of web boilerplate: words and phrases that say nothing about what a company does.

spaCy's own stop words (``nlp.Defaults.stop_words``) cover function words; these lists add what
every website carries regardless of its business: cookie banners, privacy and legal pages,
navigation, CMS and social-media widgets, contact-block labels and legal forms. Terms are
compared in lower case after lemmatisation, so lemmas and frequent inflected forms are listed.
"""

from __future__ import annotations


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
