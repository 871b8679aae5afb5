"""The default drafter: a reply composed from the sources' own sentences, in a polite frame.

No LLM: the answer part is the one composer's (``compose``) whole thoughts from the retrieved
articles (and from similar resolved tickets' replies where no article answers), a paragraph
per question of the ticket, so every answer sentence is cited and grounded by construction; a
question no source answers is named as open (it will be checked). The customer is addressed by
the name the ticket gives. When no article is sure but close resolved tickets exist, the answer
comes from their replies alone (``suggest_reply``); when those do not answer either, or there
are none, it asks a clarifying question instead, with the candidate articles as the options,
or says the case will be looked into.

Example:
    >>> drafter = GroundedDrafter(JapaneseTokenizer())
    >>> draft = drafter.draft(DraftRequest(ticket, "ja", DraftMode.ANSWER, sources))
    >>> print(draft.text)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose import DRAFT, Composer, Policy, Source, paragraph_lines
from kotae.suggest.compose.foreign import carries_customer_context, echoed_words, is_boilerplate
from kotae.suggest.compose.pool import Tokens, build_pool
from kotae.suggest.compose.questions import lead_in, split_questions
from kotae.suggest.compose.score import Question, score
from kotae.suggest.replies import frame
from kotae.suggest.replies.citations import CitationSet
from kotae.suggest.replies.names import customer_name
from kotae.suggest.replies.render import assemble
from kotae.suggest.replies.types import Draft, DraftMode, DraftSentence, Part, TicketIn
from kotae.suggest.text import overlap

_CODE = re.compile(r"\b[A-Z]{2,5}-\d{3,5}\b")  # error codes such as MRI-9000
POINTER_MIN_SCORE = 0.5  # a source in another language is pointed to only when it matched well
OPTION_MIN_SCORE = 0.12  # an option to ask about shares at least this much with the ticket


@dataclass(frozen=True)
class DraftRequest:
    """What a drafter gets: the ticket, the mode the service chose, sources best first, and
    the ticket's questions (empty: the drafter splits the ticket itself)."""

    ticket: TicketIn
    language: str
    mode: DraftMode
    sources: list[Source]
    sentiment: str = "neutral"
    options: list[Source] = field(default_factory=list)  # candidates to ask about (CLARIFY)
    questions: list[str] = field(default_factory=list)
    # per question searched on its own: the doc its search found first, "" when it was unsure
    leads: list[str] = field(default_factory=list)

    @property
    def asked(self) -> list[str]:
        """The ticket's questions (one: its whole text, when it asks one thing)."""
        if self.questions:
            return self.questions
        split = split_questions(self.ticket.body)
        return split if len(split) > 1 else [self.ticket.text]


class Drafter(Protocol):
    name: str

    def draft(self, request: DraftRequest) -> Draft: ...


class GroundedDrafter:
    """Composes replies from source sentences with the one composer; see the module docstring.

    Example:
        >>> draft = GroundedDrafter(JapaneseTokenizer()).draft(request)
        >>> [s.citations for s in draft.answer_sentences]
        [['S1'], ['S1'], ['S2']]
    """

    name = "grounded"

    def __init__(self, tokenizer: Tokenizer, max_options: int = 3,
                 composer: Composer | None = None, policy: Policy = DRAFT) -> None:
        if max_options < 2:
            raise ValueError(f"max_options must be ≥ 2, got {max_options}")
        self.tokenizer = tokenizer
        self.max_options = max_options
        self.composer = composer or Composer(tokenizer)
        self.policy = policy

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
                        cites.citations(), self.name, name=customer_name(request.ticket.body),
                        questions=request.asked)

    def answer_sentences(self, request: DraftRequest, cites: CitationSet) -> list[DraftSentence]:
        """Cited answer sentences from the sources in the customer's language, a paragraph per
        question of the ticket and a line naming each question no source answers (or a pointer
        to the best source in another language)."""
        same = [s if s.language == request.language else _muted(s) for s in request.sources]
        codes = set(_CODE.findall(request.ticket.text.upper()))

        def keep(src: Source, text: str) -> bool:
            # A ticket about MRI-9000 is not answered with the row for MRI-2010.
            other_codes = set(_CODE.findall(text.upper()))
            return (_quotable(src, text) and not (codes and other_codes and not codes & other_codes)
                    and not borrows(self.composer.sentence_terms, src, text,
                                    request.ticket.text, same))

        context = lead_in(request.ticket.body) if len(request.asked) > 1 else ""
        leads = request.leads if len(request.leads) == len(request.asked) else []
        questions = [self.composer.question(q, context, leads[n] if leads else None)
                     for n, q in enumerate(request.asked)]
        composition = self.composer.compose(questions, same, self.policy, keep)
        out: list[DraftSentence] = []
        for n, paragraph in enumerate(composition.paragraphs):
            if not paragraph.picked:
                if len(questions) > 1:
                    out.append(DraftSentence(frame.open_question(request.language,
                                                                 paragraph.question.text),
                                             Part.ANSWER, question=n, open_question=True))
                continue
            for line in paragraph_lines(composition, paragraph, request.language):
                labels = [cites.cite(line.source, s) for s in line.sentences[:1]] or \
                    [cites.cite(line.source)]
                labels += [cites.cite(a) for a in line.also if cites.cite(a) not in labels]
                out.append(DraftSentence(line.text, Part.ANSWER, labels, step=line.step,
                                         bullet=line.bullet, joined=line.joined,
                                         table=line.table, question=n))
        if all(s.open_question for s in out):
            for i, src in enumerate(request.sources):
                if src.language != request.language and src.score >= POINTER_MIN_SCORE:
                    label = cites.cite(i)
                    text = frame.pointer(request.language, src.title, src.url)
                    return [DraftSentence(text, Part.ANSWER, [label], reference=True)]
            return []
        return out

    def _clarify(self, request: DraftRequest, cites: CitationSet) -> list[DraftSentence]:
        """A question whose options are the distinct candidates that share some of the
        ticket's words (an off-topic ticket gets none, so no question)."""
        offset = len(request.sources)
        terms = set(self.tokenizer.tokens(request.ticket.text))
        pool = build_pool(request.options, self.composer.sentence_terms, _quotable)
        best: dict[int, float] = {}
        for s in score(Question(request.ticket.text, frozenset(terms)), pool, request.options):
            best[s.source] = max(best.get(s.source, 0.0), s.score)
        chosen: list[tuple[int, str]] = []
        seen_terms: list[set[str]] = []
        for i, src in enumerate(request.options):
            label = src.title.strip()
            option_terms = set(self.tokenizer.tokens(label))
            if (not label or best.get(i, 0.0) < OPTION_MIN_SCORE
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


def borrows(tokenizer: Tokens, src: Source, text: str, ticket: str,
            sources: Sequence[Source]) -> bool:
    """Whether ``text`` echoes what the customer of the past ticket ``src`` wrote and nobody
    else here says (``ticket``: the new one; ``sources``: all of the draft's), as 「イラストの
    制作料などの品目」 from an illustrator's ticket would in a reply to someone else."""
    if src.kind != "ticket" or not src.asked:
        return False
    others = [s.text for s in sources if s is not src]
    return bool(echoed_words(text, src.asked, tokenizer.tokens(text), ticket, *others))


def _quotable(src: Source, text: str) -> bool:
    """Sentences about the page itself, and greetings and one customer's own context in past
    replies, are not quoted."""
    if frame.is_about_the_page(text):
        return False
    if src.kind != "ticket":
        return True
    return not (is_boilerplate(text) or carries_customer_context(text))


def _muted(src: Source) -> Source:
    """A source in another language: kept in place (labels stay stable) but with no text."""
    return Source(src.doc_id, src.kind, src.title, src.url, "", src.language, src.score)
