"""Errors of the suggest package: each says what went wrong and what to do about it."""

from __future__ import annotations


class SuggestError(Exception):
    """Base class for errors while drafting a suggestion."""


class InvalidTicket(SuggestError, ValueError):
    """The ticket cannot be drafted for (empty, too long, bad field)."""


class RulesError(SuggestError, ValueError):
    """An escalation rules file is malformed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"escalation rules {path}: {reason}; fix the file (see the bundled "
                         "suggest/replies/escalation_rules.yaml for the format)")
        self.path = path
        self.reason = reason


class LLMError(SuggestError):
    """The configured LLM endpoint failed or answered with nothing usable."""


class MissingLLMExtra(SuggestError, ImportError):
    """LangChain is needed and not installed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs LangChain; install it with `pip install 'kotae[llm]'`")


class SuggestionNotFound(SuggestError, LookupError):
    """No stored suggestion has that id."""

    def __init__(self, suggestion_id: str) -> None:
        super().__init__(f"no suggestion with id {suggestion_id!r}; use the id that "
                         "POST /v1/suggest returned")
        self.suggestion_id = suggestion_id
