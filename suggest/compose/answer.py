"""The short answer a customer reads (deflection and the help center's answer box): the one
composer's thoughts from the best public sources, then a line naming (and linking) the source.

Nothing is invented: the answer is whole thoughts of the sources (``composer``), never a
sentence or a list cut at a character budget.

Example:
    >>> answer = compose_answer(composer, "再設定したい", [source], link="/a/1", language="ja")
    >>> answer.see_more
    '詳しくは「再設定」をご覧ください: /a/1'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kotae.suggest.compose.composer import ANSWER_BOX, Composer, Policy
from kotae.suggest.compose.lines import answer_text, paragraph_lines
from kotae.suggest.compose.pool import Source

_SEE_MORE = {
    "ja": ("詳しくは「{title}」をご覧ください: {link}", "詳しくは「{title}」をご覧ください。"),
    "en": ("For details, see “{title}”: {link}", "For details, see “{title}”."),
}


@dataclass(frozen=True, slots=True)
class ComposedAnswer:
    body: str  # the thoughts taken from the sources
    see_more: str  # the line that names (and links) the best source
    used: tuple[int, ...] = ()  # the sources the body quotes, by index

    @property
    def text(self) -> str:
        return f"{self.body}\n\n{self.see_more}" if self.body else self.see_more


def compose_answer(composer: Composer, question: str, sources: Sequence[Source], *, link: str,
                   language: str, policy: Policy = ANSWER_BOX) -> ComposedAnswer:
    """A short answer to ``question`` from ``sources`` (public, best first), ending with the
    first source's title and ``link``. ``language`` is the customer's ("ja" or "en")."""
    if language not in _SEE_MORE:
        raise ValueError(f"unknown answer language {language!r}; allowed: ja, en")
    if not sources:
        raise ValueError("an answer needs at least one source")
    composition = composer.compose([composer.question(question)], sources, policy)
    lines = paragraph_lines(composition, composition.paragraphs[0], language)
    with_link, without_link = _SEE_MORE[language]
    see_more = (with_link if link else without_link).format(title=sources[0].title, link=link)
    used = tuple(dict.fromkeys(line.source for line in lines))
    return ComposedAnswer(answer_text(lines, language), see_more, used)
