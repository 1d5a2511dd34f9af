"""Text decoding of HTML bodies: charset from header, then meta tag, then detection."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_:.\-]+)", re.IGNORECASE)
# bytes that do not occur in text (C0 controls except tab, LF, FF, CR, ESC)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # WHATWG: pages labelled latin-1/ascii are decoded as windows-1252
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def charset_from_content_type(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def looks_binary(body: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control bytes in the first 4 KiB."""
    head = body[:4096]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(head.count(bytes([c])) for c in _CONTROL)
    return controls > len(head) * 0.05


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode ``body``; returns (text, charset used).

    Order: byte-order mark, HTTP header charset, ``<meta charset>`` (a Latin-1 label on valid
    UTF-8 bytes yields UTF-8), strict UTF-8, then
    charset-normalizer's best guess, finally windows-1252 (never fails: it maps every byte).
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16")):
        if body.startswith(bom):
            return body.decode("utf-8-sig" if name == "utf-8" else name, "replace"), name
    if body.startswith(codecs.BOM_UTF16_BE):
        return body.decode("utf-16", "replace"), "utf-16"
    m = _META_CHARSET.search(body[:4096])
    for label in (header_charset, m.group(1).decode("ascii", "ignore") if m else None):
        codec = _codec(label)
        if codec == "cp1252" and not body.isascii() and _is_utf8(body):
            # servers often default to ISO-8859-1 for UTF-8 pages; valid multi-byte UTF-8
            # is practically never real Latin-1 text
            return body.decode("utf-8"), "utf-8"
        if codec:
            try:
                return body.decode(codec), codec
            except UnicodeDecodeError:
                continue  # a wrong label: fall through to detection
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    codec = _codec(best.encoding) if best is not None else None
    # short Western text is often guessed as a Central European code page: prefer cp1252
    # when it decodes the bytes as well
    if codec is None or codec in ("cp1250", "iso8859-2", "cp1254", "cp1257", "mac-roman"):
        codec = "cp1252"
    return body.decode(codec, "replace"), codec
