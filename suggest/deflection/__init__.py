"""What customers get: an answer from public sources when kotae is confident, else a hand-off
with a pre-filled ticket (``Deflector``); and the help center's search suggestions, which never
show one customer's words to another unless they are safe (``Typeahead``)."""

from kotae.suggest.deflection.deflect import Deflection, Deflector, FaqCandidate, VisibilityLeak
from kotae.suggest.deflection.handoff import TicketDraft, draft_ticket, ticket_subject
from kotae.suggest.deflection.typeahead import BlockedWords, Typeahead, held_back

__all__ = ["BlockedWords", "Deflection", "Deflector", "FaqCandidate", "TicketDraft",
           "Typeahead", "VisibilityLeak", "draft_ticket", "held_back", "ticket_subject"]
