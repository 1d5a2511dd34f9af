"""Term extraction for German and English web text with spaCy (no model downloads).

A term is a lemma (lower case) or a phrase of 2 to 3 consecutive lemmas that does not cross a
stop word, punctuation or a dropped token. Numbers, e-mail addresses, URLs, one-letter tokens
and web boilerplate (:mod:`scoring.stoplists`) are dropped.

Pipelines are ``spacy.blank(lang)`` with the ``lemmatizer`` pipe in ``lookup`` mode; its table
comes from the installed ``spacy-lookups-data`` package, so nothing is downloaded. Each pipeline
is built once per process (:func:`get_pipeline` is cached) and texts are batched with
``nlp.pipe``.

German compounds: a compound such as *Antriebstechnik* is kept as a term of its own (it is the
most specific signal) and, when it splits into known words, its parts are added too (*antrieb*,
*technik*), so it also matches a site that only says *Antriebe*. A split is accepted only when
the head (the last part) is a known lemma of at least 3 letters and the modifier, after removing
a linking element (-s-, -es-, -n-, -en-, -e-, -er-), is a known lemma of at least 4 letters or
splits again. Known lemmas are the lemmas of spaCy's German lookup table. Hyphenated words
(*Maschinenbau-Unternehmen*) are treated the same way, split at the hyphen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scoring.errors import ScoringInputError
from scoring.stoplists import boilerplate_terms, is_date_word, selector_names

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")
_LINKING = ("es", "en", "er", "s", "n", "e")
_WORD = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")


@dataclass(frozen=True)
class TermConfig:
    """How terms are extracted."""

    max_ngram: int = 3  # phrases of 2..max_ngram lemmas; 1 turns phrases off
    min_length: int = 2  # shorter tokens are dropped
    decompound: bool = True  # add the parts of German compounds
    batch_size: int = 128  # texts per nlp.pipe batch
    max_chars: int = 200_000  # longer texts are cut (guards the tokenizer's memory)


@lru_cache(maxsize=4)
def get_pipeline(language: str) -> Any:
    """The blank spaCy pipeline with the lookup lemmatizer for ``language``, built once."""
    if language not in SUPPORTED_LANGUAGES:
        raise ScoringInputError(
            f"language {language!r} is not supported for term extraction "
            f"(supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    import spacy

    nlp = spacy.blank(language)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup table from spacy-lookups-data (installed, no download)
    log.debug("built spaCy pipeline for %s", language)
    return nlp


@lru_cache(maxsize=4)
def _lemma_table(language: str) -> dict[str, str]:
    table = get_pipeline(language).get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return {str(k).lower(): str(v).lower() for k, v in table.items() if isinstance(v, str)}


@lru_cache(maxsize=4)
def _known_lemmas(language: str) -> frozenset[str]:
    return frozenset(_lemma_table(language).values())


def _lemma_of(word: str, language: str) -> str:
    return _lemma_table(language).get(word, word)


def _split_compound(word: str, known: frozenset[str], depth: int = 0) -> list[str] | None:
    """Parts of a German compound (longest known head first), or None when it does not split."""
    if depth > 3 or len(word) < 7:
        return None
    for i in range(4, len(word) - 2):
        head = word[i:]
        if head not in known:
            continue
        modifier = word[:i]
        candidates = [modifier] + [modifier[: -len(s)] for s in _LINKING if modifier.endswith(s)]
        for mod in candidates:
            if len(mod) < 4:
                continue
            if mod in known:
                return [mod, head]
            inner = _split_compound(mod, known, depth + 1)
            if inner:
                return [*inner, head]
    return None


@lru_cache(maxsize=200_000)
def compound_parts(word: str, language: str) -> tuple[str, ...]:
    """The lemmatised parts of a compound (empty when ``word`` is not a compound)."""
    if "-" in word:
        pieces = [p for p in word.split("-") if len(p) >= 2]
        return tuple(_lemma_of(p, language) for p in pieces) if len(pieces) > 1 else ()
    if language != "de":
        return ()
    parts = _split_compound(word, _known_lemmas(language))
    if not parts:
        return ()
    return tuple(_lemma_of(p, language) for p in parts)


_SENTENCE_END = frozenset(".!?;:")
SELECTOR_RUN = 3  # this many country or language names listed in a row are a selector


def _selector_tokens(doc: Any) -> set[int]:
    """Indices of the tokens of country or language selectors: lists of :data:`SELECTOR_RUN` or
    more country or language names (language switchers, country pickers).

    The text splits into items at symbols, commas and line breaks ("Deutsch | English |
    Français", "United Kingdom, United States, Germany", one name per line; several separators
    in a row count as one). Consecutive items made only of name words form a list; a sentence
    end or an item with other words ends it. Inside one item, a run of name words with
    :data:`SELECTOR_RUN` one-word names counts too ("english deutsch united kingdom
    français": lists whose separators were lost).
    A name in a sentence ("English courses", "Branches in Hong Kong, Sri Lanka.") is not a
    selector.
    """
    names = selector_names()
    out: set[int] = set()
    listed: list[int] = []  # tokens of the current list of name-only items
    n_listed = 0  # ... and how many items (names) it has
    item: list[int] = []  # tokens of the current item

    def end_list() -> None:
        nonlocal listed, n_listed
        if n_listed >= SELECTOR_RUN:
            out.update(listed)
        listed, n_listed = [], 0

    def close_item() -> None:
        nonlocal n_listed
        if not item:
            return
        lowers = [doc[i].lower_ for i in item]
        if all(w in names.words for w in lowers):
            listed.extend(item)
            n_listed += 1
        else:
            end_list()
            run: list[int] = []
            singles = 0  # one-word names in the run
            for i, w in zip([*item, -1], [*lowers, ""], strict=True):
                if w in names.words:
                    run.append(i)
                    singles += w in names.single
                    continue
                if singles >= SELECTOR_RUN:
                    out.update(run)
                run, singles = [], 0
        item.clear()

    for tok in doc:
        if tok.is_alpha or _WORD.match(tok.text):
            item.append(tok.i)
            continue
        close_item()  # a separator: symbol, comma, line break, number
        if tok.text in _SENTENCE_END:
            end_list()
    close_item()
    end_list()
    return out


def _doc_terms(doc: Any, language: str, stop: frozenset[str], config: TermConfig) -> list[str]:
    boiler = boilerplate_terms(language)
    selectors = _selector_tokens(doc)
    table = _lemma_table(language)
    terms: list[str] = []
    run: list[str] = []

    def flush() -> None:
        for n in range(2, config.max_ngram + 1):
            for i in range(len(run) - n + 1):
                terms.append(" ".join(run[i : i + n]))
        run.clear()

    for tok in doc:
        text = tok.text
        lower = text.lower()
        if (
            tok.is_punct
            or tok.is_space
            or tok.like_num
            or tok.like_email
            or tok.like_url
            or tok.is_stop
            or lower in stop
            or len(text) < config.min_length
            or not _WORD.match(text)
            or is_date_word(lower, language)
            or tok.i in selectors
        ):
            flush()
            continue
        lemma = tok.lemma_.lower() if tok.lemma_ else lower
        if lemma == lower:  # the table is case sensitive; try the lower-case form too
            lemma = table.get(lower, lower)
        lemma = lemma.replace("’", "'")
        if lemma in stop or lemma in boiler or lower in boiler or len(lemma) < config.min_length:
            flush()
            continue
        terms.append(lemma)
        run.append(lemma)
        if config.decompound:
            for part in compound_parts(lemma, language):
                if (
                    part not in stop
                    and part not in boiler
                    and len(part) >= config.min_length
                    and not is_date_word(part, language)
                ):
                    terms.append(part)
    flush()
    return terms


def extract_terms(
    texts: Iterable[str], language: str, *, config: TermConfig | None = None
) -> list[list[str]]:
    """Terms (lemmas and 2..3-word phrases) of each text, in order; one list per text.

    Raises :class:`ScoringInputError` for a language other than German or English.
    """
    config = config or TermConfig()
    nlp = get_pipeline(language)
    stop = frozenset(w.lower() for w in nlp.Defaults.stop_words)
    cut = (t[: config.max_chars] if t else "" for t in texts)
    return [
        _doc_terms(doc, language, stop, config)
        for doc in nlp.pipe(cut, batch_size=config.batch_size)
    ]
