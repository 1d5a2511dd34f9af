"""Page contents of a synthetic company website (German and English), without the layout.

Each function returns the inner HTML of one page kind. Text is drawn from the company's
industry vocabulary, with terms of related industries and generic business words mixed in,
so that vocabularies overlap the way real sites do. ``rng`` is a per-company
``random.Random``, which keeps every site deterministic and independent of the others.
"""

from __future__ import annotations

import random
from html import escape

from training.world.companies import Company
from training.world.industries import GENERIC_TERMS, INDUSTRY_BY_KEY

OWN_TERM_SHARE = 0.85
RELATED_TERM_SHARE = 0.1

PAGE_TITLES = {
    "de": {
        "home": "Startseite",
        "about": "Über uns",
        "products": "Produkte",
        "services": "Leistungen",
        "references": "Referenzen",
        "contact": "Kontakt",
        "imprint": "Impressum",
        "news": "Aktuelles",
        "careers": "Karriere",
        "privacy": "Datenschutz",
    },
    "en": {
        "home": "Home",
        "about": "About us",
        "products": "Products",
        "services": "Services",
        "references": "References",
        "contact": "Contact",
        "imprint": "Legal notice",
        "news": "News",
        "careers": "Careers",
        "privacy": "Privacy policy",
    },
}


class Writer:
    """Draws words and sentences for one company site in one language."""

    def __init__(self, company: Company, rng: random.Random, *, sparse: bool = False) -> None:
        self.company = company
        self.rng = rng
        self.lang = company.language
        self.industry = INDUSTRY_BY_KEY[company.industry]
        self.vocab = self.industry.vocabulary(self.lang)
        self.sparse = sparse

    def term(self) -> str:
        roll = self.rng.random()
        if roll < OWN_TERM_SHARE or not self.industry.related:
            return self.rng.choice(self.vocab.terms)
        if roll < OWN_TERM_SHARE + RELATED_TERM_SHARE:
            related = INDUSTRY_BY_KEY[self.rng.choice(self.industry.related)]
            return self.rng.choice(related.vocabulary(self.lang).terms)
        return self.rng.choice(GENERIC_TERMS[self.lang])

    def terms(self, n: int) -> list[str]:
        picked: list[str] = []
        for _ in range(n * 4):
            t = self.term()
            if t not in picked:
                picked.append(t)
            if len(picked) == n:
                break
        return picked

    def generic(self, n: int) -> list[str]:
        return self.rng.sample(GENERIC_TERMS[self.lang], n)

    def product(self) -> str:
        return self.rng.choice(self.vocab.products)

    def sectors(self, n: int) -> list[str]:
        return self.rng.sample(self.vocab.sectors, min(n, len(self.vocab.sectors)))

    def industry_sentence(self) -> str:
        return self.rng.choice(self.vocab.sentences)

    def paragraph(self, sentences: list[str]) -> str:
        return f"<p>{escape(' '.join(sentences))}</p>"

    # ----------------------------------------------------------------- sentences
    def intro_sentences(self, n: int) -> list[str]:
        c = self.company
        t = self.terms(6)
        s = self.sectors(3)
        g = self.generic(3)
        p1, p2 = self.rng.sample(self.vocab.products, 2)
        if self.lang == "de":
            options = [
                f"{c.name} ist Ihr Spezialist für {t[0]} und {t[1]}.",
                f"Seit {c.founded} entwickeln und fertigen wir {p1} und {p2} für Kunden aus "
                f"den Bereichen {', '.join(s[:-1])} und {s[-1]}.",
                f"Unser Leistungsspektrum reicht von {t[2]} über {t[3]} bis zu {t[4]}.",
                f"Mit rund {c.employees} Mitarbeiterinnen und Mitarbeitern am Standort {c.city} "
                f"stehen wir für {g[0]}, {g[1]} und {g[2]}.",
                self.industry_sentence(),
                f"Ob {t[5]} oder {t[0]}: Wir finden die passende Lösung für Ihre Anwendung.",
                f"Wir verbinden {g[0]} mit {g[1]} – für Ihren Erfolg.",
            ]
        else:
            options = [
                f"{c.name} is your specialist for {t[0]} and {t[1]}.",
                f"Since {c.founded} we have developed and produced {p1} and {p2} solutions for "
                f"customers in {', '.join(s[:-1])} and {s[-1]}.",
                f"Our range covers everything from {t[2]} and {t[3]} to {t[4]}.",
                f"With around {c.employees} employees in {c.city}, we stand for {g[0]}, {g[1]} "
                f"and {g[2]}.",
                self.industry_sentence(),
                f"Whether {t[5]} or {t[0]}: we find the right solution for your application.",
                f"We combine {g[0]} with {g[1]} – for your success.",
            ]
        first, rest = options[0], options[1:]
        self.rng.shuffle(rest)
        return [first, *rest[: max(0, n - 1)]]

    def headline(self) -> str:
        t = self.terms(2)
        if self.lang == "de":
            options = [
                f"Ihr Partner für {t[0]}",
                f"{t[0]} und {t[1]} – seit {self.company.founded}",
                f"{t[0]} aus {self.company.city}",
            ]
        else:
            options = [
                f"Your partner for {t[0]}",
                f"{t[0]} and {t[1]} since {self.company.founded}",
                f"{t[0]} from {self.company.city}",
            ]
        headline = self.rng.choice(options)
        return headline[0].upper() + headline[1:]


# --------------------------------------------------------------------- pages
def home_page(w: Writer) -> str:
    n_paragraphs = 1 if w.sparse else w.rng.randint(2, 3)
    parts = [f"<h1>{escape(w.headline())}</h1>"]
    per_paragraph = 2 if w.sparse else 3
    sentences = w.intro_sentences(n_paragraphs * per_paragraph)
    for i in range(n_paragraphs):
        chunk = sentences[i * per_paragraph : (i + 1) * per_paragraph]
        if chunk:
            parts.append(w.paragraph(chunk))
    if not w.sparse:
        title = "Unsere Schwerpunkte" if w.lang == "de" else "What we focus on"
        items = "".join(f"<li>{escape(t)}</li>" for t in w.terms(4))
        parts.append(f"<h2>{title}</h2><ul>{items}</ul>")
    return "\n".join(parts)


def products_page(w: Writer, kind: str) -> str:
    title = PAGE_TITLES[w.lang][kind]
    if w.lang == "de":
        intro = f"Unsere {title} im Überblick: {', '.join(w.terms(3))} und mehr."
    else:
        intro = f"Our {title.lower()} at a glance: {', '.join(w.terms(3))} and more."
    parts = [f"<h1>{escape(title)}</h1>", w.paragraph([intro])]
    n_items = 2 if w.sparse else w.rng.randint(3, 6)
    for _ in range(n_items):
        product = w.product()
        code = f"{product[:2].upper()}-{w.rng.randint(10, 990)}"
        t = w.terms(3)
        s = w.sectors(1)[0]
        if w.lang == "de":
            text = f"{product} für {s} – mit {t[0]}, {t[1]} und {w.generic(1)[0]}."
        else:
            text = f"{product} for {s} – with {t[0]}, {t[1]} and {w.generic(1)[0]}."
        parts.append(f"<h2>{escape(product)} {code}</h2>{w.paragraph([text])}")
        if not w.sparse and w.rng.random() < 0.5:
            parts.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in t) + "</ul>")
    return "\n".join(parts)


def about_page(w: Writer) -> str:
    c = w.company
    g = w.generic(3)
    founder = c.managers[0].split()[-1]
    if w.lang == "de":
        history = [
            f"{c.founded} gründete die Familie {founder} das Unternehmen in {c.city}.",
            f"Heute beschäftigt die {c.legal_name} rund {c.employees} Mitarbeitende.",
            f"Unser Leitbild: {g[0]}, {g[1]} und {g[2]}.",
            w.industry_sentence(),
        ]
        team = f"Geschäftsführung: {', '.join(c.managers)}"
        h2 = "Unsere Werte"
    else:
        history = [
            f"The {founder} family founded the company in {c.city} in {c.founded}.",
            f"Today {c.legal_name} employs around {c.employees} people.",
            f"What drives us: {g[0]}, {g[1]} and {g[2]}.",
            w.industry_sentence(),
        ]
        team = f"Management: {', '.join(c.managers)}"
        h2 = "Our values"
    return "\n".join(
        [
            f"<h1>{escape(PAGE_TITLES[w.lang]['about'])}</h1>",
            w.paragraph(history),
            f"<h2>{h2}</h2>",
            w.paragraph(w.intro_sentences(3)[1:]),
            f"<p>{escape(team)}</p>",
        ]
    )


def references_page(w: Writer) -> str:
    parts = [f"<h1>{escape(PAGE_TITLES[w.lang]['references'])}</h1>"]
    for s in w.sectors(w.rng.randint(2, 5)):
        t = w.terms(2)
        if w.lang == "de":
            text = f"Projekt für einen Kunden aus dem Bereich {s}: {t[0]} und {t[1]}."
        else:
            text = f"Project for a customer in {s}: {t[0]} and {t[1]}."
        parts.append(f"<h3>{escape(s)}</h3>{w.paragraph([text])}")
    if w.lang == "de":
        quote = f"„Die Zusammenarbeit mit {w.company.name} war von Anfang an partnerschaftlich.“"
    else:
        quote = f"“Working with {w.company.name} has been a true partnership from day one.”"
    parts.append(f"<blockquote>{escape(quote)}</blockquote>")
    return "\n".join(parts)


def contact_page(w: Writer) -> str:
    c = w.company
    if w.lang == "de":
        hours, labels, send = (
            "Mo–Fr 8:00–17:00 Uhr",
            ("Name", "Firma", "E-Mail", "Nachricht"),
            "Absenden",
        )
        lead = "Sprechen Sie uns an – wir freuen uns auf Ihre Anfrage."
        phone_label = "Telefon"
    else:
        hours, labels, send = "Mon–Fri 8 am – 5 pm", ("Name", "Company", "Email", "Message"), "Send"
        lead = "Get in touch – we look forward to hearing from you."
        phone_label = "Phone"
    fields = "".join(
        f'<label>{label}<input name="f{i}" type="text"></label>' for i, label in enumerate(labels)
    )
    return "\n".join(
        [
            f"<h1>{escape(PAGE_TITLES[w.lang]['contact'])}</h1>",
            f"<p>{escape(lead)}</p>",
            f"<address>{escape(c.legal_name)}<br>{escape(c.street)}<br>"
            f"{escape(_postal_line(c))}</address>",
            f"<p>{phone_label}: {escape(c.phone)}<br>E-Mail: {escape(c.email)}<br>{hours}</p>",
            f'<form method="post" action="contact">{fields}'
            f'<button type="submit">{send}</button></form>',
        ]
    )


def news_page(w: Writer, year: int) -> str:
    fair = w.rng.choice(w.industry.fairs)
    t = w.terms(2)
    p = w.product()
    if w.lang == "de":
        items = [
            (
                f"{w.company.name} auf der {fair}",
                f"Besuchen Sie uns in Halle {w.rng.randint(1, 12)}. "
                f"Wir zeigen Neuheiten rund um {t[0]} und {t[1]}.",
            ),
            (f"Neu: {p}", f"Ab sofort erhältlich – {w.intro_sentences(2)[1]}"),
            (
                "Rezertifizierung bestanden",
                "Unser Qualitätsmanagement ist erneut nach ISO 9001 zertifiziert.",
            ),
        ]
    else:
        items = [
            (
                f"{w.company.name} at {fair}",
                f"Visit us in hall {w.rng.randint(1, 12)}. "
                f"We will show what is new in {t[0]} and {t[1]}.",
            ),
            (f"New: {p}", f"Available now – {w.intro_sentences(2)[1]}"),
            ("Recertification passed", "Our quality management is certified to ISO 9001 again."),
        ]
    parts = [f"<h1>{escape(PAGE_TITLES[w.lang]['news'])}</h1>"]
    for month, (title, text) in zip((3, 7, 11), items[: w.rng.randint(2, 3)], strict=False):
        parts.append(
            f"<h2>{escape(title)}</h2><p><time>{year - 1}-{month:02d}-15</time> {escape(text)}</p>"
        )
    return "\n".join(parts)


def careers_page(w: Writer) -> str:
    t = w.terms(2)
    if w.lang == "de":
        jobs = [
            f"Projektleiter {t[0]} (m/w/d)",
            "Servicetechniker (m/w/d)",
            "Industriekaufmann/-frau (m/w/d)",
            f"Vertriebsingenieur {t[1]} (m/w/d)",
        ]
        lead = (
            "Werden Sie Teil unseres Teams. Wir bieten flexible Arbeitszeiten, Weiterbildung "
            "und ein kollegiales Umfeld."
        )
    else:
        jobs = [
            f"Project manager, {t[0]}",
            "Field service engineer",
            "Office administrator",
            f"Sales engineer, {t[1]}",
        ]
        lead = "Join our team. We offer flexible hours, training and a friendly workplace."
    picked = w.rng.sample(jobs, w.rng.randint(1, 3))
    items = "".join(f"<li>{escape(j)}</li>" for j in picked)
    title = escape(PAGE_TITLES[w.lang]["careers"])
    return f"<h1>{title}</h1>\n<p>{escape(lead)}</p>\n<ul>{items}</ul>"


PRIVACY = {
    "de": (
        "Der Schutz Ihrer persönlichen Daten ist uns ein besonderes Anliegen. Wir verarbeiten Ihre "
        "Daten ausschließlich auf Grundlage der gesetzlichen Bestimmungen (DSGVO, BDSG). "
        "Beim Besuch unserer Website werden automatisch Informationen in Server-Logfiles "
        "gespeichert. Sie haben jederzeit das Recht auf Auskunft, Berichtigung, Löschung und "
        "Einschränkung der Verarbeitung Ihrer Daten sowie ein Beschwerderecht bei der "
        "zuständigen Aufsichtsbehörde."
    ),
    "en": (
        "Protecting your personal data matters to us. We process your data only in accordance "
        "with the applicable data protection law (GDPR). When you visit our website, information "
        "is stored automatically in server log files. You have the right to access, rectify and "
        "erase your data, to restrict processing and to lodge a complaint with a supervisory "
        "authority."
    ),
}


def privacy_page(w: Writer) -> str:
    return f"<h1>{escape(PAGE_TITLES[w.lang]['privacy'])}</h1>\n<p>{escape(PRIVACY[w.lang])}</p>"


def _postal_line(c: Company) -> str:
    if c.country == "GB":
        return f"{c.city} {c.postal_code}"
    if c.country == "US":
        return f"{c.city} {c.postal_code}"
    prefix = {"AT": "A-", "CH": "CH-"}.get(c.country, "") if c.language == "en" else ""
    return f"{prefix}{c.postal_code} {c.city}"


def imprint_page(w: Writer, *, heading_level: int = 1) -> str:
    """The imprint (Impressum) or legal notice with the legal firmographics."""
    c = w.company
    h = f"h{heading_level}"
    h2 = f"h{heading_level + 1}"
    address = f"{escape(c.legal_name)}<br>{escape(c.street)}<br>{escape(_postal_line(c))}"
    managers = ", ".join(c.managers)
    if w.lang == "de":
        law = w.rng.choice(["§ 5 DDG", "§ 5 TMG"])
        role = "den Vorstand" if c.legal_form in ("AG", "SE") else "die Geschäftsführung"
        lines = [
            f"<{h}>Impressum</{h}>",
            f"<p>Angaben gemäß {law}</p>",
            f"<p>{address}</p>",
            f"<p>Vertreten durch {role}: {escape(managers)}</p>",
            f"<{h2}>Kontakt</{h2}><p>Telefon: {escape(c.phone)}<br>E-Mail: {escape(c.email)}</p>",
        ]
        if c.country == "GB":
            lines.append(
                f"<p>Registriert in England und Wales, Company No. {c.register_number}</p>"
            )
        elif c.register_number and w.rng.random() < 0.5:
            lines.append(
                f"<{h2}>Registereintrag</{h2}><p>Eintragung im Handelsregister.<br>"
                f"Registergericht: {escape(c.register_court)}<br>"
                f"Registernummer: {escape(c.register_number)}</p>"
            )
        elif c.register_number:
            lines.append(f"<p>{escape(c.register_court)} {escape(c.register_number)}</p>")
        if c.vat_id and w.rng.random() < 0.5:
            lines.append(
                f"<{h2}>Umsatzsteuer-ID</{h2}><p>Umsatzsteuer-Identifikationsnummer gemäß "
                f"§ 27 a Umsatzsteuergesetz: {escape(c.vat_id)}</p>"
            )
        elif c.vat_id:
            lines.append(f"<p>USt-IdNr.: {escape(c.vat_id)}</p>")
        lines.append(
            f"<p>Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV: {escape(c.managers[0])}</p>"
        )
    else:
        title = "Imprint" if c.home_language == "de" else "Legal notice"
        lines = [
            f"<{h}>{title}</{h}>",
            f"<p>{address}</p>",
            f"<p>{'Managing directors' if len(c.managers) > 1 else 'Managing director'}: "
            f"{escape(managers)}</p>",
            f"<p>Phone: {escape(c.phone)}<br>Email: {escape(c.email)}</p>",
        ]
        if c.country == "GB":
            where = c.register_court.split("(")[-1].rstrip(")")
            lines.append(
                f"<p>Registered in {escape(where)}, company number {c.register_number}. "
                f"Registered office: {escape(c.street)}, {escape(c.city)} "
                f"{escape(c.postal_code)}.</p>"
            )
        elif c.country == "US":
            lines.append(
                f"<p>{escape(c.legal_name)} is incorporated in the {escape(c.register_court)}.</p>"
            )
        elif c.register_number:
            lines.append(
                f"<p>Register court: {escape(c.register_court)}<br>"
                f"Registration number: {escape(c.register_number)}</p>"
            )
        if c.vat_id:
            lines.append(f"<p>VAT ID: {escape(c.vat_id)}</p>")
    return "\n".join(lines)
