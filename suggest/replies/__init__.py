"""Suggested replies for agents: a ticket in, a ``Suggestion`` out — a grounded draft with
citations (or an LLM's, checked against its sources), similar past tickets, category, priority,
sentiment and escalation; and what the agent then did with it."""

from kotae.suggest.replies.drafter import Drafter, DraftRequest, GroundedDrafter
from kotae.suggest.replies.grounding import is_supported, support
from kotae.suggest.replies.llm import LLMConfig, LLMDrafter
from kotae.suggest.replies.outcomes import edit_distance, record_outcome, record_suggestion
from kotae.suggest.replies.rules import EscalationRules
from kotae.suggest.replies.service import Suggester, SuggestOptions, suggest_reply
from kotae.suggest.replies.types import (
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
    "GroundedDrafter", "LLMConfig", "LLMDrafter", "SimilarTicket", "SuggestOptions", "Suggester",
    "Suggestion", "TicketIn", "Triage", "edit_distance", "is_supported", "record_outcome",
    "record_suggestion", "suggest_reply", "support",
]
