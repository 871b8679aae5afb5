"""What kotae says, one subpackage per product:

- ``replies``: suggested replies for agents (grounded drafts with citations, similar tickets,
  triage and escalation; an optional LLM drafter);
- ``deflection``: answers for customers, or a hand-off (the chatbot, the help center), and the
  help center's search suggestions;
- ``gaps``: the FAQ-gap report for content owners.

They share ``compose`` (sentences of sources into what a person reads), ``text`` and
``errors``. ``import kotae.suggest`` loads neither LangChain nor a model; ``KotaeRetriever``
(kotae as a LangChain retriever) loads on first use.
"""

from kotae.suggest.deflection import (
    Deflection,
    Deflector,
    FaqCandidate,
    TicketDraft,
    Typeahead,
    VisibilityLeak,
)
from kotae.suggest.errors import (
    InvalidTicket,
    LLMError,
    MissingLLMExtra,
    RulesError,
    SuggestError,
    SuggestionNotFound,
)
from kotae.suggest.replies import (
    Citation,
    Draft,
    Drafter,
    DraftMode,
    DraftRequest,
    Escalation,
    EscalationRules,
    GroundedDrafter,
    LLMConfig,
    LLMDrafter,
    SimilarTicket,
    Suggester,
    Suggestion,
    SuggestOptions,
    TicketIn,
    Triage,
    edit_distance,
    is_supported,
    record_outcome,
    record_suggestion,
    suggest_reply,
    support,
)

__all__ = [
    "Citation", "Deflection", "Deflector", "Draft", "DraftMode", "DraftRequest", "Drafter",
    "Escalation", "EscalationRules", "FaqCandidate", "GroundedDrafter", "InvalidTicket",
    "KotaeRetriever", "LLMConfig", "LLMDrafter", "LLMError", "MissingLLMExtra", "RulesError",
    "SimilarTicket", "SuggestError", "SuggestOptions", "Suggester", "Suggestion",
    "SuggestionNotFound", "TicketDraft", "TicketIn", "Triage", "Typeahead", "VisibilityLeak",
    "edit_distance", "is_supported", "record_outcome", "record_suggestion", "suggest_reply",
    "support",
]


def __getattr__(name: str) -> object:
    if name == "KotaeRetriever":
        from kotae.suggest.langchain_retriever import KotaeRetriever

        return KotaeRetriever
    raise AttributeError(f"module 'kotae.suggest' has no attribute {name!r}")
