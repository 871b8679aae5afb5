"""Is a sentence supported by its source? Word overlap plus every number must match.

Used to check an LLM's sentences against the sources they cite, and by the benchmark to
measure groundedness of any drafter. A sentence is supported when at least ``min_share`` of
its content words occur in the source and each number in it (amounts, limits, durations)
occurs there too: "the link is valid for 15 minutes" is not supported by "30 minutes".

Example:
    >>> support("リンクは30分間有効です。", "再設定リンクの有効期限は30分間です。", tokenizer)
    1.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.text import normalise

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_SHARE = 0.6


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(normalise(text))}


def support(sentence: str, source: str, tokenizer: Tokenizer) -> float:
    """Share of the sentence's content words found in ``source`` (0 when a number in the
    sentence is not in the source; 1 for a sentence with no content words)."""
    if not numbers(sentence) <= numbers(source):
        return 0.0
    terms = set(tokenizer.tokens(sentence))
    if not terms:
        return 1.0
    return len(terms & set(tokenizer.tokens(source))) / len(terms)


def is_supported(sentence: str, sources: Sequence[str], tokenizer: Tokenizer,
                 min_share: float = MIN_SHARE) -> bool:
    """Whether any of ``sources`` supports ``sentence``."""
    return any(support(sentence, s, tokenizer) >= min_share for s in sources)
