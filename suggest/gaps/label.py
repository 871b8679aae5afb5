"""Readable labels for gaps: the content words that set a group apart, and its best question.

Terms are scored class-TF-IDF style: how many of the group's questions use a term, times how
rare the term is among all unanswered questions, so 「請求書」 (in every question) does not
name a group but 「角印」 does.

Example:
    >>> terms = distinctive_terms(group_terms, all_terms, k=3)
    >>> label_for(terms, "角印を入れたい")
    '角印・印影・画像'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

MAX_LABEL_CHARS = 40
# Digits and symbols, single letters, and words ending in hiragana: verbs and adjectives
# (書く, 入れる, もう), which describe no topic.
_NOISE = re.compile(r"^[\d\W_]+$|^[a-z]$|[\u3041-\u309f]$")
# English function words the tokeniser keeps (its own stop list covers the commonest).
_ENGLISH_STOP = frozenset((
    "about", "after", "again", "all", "also", "am", "any", "been", "before", "being", "but",
    "could", "did", "didn't", "don't", "get", "got", "had", "here", "i'd", "i'm", "if", "into",
    "is", "it's", "just", "like", "make", "more", "much", "need", "no", "not", "now", "off",
    "one", "only", "out", "over", "should", "so", "some", "still", "than", "them", "then",
    "there", "these", "they", "think", "want", "want to", "way", "were", "when", "where",
    "which", "who", "why", "will", "would", "yet"))


def is_label_term(term: str) -> bool:
    """A word that can name a topic (not a number, a verb ending in kana, or a function word).

    >>> is_label_term("角印"), is_label_term("入れる"), is_label_term("would")
    (True, False, False)
    """
    return not _NOISE.search(term) and term not in _ENGLISH_STOP


def distinctive_terms(group: Sequence[set[str]], everyone: Sequence[set[str]],
                      k: int = 3) -> list[str]:
    """The ``k`` terms used by most questions of ``group`` and fewest of ``everyone``.

    In a group of three or more questions a term must appear in at least two of them.

    >>> group = [{"角印", "請求書"}, {"角印", "画像"}]
    >>> distinctive_terms(group, [*group, {"請求書"}, {"請求書", "送付"}], k=2)
    ['角印', '画像']
    """
    n = len(everyone)
    df = Counter(t for terms in everyone for t in terms)
    tf = Counter(t for terms in group for t in terms if is_label_term(t))
    need = 2 if len(group) >= 3 else 1
    scored = [(count * math.log((1 + n) / (1 + df[t])), count, t) for t, count in tf.items()
              if count >= need]
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
    return [t for _s, _c, t in scored[:k]]


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with 「…」.

    >>> shorten("a" * 50, 10)
    'aaaaaaaaa…'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def surfaces(spans: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Term → how the questions most often spell it, from (term, surface) pairs: Sudachi's
    normalised forms are good for counting but not for reading ("English" → イングリッシュ).

    >>> surfaces([("usd", "USD"), ("usd", "usd"), ("usd", "USD")])
    {'usd': 'USD'}
    """
    counts: dict[str, Counter[str]] = {}
    for term, text in spans:
        counts.setdefault(term, Counter())[text] += 1
    return {term: c.most_common(1)[0][0] for term, c in counts.items()}


def label_for(terms: Sequence[str], central_question: str,
              spelled: dict[str, str] | None = None) -> str:
    """Two or more distinctive terms joined by 「・」, else the central question shortened."""
    if len(terms) >= 2:
        return "・".join((spelled or {}).get(t, t) for t in terms)
    return shorten(central_question.splitlines()[0] if central_question else "")


def representatives(texts: Sequence[str], k: int = 5) -> list[str]:
    """Up to ``k`` distinct questions (first line of each), in the order given (central first).

    >>> representatives(["USDで請求したい\\n本文", "usdで請求したい", "ドル建ては？"], k=2)
    ['USDで請求したい', 'ドル建ては？']
    """
    out, seen = [], set()
    for text in texts:
        line = shorten(text.splitlines()[0] if text else "", 120)
        key = line.casefold()
        if line and key not in seen:
            seen.add(key)
            out.append(line)
        if len(out) == k:
            break
    return out
