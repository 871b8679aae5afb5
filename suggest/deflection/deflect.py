"""Deflection: answer a customer's question from public sources, or hand it to a person.

kotae answers only when the calibrated confidence reaches the KB's answer threshold (chosen by
``kotae eval deflection`` and kept in the KB's ``settings.json``). Otherwise it hands off: a
pre-filled ticket in the customer's words and the closest FAQ questions ("もしかして…"), never
an invented answer. Every search here is a public one: internal articles and past tickets are
outside what a deflection can read, and a hit that is not public stops the request.

Example:
    >>> deflector = Deflector(searcher)
    >>> result = deflector.deflect("パスワードを忘れました")
    >>> result.action, result.sources[0].title
    (<Action.ANSWER: 'answer'>, 'パスワードを再設定する')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kotae.kb import Action, Channel, EventType, Hit, KBStore, Kind, QueryEvent, customer_may_read
from kotae.kb.normalise import normalise_query
from kotae.kb.text import REPLY_LANGUAGES as LANGUAGES
from kotae.kb.text import reply_language
from kotae.retrieval import Audience, Searcher
from kotae.suggest.compose import Composer, compose_answer
from kotae.suggest.compose import Source as Quoted
from kotae.suggest.deflection.handoff import TicketDraft, draft_ticket
from kotae.suggest.errors import SuggestError
from kotae.suggest.text import (
    about_page,
    announced_section,
    may_announce,
    page_lead,
    source_sentences,
)

MAX_QUESTION_CHARS = 2000
RELATED_SHARE = 0.8  # other hits scoring this share of the top one are listed too
MAX_SOURCES = 3
QUOTED_SOURCES = 2  # sources the answer may quote (the best, and one nearly as good)


@dataclass(frozen=True, slots=True)
class Source:
    """A public article or FAQ entry an answer was taken from (or that relates to it)."""

    doc_id: str
    title: str
    url: str  # where the customer can read it
    snippet: str
    score: float


class VisibilityLeak(SuggestError):
    """A search for a public caller returned a non-public chunk: a bug, never served."""

    def __init__(self, hit: Hit) -> None:
        super().__init__(f"public search returned {hit.visibility.value} {hit.kind.value} "
                         f"chunk {hit.chunk_id}; refusing to answer (report this as a bug)")


@dataclass(frozen=True, slots=True)
class FaqCandidate:
    """A public FAQ question (or article title) close to the customer's question."""

    doc_id: str
    question: str
    url: str
    score: float


@dataclass
class Deflection:
    question: str
    language: str
    action: Action
    confidence: float
    threshold: float
    answer: str = ""
    answer_body: str = ""  # the answer without its link line (pages show sources as links)
    sources: list[Source] = field(default_factory=list)
    ticket: TicketDraft | None = None
    candidates: list[FaqCandidate] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)  # public hits, best first
    quoted: list[str] = field(default_factory=list)  # doc ids the answer's text quotes
    snapshot: str = ""
    searched_as: str = ""  # the question as searched, when written the KB's way (SearchResult)

    def to_event(self, channel: Channel, event: EventType, session_id: str = "",
                 action: Action | None = None) -> QueryEvent:
        """The query-log record of this deflection (top hits with their scores)."""
        hits = [{"doc_id": h.doc_id, "title": h.title, "score": round(h.score, 6),
                 "dense": h.scores.get("dense")} for h in self.hits[:5]]
        return QueryEvent(channel=channel, event=event, query=self.question,
                          language=self.language, session_id=session_id, hits=hits,
                          confidence=self.confidence, action=action or self.action)


def _check_public(hits: list[Hit]) -> list[Hit]:
    for hit in hits:
        if not customer_may_read(hit):
            raise VisibilityLeak(hit)
    return hits


class Deflector:
    """Decides answer or hand-off for one question at a time (thread-safe, holds no state).

    ``link_for`` gives the customer-facing link of a hit (default: the document's own URL);
    ``store`` lets the hand-off ticket carry the category of the closest FAQ entry;
    ``composer`` writes the answer (the KB's, with its cached sentence vectors; by default one
    over the searcher's embedder).
    """

    def __init__(self, searcher: Searcher, *, threshold: float | None = None,
                 link_for: Callable[[Hit], str] | None = None, store: KBStore | None = None,
                 k: int = 10, max_candidates: int = 3,
                 composer: Composer | None = None) -> None:
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"answer threshold must be in [0, 1], got {threshold}")
        if not 1 <= k <= 50 or not 1 <= max_candidates <= k:
            raise ValueError(f"need 1 <= max_candidates <= k <= 50, got k={k}, "
                             f"max_candidates={max_candidates}")
        self.searcher, self._threshold, self.store = searcher, threshold, store
        self.link_for = link_for or (lambda hit: hit.url)
        self.k, self.max_candidates = k, max_candidates
        self.composer = composer or Composer.for_searcher(searcher, store)

    @property
    def threshold(self) -> float:
        """The confidence at which it answers: the one given, else the KB's (as it is now: a
        calibration written while serving counts from the next question)."""
        return self.searcher.config.answer_threshold if self._threshold is None \
            else self._threshold

    def deflect(self, question: str, language: str | None = None) -> Deflection:
        """Answer ``question`` from public sources when confident, else hand off."""
        text = normalise_query(question)
        if not text:
            raise ValueError("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise ValueError(f"the question has {len(question)} characters; at most "
                             f"{MAX_QUESTION_CHARS}")
        if language not in (None, "", *LANGUAGES):
            raise ValueError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
        language = language or reply_language(text)
        result = self.searcher.search(text, audience=Audience.PUBLIC, k=self.k)
        hits = _check_public(result.hits)
        threshold = self.threshold  # one value for the whole question
        out = Deflection(question.strip(), language, Action.HANDOFF, result.confidence,
                         threshold, hits=hits, snapshot=result.snapshot,
                         searched_as=result.searched_as)
        if hits and result.confidence >= threshold:
            self._answer(out, text)
        else:
            self._hand_off(out)
        return out

    def _answer(self, out: Deflection, text: str) -> None:
        top = out.hits[0]
        out.action = Action.ANSWER
        related = [h for h in out.hits[1:] if h.score >= RELATED_SHARE * top.score]
        shown = [top, *related][:MAX_SOURCES]
        # The answer says what the best source says; the next one may add a thought only
        # when it answers nearly as well (the composer's rule for other sources).
        quoted = [Quoted(h.doc_id, h.kind.value, h.title, self.link_for(h), self._passage(h, text),
                         h.language, h.score / top.score if top.score > 0 else 1.0)
                  for h in shown[:QUOTED_SOURCES]]
        composed = compose_answer(self.composer, text, quoted, link=self.link_for(top),
                                  language=out.language)
        out.answer, out.answer_body = composed.text, composed.body
        out.quoted = [quoted[i].doc_id for i in composed.used]
        out.sources = [Source(h.doc_id, h.title, self.link_for(h), h.snippet, h.score)
                       for h in shown]

    def _passage(self, hit: Hit, text: str) -> str:
        """What the answer may quote of a hit: its passage, or, when the passage is one of the
        numbered sections a lead-in announces (「次のどちらかの方法で…」, ``### 方法1``) or the
        lead-in's own, the lead-in with all of them (one way of two, or the lead-in alone, is
        half an answer or none). When the question names only what the page is about (all its
        words in the title: 「郵送」, 「二段階認証」), the page's opening summary comes before
        it: every section matches such a question through the title alike, and the one
        retrieval matched may be any of them, while the opening says what the subject is (an
        opening that only says what the page covers is not used)."""
        passage = hit.text or hit.snippet
        if hit.kind is Kind.FAQ or self.store is None:
            return passage
        doc = None
        if may_announce(hit.heading, passage):
            doc = self.store.get_document(hit.doc_id)
            wider = announced_section(doc.body, hit.heading) if doc is not None else None
            if wider:
                passage = wider
        if hit.heading != hit.title and self._about_page(text, hit.title):
            doc = doc or self.store.get_document(hit.doc_id)
            lead = page_lead(doc.body) if doc is not None else ""
            if lead not in passage and any(not about_page(s.text)
                                           for s in source_sentences(lead)):
                return f"{lead}\n\n{passage}"
        return passage

    def _about_page(self, text: str, title: str) -> bool:
        words = set(self.composer.tokenizer.tokens(text))
        return bool(words) and words <= set(self.composer.tokenizer.tokens(title))

    def _hand_off(self, out: Deflection) -> None:
        faq = [h for h in out.hits if h.kind is Kind.FAQ]
        closest = (faq + [h for h in out.hits if h.kind is not Kind.FAQ])[:self.max_candidates]
        out.candidates = [FaqCandidate(h.doc_id, h.title, self.link_for(h), h.score)
                          for h in closest]
        category = ""
        # The closest entry's category only when it is at least half-way to an answer.
        if self.store is not None and closest and out.confidence >= out.threshold / 2:
            doc = self.store.get_document(closest[0].doc_id)
            category = doc.category if doc else ""
        out.ticket = draft_ticket(out.question, out.language, category=category)
