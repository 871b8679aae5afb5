"""The short answer of a deflection: a few sentences of the best public source, and its link.

Nothing is invented: the answer is sentences copied from the source (Markdown removed), chosen
around the sentence that shares most words with the question, then a link to the source.

Example:
    >>> answer = compose_answer("ログイン画面から再設定できます。", title="再設定", link="/a/1",
    ...                         question_terms=set(), terms_of=lambda s: [], language="ja")
    >>> answer.text
    'ログイン画面から再設定できます。\\n\\n詳しくは「再設定」をご覧ください: /a/1'
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from kotae.suggest.text import SourceSentence, source_sentences

MAX_ANSWER_CHARS = 200

_SEE_MORE = {
    "ja": ("詳しくは「{title}」をご覧ください: {link}", "詳しくは「{title}」をご覧ください。"),
    "en": ("For details, see “{title}”: {link}", "For details, see “{title}”."),
}


@dataclass(frozen=True, slots=True)
class Source:
    """A public article or FAQ entry an answer was taken from (or that relates to it)."""

    doc_id: str
    title: str
    url: str  # where the customer can read it
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class ComposedAnswer:
    body: str  # the sentences taken from the source
    see_more: str  # the line that names (and links) the source

    @property
    def text(self) -> str:
        return f"{self.body}\n\n{self.see_more}" if self.body else self.see_more


def _joined(sentences: list[SourceSentence], language: str) -> str:
    parts: list[str] = []
    for s in sentences:
        if s.step is not None and not s.continues:
            parts.append(f"\n{s.step}. {s.text}")
        elif s.bullet and not s.continues:
            parts.append(f"\n・{s.text}" if language == "ja" else f"\n- {s.text}")
        else:
            parts.append(s.text if language == "ja" or not parts else f" {s.text}")
    return "".join(parts).strip()


def _is_label(s: SourceSentence) -> bool:
    """A short line that only names what follows (「注意」, "Note")."""
    return len(s.text) < 6 and not s.text.endswith(("。", ".", "!", "?", "！", "？"))


def _list_start(sentences: list[SourceSentence], i: int) -> int:
    """The first sentence of the numbered list that sentence ``i`` is a step of."""
    if sentences[i].step is None:
        return i
    while i > 0 and sentences[i - 1].step is not None and \
            (sentences[i - 1].step or 0) <= (sentences[i].step or 0):
        i -= 1
    return i


def pick_sentences(text: str, question_terms: Collection[str],
                   terms_of: Callable[[str], list[str]], from_start: bool = False,
                   max_chars: int = MAX_ANSWER_CHARS) -> list[SourceSentence]:
    """The sentences of ``text`` that make the answer, in their order.

    The run starts at the sentence sharing most terms with the question (at the first step
    when that sentence is a step of a numbered list; at the first sentence with
    ``from_start``, for FAQ answers, which lead with the answer) and takes the following
    sentences while they fit in ``max_chars`` (always at least one).
    """
    sentences = [s for s in source_sentences(text) if not _is_label(s)]
    if not sentences:
        return []
    start = 0
    if not from_start and question_terms:
        wanted = set(question_terms)
        scores = [len(wanted & set(terms_of(s.text))) for s in sentences]
        start = _list_start(sentences, scores.index(max(scores)))
    picked = [sentences[start]]
    used = len(sentences[start].text)
    for s in sentences[start + 1:]:
        used += len(s.text)
        if used > max_chars:
            break
        picked.append(s)
    return picked


def compose_answer(text: str, *, title: str, link: str, question_terms: Collection[str],
                   terms_of: Callable[[str], list[str]], language: str,
                   from_start: bool = False, max_chars: int = MAX_ANSWER_CHARS
                   ) -> ComposedAnswer:
    """A short answer from ``text`` (a public source's chunk), ending with its link.

    ``language`` is the customer's ("ja" or "en") and only sets the wording of the link line.
    """
    if language not in _SEE_MORE:
        raise ValueError(f"unknown answer language {language!r}; allowed: ja, en")
    picked = pick_sentences(text, question_terms, terms_of, from_start, max_chars)
    body = _joined(picked, language) if picked else text.strip()[:max_chars]
    with_link, without_link = _SEE_MORE[language]
    return ComposedAnswer(body, (with_link if link else without_link).format(title=title,
                                                                              link=link))
