"""Customer sentiment from weighted cues (Japanese and English) in the rules file.

The score is ``s / (1 + |s|)`` of the summed cue weights (positive minus negative), so one
ordinary complaint word gives -0.5 and a second, or one strong word, passes the angry line.

Example:
    >>> lexicon = SentimentLexicon(negative={"ふざけ": 2.0}, positive={"助かりました": 1.0})
    >>> score_sentiment("ふざけないでください", lexicon).label
    'angry'
"""

from __future__ import annotations

from kotae.suggest.replies.rules import SentimentLexicon
from kotae.suggest.replies.types import Sentiment
from kotae.suggest.text import normalise

_EXCLAIM = ("!!", "!?", "?!")  # NFKC folds ！ into !
INTENSIFIER = 1.5


def score_sentiment(text: str, lexicon: SentimentLexicon) -> Sentiment:
    """Sentiment of ``text``: label (positive, neutral, negative, angry), score and cues."""
    folded = normalise(text)
    negative = [cue for cue in lexicon.negative if cue in folded]
    positive = [cue for cue in lexicon.positive if cue in folded]
    neg = sum(lexicon.negative[c] for c in negative)
    pos = sum(lexicon.positive[c] for c in positive)
    if neg and any(mark in folded for mark in _EXCLAIM):
        neg *= INTENSIFIER
    total = pos - neg
    score = total / (1.0 + abs(total))
    if score <= lexicon.angry_at:
        label = "angry"
    elif score <= -0.3:
        label = "negative"
    elif score >= 0.3:
        label = "positive"
    else:
        label = "neutral"
    return Sentiment(label=label, score=round(score, 4), cues=tuple(negative + positive))
