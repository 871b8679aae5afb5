"""Suggested replies for agents: grounded drafts with citations, similar tickets, triage and
escalation (``suggest_reply``), an optional LLM drafter, and kotae as a LangChain retriever.

``import suggest`` loads neither LangChain nor a model; ``KotaeRetriever`` (LangChain) loads on
first use.
"""

from kotae.suggest.deflect import Deflection, Deflector, FaqCandidate, VisibilityLeak
from kotae.suggest.drafter import Drafter, DraftRequest, GroundedDrafter
from kotae.suggest.errors import (
    InvalidTicket,
    LLMError,
    MissingLLMExtra,
    RulesError,
    SuggestError,
    SuggestionNotFound,
)
from kotae.suggest.grounding import is_supported, support
from kotae.suggest.handoff import TicketDraft
from kotae.suggest.llm import LLMConfig, LLMDrafter
from kotae.suggest.outcomes import edit_distance, record_outcome, record_suggestion
from kotae.suggest.rules import EscalationRules
from kotae.suggest.service import Suggester, SuggestOptions, suggest_reply
from kotae.suggest.types import (
    Citation,
    Draft,
    DraftMode,
    Escalation,
    SimilarTicket,
    Suggestion,
    TicketIn,
    Triage,
)

__all__ = [
    "Citation", "Draft", "DraftMode", "DraftRequest", "Drafter", "Escalation", "EscalationRules",
    "GroundedDrafter", "InvalidTicket", "KotaeRetriever", "LLMConfig", "LLMDrafter", "LLMError",
    "MissingLLMExtra", "RulesError", "SimilarTicket", "SuggestError", "SuggestOptions",
    "Suggester", "Suggestion", "SuggestionNotFound", "TicketIn", "Triage", "edit_distance",
    "is_supported", "record_outcome", "record_suggestion", "suggest_reply", "support",
]

__all__ += ["Deflection", "Deflector", "FaqCandidate", "TicketDraft", "VisibilityLeak"]


def __getattr__(name: str) -> object:
    if name == "KotaeRetriever":
        from kotae.suggest.langchain_retriever import KotaeRetriever

        return KotaeRetriever
    raise AttributeError(f"module 'suggest' has no attribute {name!r}")
