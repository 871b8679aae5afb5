"""The LLM drafter: an OpenAI-compatible chat endpoint through LangChain, checked for grounding.

The prompt passes only the retrieved sources, each with an id ([S1], [S2]…), and demands the
id after every sentence and an answer in the customer's language. Each sentence of the reply is
then checked against the sources it cites (``grounding.support``): a sentence without a valid
citation or not supported by it, or one carrying a past customer's own details (names, dates,
amounts: ``compose.foreign``) supported by past replies only, is dropped (or, with
``on_unsupported="flag"``, kept and marked ``supported=False`` for the agent to see). Each
question of the ticket the reply leaves unanswered gets the composer's line naming it as open,
and the customer is addressed by name, as in the grounded drafts. When nothing survives, or in
the clarify and investigate modes, the grounded drafter writes the draft instead.

Example:
    >>> config = LLMConfig(base_url="http://127.0.0.1:8080/v1", model="local")
    >>> drafter = LLMDrafter(config, JapaneseTokenizer())
    >>> drafter.draft(request).text
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kotae.retrieval.protocols import Tokenizer
from kotae.suggest.compose import DRAFT, Composer, Source
from kotae.suggest.compose.foreign import carries_customer_context
from kotae.suggest.errors import LLMError, MissingLLMExtra
from kotae.suggest.replies import frame
from kotae.suggest.replies.citations import CitationSet
from kotae.suggest.replies.drafter import Drafter, DraftRequest, GroundedDrafter, borrows
from kotae.suggest.replies.grounding import MIN_SHARE, support
from kotae.suggest.replies.names import customer_name
from kotae.suggest.replies.prompt import build_messages, parse_answer
from kotae.suggest.replies.render import assemble
from kotae.suggest.replies.types import Draft, DraftMode, DraftSentence, Part
from kotae.suggest.text import source_sentences

UNSUPPORTED = ("drop", "flag")


@dataclass(frozen=True)
class LLMConfig:
    """An OpenAI-compatible endpoint (OpenAI, vLLM, a llama.cpp server...).

    Example:
        >>> LLMConfig(base_url="https://api.openai.com/v1", api_key="sk-…", model="gpt-4o-mini")
    """

    base_url: str
    api_key: str = "not-needed"
    model: str = "default"
    temperature: float = 0.0
    max_tokens: int = 400
    timeout: float = 60.0
    max_sources: int = 5
    on_unsupported: str = "drop"
    min_support: float = MIN_SHARE

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"LLM base_url must start with http:// or https://, got "
                             f"{self.base_url!r}")
        if self.on_unsupported not in UNSUPPORTED:
            raise ValueError(f"on_unsupported must be one of {', '.join(UNSUPPORTED)}, got "
                             f"{self.on_unsupported!r}")
        if self.max_tokens < 16 or self.timeout <= 0 or self.max_sources < 1:
            raise ValueError("max_tokens must be ≥ 16, timeout > 0 and max_sources ≥ 1")
        if not 0.0 < self.min_support <= 1.0:
            raise ValueError(f"min_support must be in (0, 1], got {self.min_support}")


def chat_model(config: LLMConfig) -> Any:
    """LangChain's ChatOpenAI for ``config`` (needs ``kotae[llm]``)."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise MissingLLMExtra("the LLM drafter") from None
    from pydantic import SecretStr

    # ``max_tokens`` goes in the body as is: LangChain would send ``max_completion_tokens``,
    # which OpenAI-compatible servers such as llama.cpp's ignore (and then never stop).
    return ChatOpenAI(base_url=config.base_url, api_key=SecretStr(config.api_key),
                      model=config.model, temperature=config.temperature,
                      timeout=config.timeout, max_retries=1,
                      extra_body={"max_tokens": config.max_tokens})


class LLMDrafter:
    """Drafts with an LLM, keeping only what the cited sources support (see module doc).

    Example:
        >>> drafter = LLMDrafter(LLMConfig(base_url="http://127.0.0.1:8080/v1"), tokenizer)
        >>> Suggester(searcher, store, tokenizer, drafter=drafter).suggest(ticket).draft.drafter
        'llm'
    """

    name = "llm"

    def __init__(self, config: LLMConfig, tokenizer: Tokenizer, fallback: Drafter | None = None,
                 model: Any = None) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.fallback = fallback or GroundedDrafter(tokenizer)
        self._model = model

    def model(self) -> Any:
        if self._model is None:
            self._model = chat_model(self.config)
        return self._model

    def draft(self, request: DraftRequest) -> Draft:
        if request.mode is not DraftMode.ANSWER or not request.sources:
            return self.fallback.draft(request)
        sources = request.sources[:self.config.max_sources]
        labelled = [(f"S{i + 1}", src) for i, src in enumerate(sources)]
        try:
            reply = self.model().invoke(build_messages(request, labelled))
        except Exception as exc:  # any client or server failure: say which endpoint failed
            raise LLMError(f"the LLM at {self.config.base_url} failed: {exc}") from exc
        cites = CitationSet(sources)
        answer = self.check(parse_answer(str(reply.content)), sources, cites,
                            request.ticket.text)
        if not any(s.supported for s in answer):
            return self.fallback.draft(request)
        answer += self.open_questions(request, answer)
        return assemble(request.ticket.subject, request.language, request.sentiment,
                        DraftMode.ANSWER, answer, cites.citations(), self.name,
                        name=customer_name(request.ticket.body), questions=request.asked)

    def open_questions(self, request: DraftRequest, answer: list[DraftSentence]
                       ) -> list[DraftSentence]:
        """A line for each question of the ticket the reply does not answer (the composer's
        own test: no sentence of the reply clears the relevance floor for it)."""
        asked = request.asked
        text = "\n".join(s.text for s in answer if s.supported)
        if len(asked) < 2 or not text:
            return []
        composer = Composer(self.tokenizer)
        reply = Source("reply", "manual", "", "", text, request.language, 1.0)
        composition = composer.compose([composer.question(q) for q in asked], [reply], DRAFT)
        return [DraftSentence(frame.open_question(request.language, p.question.text),
                              Part.ANSWER, question=n, open_question=True)
                for n, p in enumerate(composition.paragraphs) if not p.answered]

    def check(self, parsed: list[tuple[str, list[str]]], sources: list[Source],
              cites: CitationSet, ticket: str = "") -> list[DraftSentence]:
        """Each sentence with the citations that support it; unsupported ones dropped or
        flagged. A sentence that only past replies back and that carries their customers'
        details (or echoes what they wrote, which ``ticket`` does not) is unsupported."""
        out: list[DraftSentence] = []
        for sentence, labels in parsed:
            kept: list[str] = []
            valid = [i for i in (int(label[1:]) - 1 for label in labels) if 0 <= i < len(sources)]
            if all(sources[i].kind == "ticket" for i in valid) and (
                    carries_customer_context(sentence)
                    or any(borrows(self.tokenizer, sources[i], sentence, ticket, sources)
                           for i in valid)):
                valid = []  # another customer's details, copied from a past reply
            for index in valid:
                best = self._best_sentence(sentence, sources[index])
                if best is not None:
                    kept.append(cites.cite(index, best))
            if kept:
                out.append(DraftSentence(sentence, Part.ANSWER, kept))
            elif self.config.on_unsupported == "flag":
                out.append(DraftSentence(sentence, Part.ANSWER, [], supported=False))
        return out

    def _best_sentence(self, sentence: str, src: Source) -> Any:
        """The source sentence that supports ``sentence`` best, or None if none does."""
        if support(sentence, src.text, self.tokenizer) < self.config.min_support:
            return None
        candidates = source_sentences(src.text)
        return max(candidates, key=lambda c: support(sentence, c.text, self.tokenizer),
                   default=None)
