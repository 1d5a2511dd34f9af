"""Imprint (Impressum) parsing: legal name and form, address, register, VAT id.

Built for German imprints; Austrian and Swiss postal codes, register numbers (FN, CHE UID) and
VAT ids, and common foreign legal forms (Ltd, LLC, Inc., plc, S.A., B.V. ...) are read too.

Works on plain text with one logical line per line (address blocks, ``<br>`` lines). Returns
only the fields it found; an empty dict means "no imprint data", never a guess.
"""

from __future__ import annotations

import re

# longest first, so "GmbH & Co. KG" wins over "GmbH" and "KG"
LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("GmbH & Co. KGaA", r"GmbH\s*&\s*Co\.?\s*KGaA"),
    ("GmbH & Co. KG", r"GmbH\s*&\s*Co\.?\s*KG"),
    ("AG & Co. KG", r"AG\s*&\s*Co\.?\s*KG"),
    ("SE & Co. KG", r"SE\s*&\s*Co\.?\s*KG"),
    ("UG (haftungsbeschränkt) & Co. KG", r"UG\s*\(haftungsbeschr(?:ä|ae|a)nkt\)\s*&\s*Co\.?\s*KG"),
    ("UG (haftungsbeschränkt)", r"UG\s*\(haftungsbeschr(?:ä|ae|a)nkt\)"),
    ("gGmbH", r"gGmbH"),
    ("GmbH", r"GmbH|Gesellschaft mit beschränkter Haftung"),
    ("KGaA", r"KGaA"),
    ("AG", r"AG|Aktiengesellschaft"),
    ("SE", r"SE"),
    ("OHG", r"OHG|oHG"),
    ("KG", r"KG|Kommanditgesellschaft"),
    ("PartG mbB", r"PartG\s*mbB"),
    ("PartG", r"PartG"),
    ("GbR", r"GbR"),
    ("e.K.", r"e\.\s?K(?:fm|fr)?\.?"),
    ("e.V.", r"e\.\s?V\."),
    ("eG", r"eG"),
    ("UG", r"UG"),
    # other countries' forms, so English and European sites get a legal name too
    ("GesmbH", r"Ges\.?\s?m\.?\s?b\.?\s?H\.?"),
    ("plc", r"[Pp][Ll][Cc]"),
    ("LLP", r"LLP"),
    ("LLC", r"L\.?L\.?C\.?"),
    ("Ltd", r"Ltd\.?|Limited"),
    ("Inc.", r"Inc\.?|Incorporated"),
    ("Corp.", r"Corp\.?|Corporation"),
    ("S.A.", r"S\.A\.|SA"),
    ("B.V.", r"B\.\s?V\.?|BV"),
    ("N.V.", r"N\.\s?V\.?|NV"),
    ("S.r.l.", r"S\.r\.l\.?|Srl"),
    ("S.p.A.", r"S\.p\.A\.?|SpA"),
    ("SAS", r"S\.A\.S\.?|SAS"),
)  # fmt: skip
_FORM_RES = [(name, re.compile(rf"(?<![\w&]){pat}(?![\w])")) for name, pat in LEGAL_FORMS]
_VAT = re.compile(r"\bDE\s?(\d{3})\s?(\d{3})\s?(\d{3})\b")
# Austria (ATU + 8 digits), Switzerland (CHE UID + MWST/TVA/IVA), United Kingdom (GB + 9)
_VAT_OTHER = re.compile(
    r"\b(ATU\s?\d{8}|CHE-?\d{3}\.?\d{3}\.?\d{3}\s?(?:MWST|TVA|IVA)|GB\s?\d{3}\s?\d{4}\s?\d{2})\b"
)
_REGISTER = re.compile(r"\b(HRB|HRA)\s*(?:Nr\.?|-)?\s*:?\s*(\d{1,7})(\s?[A-Z]{1,2}\b)?")
_REGISTER_OTHER = re.compile(r"\b(FN\s?\d{1,6}\s?[a-z]|CHE-\d{3}\.\d{3}\.\d{3})\b")
_COURT = re.compile(
    r"(?:Amtsgericht|Registergericht|Handelsregister(?:\s+des\s+Amtsgerichts?)?|AG)\s*:?\s*"
    r"(?:Amtsgericht\s+)?([A-ZÄÖÜ][A-Za-zÄÖÜäöüß.\-]+(?:\s(?:am|an der|im|i\.)\s?[A-ZÄÖÜ]"
    r"[A-Za-zÄÖÜäöüß.\-]+|\s\([A-Za-zÄÖÜäöüß. ]+\))?)"
)
_CITY = (
    r"[A-ZÄÖÜ][A-Za-zÄÖÜäöüß\-]+"
    r"(?:/[A-ZÄÖÜ][a-zäöüß]+|\s(?:am|an der|im|in der|bei|ob der|vor der)\s[A-ZÄÖÜ][a-zäöüß\-]+"
    r"|\s?\([A-Za-zäöüß. ]+\)|\si\.\s?[A-Z][a-z]*\.?)?"
)
# German five-digit codes; Austrian and Swiss four-digit ones (the address check below keeps
# years and other numbers out)
_POSTAL = re.compile(rf"(?:^|[\s,])(?:(?:D|A|CH)\s?-\s?)?(\d{{5}}|[1-9]\d{{3}})\s+({_CITY})")
_STREET = re.compile(
    r"([A-ZÄÖÜ][A-Za-zÄÖÜäöüß.\- ]{1,60}?\s?\d{1,4}\s?[a-zA-Z]?"
    r"(?:\s?[-–/]\s?\d{1,4}[a-zA-Z]?)?)\s*$"
)
_STREET_WORDS = re.compile(
    r"(stra(ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|"
    r"hof|park|berg|feld|graben|kai|tor|wall|zeile|promenade|postfach)",
    re.I,
)
_NOT_NAME = re.compile(
    r"(amtsgericht|registergericht|handelsregister|hrb|hra|sitz|ust|umsatzsteuer|"
    r"geschäftsführ|vertreten|vorstand|telefon|tel\.|fax|e-mail|mail:|www\.|http|§|"
    r"angaben gemäß|verantwortlich|aufsichtsrat|persönlich haftend|komplementär)",
    re.I,
)
_COURT_STOP = frozenset({"Amtsgericht", "Registergericht", "Handelsregister", "Registernummer"})


def _lines(text: str) -> list[str]:
    out = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = " ".join(raw.replace("\u00a0", " ").split())
        if line:
            out.append(line)
    return out


def _legal_form(line: str) -> tuple[str, re.Match[str]] | None:
    for name, rx in _FORM_RES:
        m = rx.search(line)
        if m:
            return name, m
    return None


def _name_and_form(lines: list[str]) -> dict[str, str]:
    for line in lines[:80]:
        found = _legal_form(line)
        if found is None:
            continue
        name, m = found
        # the name runs from the last clause boundary before the legal form to its end
        head = line[: m.start()]
        cut = max(head.rfind(". "), head.rfind(": "), head.rfind(", "), head.rfind("|"))
        legal_name = line[cut + 1 if cut >= 0 else 0 : m.end()].strip(" ,;:-–|")
        if not legal_name or len(legal_name) > 100 or _NOT_NAME.search(legal_name):
            continue
        if len(legal_name) <= len(m.group(0)) + 1:
            continue  # a bare "GmbH" or "AG" without a name before it
        return {"legal_name": legal_name, "legal_form": name}
    return {}


def _address(lines: list[str]) -> dict[str, str]:
    for i, line in enumerate(lines[:120]):
        m = _POSTAL.search(line)
        if not m:
            continue
        before = line[: m.start()].strip(" ,;")
        street = None
        if before and _STREET.search(before):
            street = _STREET.search(before).group(1)  # type: ignore[union-attr]
        elif i > 0:
            prev = _STREET.search(lines[i - 1])
            if prev and (_STREET_WORDS.search(lines[i - 1]) or len(lines[i - 1]) < 50):
                street = prev.group(1)
        if street is None and not _STREET_WORDS.search(" ".join(lines[max(0, i - 1) : i + 1])):
            continue  # a five-digit number that is not a postal address
        out = {"postal_code": m.group(1), "city": m.group(2).strip(" ,.-")}
        if street:
            out["street"] = street.strip(" ,")
        return out
    return {}


def _register(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    m = _REGISTER.search(text)
    if m is None:
        other = _REGISTER_OTHER.search(text)
        if other:
            out["register_number"] = " ".join(other.group(1).split())
    if m:
        suffix = (m.group(3) or "").strip()
        out["register_number"] = f"{m.group(1)} {m.group(2)}" + (f" {suffix}" if suffix else "")
        window = text[max(0, m.start() - 160) : m.end() + 160]
        courts = [c for c in _COURT.finditer(window) if c.group(1) not in _COURT_STOP]
        if courts:
            # the court mention nearest to the number
            best = min(courts, key=lambda c: abs(c.start() - (m.start() - max(0, m.start() - 160))))
            out["register_court"] = f"Amtsgericht {best.group(1).rstrip('.,')}"
    return out


def parse_imprint(text: str) -> dict[str, str]:
    """Firmographics from imprint text: legal_name, legal_form, street, postal_code, city,
    register_court, register_number (``HRB 12345``) and vat_id (``DE123456789``)."""
    lines = _lines(text or "")
    if not lines:
        return {}
    joined = "\n".join(lines)
    out: dict[str, str] = {}
    out.update(_name_and_form(lines))
    out.update(_address(lines))
    out.update(_register(joined))
    vat = _VAT.search(joined)
    if vat:
        out["vat_id"] = "DE" + "".join(vat.groups())
    elif vat_other := _VAT_OTHER.search(joined):
        raw = vat_other.group(1)
        if raw.startswith("CHE"):
            d = re.sub(r"\D", "", raw)
            out["vat_id"] = (
                f"CHE-{d[:3]}.{d[3:6]}.{d[6:]} {raw.split()[-1][-4:].strip('0123456789.')}"
            )
        else:
            out["vat_id"] = re.sub(r"\s", "", raw)
    return out
