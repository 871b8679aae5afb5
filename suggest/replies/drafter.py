"""The default drafter: a reply composed from the sources' own sentences, in a polite frame.

No LLM: the answer part is made of the best supporting sentences of the retrieved articles and
of similar resolved tickets' replies (see ``compose``), so every answer sentence is cited and
grounded by construction. When kotae is not confident it asks a clarifying question instead,
with the candidate articles as the options, or says the case will be looked into.

Example:
    >>> drafter = GroundedDrafter(JapaneseTokenizer())
    >>> draft = drafter.draft(DraftRequest(ticket, "ja", DraftMode.ANSWER, sources))
    >>> print(draft.text)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose.select import (
    MIN_RELEVANCE,
    Source,
    arrange,
    build_pool,
    rank_sources,
    score_sentences,
    select_sentences,
)
from kotae.suggest.replies import frame
from kotae.suggest.replies.citations import CitationSet
from kotae.suggest.replies.render import assemble
from kotae.suggest.replies.types import Draft, DraftMode, DraftSentence, Part, TicketIn
from kotae.suggest.text import overlap

_CODE = re.compile(r"\b[A-Z]{2,5}-\d{3,5}\b")  # error codes such as MRI-9000
POINTER_MIN_SCORE = 0.5  # a source in another language is pointed to only when it matched well


@dataclass(frozen=True)
class DraftRequest:
    """What a drafter gets: the ticket, the mode the service chose, sources best first."""

    ticket: TicketIn
    language: str
    mode: DraftMode
    sources: list[Source]
    sentiment: str = "neutral"
    options: list[Source] = field(default_factory=list)  # candidates to ask about (CLARIFY)


class Drafter(Protocol):
    name: str

    def draft(self, request: DraftRequest) -> Draft: ...


class GroundedDrafter:
    """Composes replies from source sentences; see the module docstring.

    Example:
        >>> draft = GroundedDrafter(JapaneseTokenizer()).draft(request)
        >>> [s.citations for s in draft.answer_sentences]
        [['S1'], ['S1'], ['S2']]
    """

    name = "grounded"

    def __init__(self, tokenizer: Tokenizer, max_sentences: int = 5, max_options: int = 3) -> None:
        if max_sentences < 1 or max_options < 2:
            raise ValueError(f"max_sentences must be ≥ 1 and max_options ≥ 2, got "
                             f"{max_sentences} and {max_options}")
        self.tokenizer = tokenizer
        self.max_sentences = max_sentences
        self.max_options = max_options

    def draft(self, request: DraftRequest) -> Draft:
        cites = CitationSet(request.sources + request.options)
        mode = request.mode
        answer: list[DraftSentence] = []
        if mode is DraftMode.ANSWER:
            answer = self.answer_sentences(request, cites)
            if not answer:
                mode = DraftMode.CLARIFY if len(request.options) >= 2 else DraftMode.INVESTIGATE
        if mode is DraftMode.CLARIFY:
            answer = self._clarify(request, cites)
            if not answer:
                mode = DraftMode.INVESTIGATE
        if mode is DraftMode.INVESTIGATE:
            answer = [DraftSentence(s, Part.ANSWER) for s in frame.investigation(request.language)]
        return assemble(request.ticket.subject, request.language, request.sentiment, mode, answer,
                        cites.citations(), self.name)

    def answer_sentences(self, request: DraftRequest, cites: CitationSet) -> list[DraftSentence]:
        """Cited answer sentences from the sources in the customer's language (or a pointer to
        the best source in another language)."""
        same = [s if s.language == request.language else _muted(s) for s in request.sources]
        codes = set(_CODE.findall(request.ticket.text.upper()))

        def keep(src: Source, text: str) -> bool:
            # A ticket about MRI-9000 is not answered with the row for MRI-2010.
            other_codes = set(_CODE.findall(text.upper()))
            return _quotable(src, text) and not (codes and other_codes and not codes & other_codes)

        pool = build_pool(same, self.tokenizer, keep)
        terms = set(self.tokenizer.tokens(request.ticket.text))
        ranks = rank_sources(terms, same, self.tokenizer)
        picked = select_sentences(score_sentences(terms, pool, same), pool, ranks,
                                  self.max_sentences)
        out: list[DraftSentence] = []
        for group in arrange(picked):
            for s in group:
                label = cites.cite(s.source, s.sentence)
                out.append(DraftSentence(s.sentence.text, Part.ANSWER, [label],
                                         step=s.sentence.step,
                                         bullet=s.sentence.bullet or s.sentence.row))
        if not out:
            for i, src in enumerate(request.sources):
                if src.language != request.language and src.score >= POINTER_MIN_SCORE:
                    label = cites.cite(i)
                    text = frame.pointer(request.language, src.title, src.url)
                    return [DraftSentence(text, Part.ANSWER, [label], reference=True)]
        return out

    def _clarify(self, request: DraftRequest, cites: CitationSet) -> list[DraftSentence]:
        """A question whose options are the distinct candidates that share some of the
        ticket's words (an off-topic ticket gets none, so no question)."""
        offset = len(request.sources)
        terms = set(self.tokenizer.tokens(request.ticket.text))
        pool = build_pool(request.options, self.tokenizer, _quotable)
        best: dict[int, float] = {}
        for s in score_sentences(terms, pool, request.options):
            best[s.source] = max(best.get(s.source, 0.0), s.score)
        chosen: list[tuple[int, str]] = []
        seen_terms: list[set[str]] = []
        for i, src in enumerate(request.options):
            label = src.title.strip()
            option_terms = set(self.tokenizer.tokens(label))
            if (not label or best.get(i, 0.0) < MIN_RELEVANCE
                    or any(overlap(option_terms, t) >= 0.5 for t in seen_terms)):
                continue  # unrelated, or too like an option already offered
            chosen.append((offset + i, label))
            seen_terms.append(option_terms)
            if len(chosen) == self.max_options:
                break
        if len(chosen) < 2:
            return []
        out = [DraftSentence(frame.clarifying_question(request.language), Part.ANSWER)]
        for source, label in chosen:
            out.append(DraftSentence(label, Part.ANSWER, [cites.cite(source)], bullet=True,
                                     reference=True))
        return out


def _quotable(src: Source, text: str) -> bool:
    """Sentences about the page itself, and greetings and one customer's details in past
    replies, are not quoted."""
    if frame.is_about_the_page(text):
        return False
    if src.kind != "ticket":
        return True
    return not (frame.is_boilerplate(text) or frame.is_case_specific(text))


def _muted(src: Source) -> Source:
    """A source in another language: kept in place (labels stay stable) but with no text."""
    return Source(src.doc_id, src.kind, src.title, src.url, "", src.language, src.score)
