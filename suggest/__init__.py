"""Suggested replies for agents: grounded drafts with citations, similar tickets, triage and
escalation (``suggest_reply``), an optional LLM drafter, and kotae as a LangChain retriever.

``import suggest`` loads neither LangChain nor a model; ``KotaeRetriever`` (LangChain) loads on
first use.
"""

from suggest.deflect import Deflection, Deflector, FaqCandidate, VisibilityLeak
from suggest.drafter import Drafter, DraftRequest, GroundedDrafter
from suggest.errors import (
    InvalidTicket,
    LLMError,
    MissingLLMExtra,
    RulesError,
    SuggestError,
    SuggestionNotFound,
)
from suggest.grounding import is_supported, support
from suggest.handoff import TicketDraft
from suggest.llm import LLMConfig, LLMDrafter
from suggest.outcomes import edit_distance, record_outcome, record_suggestion
from suggest.rules import EscalationRules
from suggest.service import Suggester, SuggestOptions, suggest_reply
from suggest.types import (
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
        from suggest.langchain_retriever import KotaeRetriever

        return KotaeRetriever
    raise AttributeError(f"module 'suggest' has no attribute {name!r}")
