"""Learning from use: customers' wording harvested from tickets, used drafts, helpful votes and
accepted gaps, reviewed (``kotae.kb.phrasings``), and fed to the question router at the next
publish."""

from kotae.suggest.learning.harvest import (
    document_urls,
    from_gaps,
    from_suggestions,
    from_tickets,
    from_votes,
    link_reply,
    ticket_wording,
    wording,
)
from kotae.suggest.learning.learn import LearnPolicy, LearnReport, harvest

__all__ = ["LearnPolicy", "LearnReport", "document_urls",
           "from_gaps", "from_suggestions", "from_tickets", "from_votes", "harvest",
           "link_reply", "ticket_wording", "wording"]
