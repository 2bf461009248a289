"""Chinese-aware full-text terms: overlapping character bigrams, the same on both engines.

Chinese has no spaces, and the reports' key words are two characters (复议, 预算, 诉讼).
SQLite's FTS5 trigram tokenizer cannot find a two-character word, and PostgreSQL's `pg_trgm`
neither, so the index stores *terms* made here, in Python, identically for SQLite (an FTS5
table whose `unicode61` tokenizer only splits the terms on the spaces put between them) and
PostgreSQL (a `tsvector` built from a literal, so no text-search parser or locale is involved).

Indexing a run of CJK characters `abcd` gives the bigrams `ab bc cd` plus the run's last
character `d` alone, so every character starts some term: a one-character query is a prefix
query (`d*`), and a longer word is the phrase of its bigrams (`行政复议` → `行政 政复 复议`).
Latin letters and digits form words of their own (lower-cased). A query goes through OpenCC
(traditional → simplified) first, because the index holds the records' simplified text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add

from parsers.t2s import to_simplified  # the same conversion the texts had: queries match them

# CJK ideographs (BMP blocks and compatibility), the characters the bigrams are made of.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")
_ALL_CJK = re.compile(rf"[{_CJK}]+")
_QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
MAX_QUERY_TERMS = 64


class QueryError(ValueError):
    """A search query with nothing to search for."""


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False  # match any indexed term starting with `text`


@dataclass(frozen=True)
class Phrase:
    """Terms that must appear consecutively; `words` are the user's, for highlighting."""

    terms: tuple[Term, ...]
    words: tuple[str, ...]


def index_terms(text: str) -> list[str]:
    """The terms of `text`, in order: bigrams and the last character of each CJK run, words."""
    return _terms_and_runs(text, [])


def _terms_and_runs(text: str, runs: list[str]) -> list[str]:
    """`index_terms(text)`, appending its CJK runs to `runs` on the way (`entry_runs` of the
    terms, without reading them again)."""
    terms: list[str] = []
    for token in _TOKEN.findall(text or ""):
        if _IS_CJK.match(token):  # a CJK token is all CJK: a run
            # A run's bigrams pair it with itself shifted by one, in C (a regex match and a
            # Python step per character cost 1.6 times as much: this runs in the crawl process).
            terms += map(add, token, token[1:])
            terms.append(token[-1])
            runs.append(token)
        else:
            terms.append(token.lower())
    return terms


def index_text(text: str) -> str:
    """The terms as one space-separated string (what the FTS5 table holds)."""
    return " ".join(index_terms(text))


def entry_content(title: str | None, text: str | None) -> str:
    """What a document's full-text entry indexes: its title and its text, simplified."""
    return to_simplified(f"{title or ''}\n{text or ''}")


def entry_terms(content: str, *, postgres: bool) -> str:
    """The entry's terms as the engine's table holds them (a tsvector literal on PostgreSQL)."""
    return tsvector_literal(content) if postgres else index_text(content)


# What `report_runs` holds for an entry, on both engines: the length in bytes of its terms as
# one string (`index_text`) and their CJK runs (`entry_runs`); what ranking reads.
Ranking = tuple[int, str]


def entry_ranking(plain_terms: str) -> Ranking:
    """`report_runs`' row for an entry whose terms are `plain_terms` (`index_text`'s form)."""
    return len(plain_terms.encode()), entry_runs(plain_terms)


def entry_index(content: str, *, postgres: bool) -> tuple[str, Ranking]:
    """`entry_terms` and `entry_ranking` of an entry's content, its terms computed once and
    its runs taken from the tokens (spelling them out again from the terms, as `entry_ranking`
    must, cost ~1 ms a report in the extraction workers)."""
    runs: list[str] = []
    terms = _terms_and_runs(content, runs)
    plain = " ".join(terms)
    return (_tsvector_of(terms) if postgres else plain), (len(plain.encode()), " ".join(runs))


def tsvector_literal(text: str, max_position: int = 16383) -> str:
    """A `tsvector` input literal with positions (`'复议':3,9 'ab':1`). PostgreSQL keeps
    positions up to 16383, so a phrase beyond that point of a very long text is not found."""
    return _tsvector_of(index_terms(text), max_position)


def _tsvector_of(terms: list[str], max_position: int = 16383) -> str:
    positions: dict[str, list[int]] = {}
    for pos, term in enumerate(terms, start=1):
        if pos > max_position:
            break
        positions.setdefault(term, []).append(pos)
    return " ".join(f"'{term}':{','.join(map(str, p[:256]))}" for term, p in positions.items())


def parse_query(query: str) -> list[Phrase]:
    """The phrases of a user query, ANDed: each unquoted word and each "quoted phrase". A
    phrase's words must follow each other, with nothing but punctuation or spaces between.

    Everything but letters, digits and CJK characters is a separator, so SQL or FTS syntax
    (`'`, `"`, `*`, `OR`, `NEAR(`) in a query is searched for as text, never interpreted.
    """
    phrases: list[Phrase] = []
    for match in _QUERY_PART.finditer(to_simplified(query or "")):
        part = match.group(1) if match.group(1) is not None else match.group(2)
        part = _CJK_SPACE.sub("", part)  # "本年度 未发生" is the phrase 本年度未发生
        words = tuple(m.group(0) for m in _TOKEN.finditer(part))
        if words:
            phrases.append(Phrase(_query_terms(words), words))
    if not phrases:
        raise QueryError(f"nothing to search for in {query!r}: give a word of letters or digits")
    if sum(len(p.terms) for p in phrases) > MAX_QUERY_TERMS:
        raise QueryError(f"query too long: {query[:40]!r}…")
    return phrases


def _query_terms(words: tuple[str, ...]) -> tuple[Term, ...]:
    """Terms matching `words` as consecutive text. A CJK run followed by another word must end
    there in the text too (so its last character is a term); a final run may continue."""
    terms: list[Term] = []
    for i, word in enumerate(words):
        last = i == len(words) - 1
        if not _IS_CJK.match(word):
            terms.append(Term(word.lower()))
            continue
        terms.extend(Term(word[j : j + 2]) for j in range(len(word) - 1))
        if len(word) == 1:
            terms.append(Term(word, prefix=last))
        elif not last:
            terms.append(Term(word[-1]))
    return tuple(terms)


def fts5_match(phrases: list[Phrase]) -> str:
    """An FTS5 MATCH expression: each phrase quoted, prefix on its last term, ANDed."""
    parts = []
    for phrase in phrases:
        body = " ".join(t.text for t in phrase.terms)
        parts.append(f'"{body}"' + (" *" if phrase.terms[-1].prefix else ""))
    return " AND ".join(parts)


def tsquery_literal(phrases: list[Phrase]) -> str:
    """A `tsquery` input literal: terms of a phrase joined by `<->`, phrases by `&`."""
    parts = []
    for phrase in phrases:
        terms = [f"'{t.text}'" + (":*" if t.prefix else "") for t in phrase.terms]
        parts.append("(" + " <-> ".join(terms) + ")")
    return " & ".join(parts)


def highlight_words(phrases: list[Phrase]) -> list[str]:
    """What to mark in a snippet: every word of the query (simplified), longest first."""
    words = {w for p in phrases for w in p.words}
    return sorted(words, key=len, reverse=True)


# --- ranking a capped set of candidates (storage.query.search) ---------------------------
# Okapi BM25 with the usual constants (FTS5's bm25() uses the same).
BM25_K1, BM25_B = 1.2, 0.75


def phrase_patterns(phrases: list[Phrase]) -> list[str]:
    """What to count, per phrase, in `" " + index_text(...) + " "` to get its frequency: its
    terms between spaces (a prefix term without the space after it). Two occurrences right
    after each other share a space and count once: rare enough in report text to ignore."""
    out = []
    for phrase in phrases:
        body = " ".join(t.text for t in phrase.terms)
        out.append(f" {body}" + ("" if phrase.terms[-1].prefix else " "))
    return out


def phrase_count(terms: bytes, pattern: bytes) -> int:
    """`(b" " + terms + b" ").count(pattern)`: a phrase's frequency in an index entry
    (`pattern` one of phrase_patterns, encoded), without the padded copy of the entry.

    Only an occurrence that takes the padding's first or last space needs the copy: one
    whose rest opens or closes the entry. Every other occurrence lies inside `terms`, where
    the count finds the same occurrences in the same order, so counts them alike (greedy,
    non-overlapping). Copying ~9 KB per candidate cost ~1 ms per search of 500."""
    if len(terms) < len(pattern) or terms.startswith(pattern[1:]) or terms.endswith(pattern[:-1]):
        return (b" " + terms + b" ").count(pattern)
    return terms.count(pattern)


# A run of CJK characters as its entry holds it: bigrams ("ab bc cd ") and its last character.
_ENTRY_RUN = re.compile(rf"(?:(?<= )|^)((?:[{_CJK}]{{2}} )*)([{_CJK}])(?= |$)")


def entry_runs(terms: str) -> str:
    """The CJK runs of an index entry (`index_text`'s output), each spelled out once
    (`ab bc cd d` → `abcd`), separated by spaces; Latin words are left out.

    Ranking counts a one-word CJK phrase (`run_word`) in these instead of the entry: ~2.4
    times fewer bytes to read and search (3 per character against 7), with the same count
    (see `run_count`), and the same on PostgreSQL, whose entries are tsvectors. Made from the
    terms, not the text, so SQLite's migration that stores them for an existing archive reads
    only its entries."""
    return " ".join(m.group(1)[0::3] + m.group(2) for m in _ENTRY_RUN.finditer(terms))


def run_word(phrase: Phrase) -> str | None:
    """The word to count in `entry_runs` for this phrase, when its frequency there equals
    `phrase_count` in the entry: one CJK word of two characters or more (its terms are the
    word's bigrams, no prefix). None for anything else (Latin words, one character, several
    words), which is counted in the entry."""
    if len(phrase.words) != 1 or len(phrase.words[0]) < 2 or phrase.terms[-1].prefix:
        return None
    word = phrase.words[0]
    return word if _ALL_CJK.fullmatch(word) else None


def run_count(runs: bytes, word: bytes) -> int:
    """A `run_word` phrase's frequency, from the entry's runs (UTF-8): `runs.count(word)`.

    The same as `phrase_count` in the entry: an occurrence there is the word's bigrams as
    consecutive terms, which only a run holding the word gives, at the same places; and
    two occurrences overlap in the entry (sharing a term, or the space between two terms)
    exactly when they overlap in the run (starting fewer than len(word) characters apart),
    so the two greedy left-to-right counts take the same occurrences. UTF-8 is
    self-synchronising: a byte match is a character match."""
    return runs.count(word)


def bm25(tfs: list[int], length: int, average: float, idfs: list[float]) -> float:
    """BM25 of one document: term frequency of each phrase, its length in terms, the
    average length, each phrase's inverse document frequency."""
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(average, 1.0))
    return sum(idf * tf * (BM25_K1 + 1) / (tf + norm) for tf, idf in zip(tfs, idfs, strict=True))


def bm25_scores(
    tfs: Sequence[Sequence[int]], lengths: Sequence[int], average: float, idfs: list[float]
) -> list[float]:
    """`bm25` of many documents with the same average length: the same floats, computed
    by the same operations in the same order (constants folded only where the fold is
    exact: `1 - BM25_B`, `BM25_K1 + 1` and `max(average, 1.0)` are the values `bm25` computes
    each time). One call for a search's 500 candidates instead of one each."""
    if len(tfs) != len(lengths):
        raise ValueError("one length per document")
    k1, b, rest, k = BM25_K1, BM25_B, 1 - BM25_B, BM25_K1 + 1
    average = max(average, 1.0)
    if len(idfs) == 1:  # one phrase, the usual query: sum() of one term is 0 + the term
        (idf,) = idfs
        return [
            0 + idf * tf * k / (tf + k1 * (rest + b * length / average))
            for (tf,), length in zip(tfs, lengths, strict=True)
        ]
    out = []
    for row, length in zip(tfs, lengths, strict=True):
        norm = k1 * (rest + b * length / average)
        out.append(sum(idf * tf * k / (tf + norm) for tf, idf in zip(row, idfs, strict=True)))
    return out
