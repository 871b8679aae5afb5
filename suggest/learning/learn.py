"""Learn from use: harvest every source, apply the auto-approve policy, report what changed.

``harvest`` stores new candidates (a source harvested again adds only what is new, and never
brings back what an editor rejected); the caller publishes a new index afterwards, where the
approved phrasings train the question router (only their new wordings are embedded).

Example:
    >>> report = harvest(kb.store, kb.searcher, kb.feedback, kb.query_log, LearnPolicy())
    >>> report.found, report.added, report.approved
    ({'ticket': 198, 'suggestion': 3, 'vote': 0, 'gap': 0}, 201, 150)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kotae.kb import KBStore, QueryLog
from kotae.kb.feedback import FeedbackStore
from kotae.kb.phrasings import (
    DEFAULT_AUTO_APPROVE,
    DEFAULT_MIN_VOTERS,
    SOURCES,
    Candidate,
    PhrasingStore,
    check_policy,
)
from kotae.retrieval import Searcher
from kotae.suggest.learning.harvest import from_gaps, from_suggestions, from_tickets, from_votes


@dataclass(frozen=True)
class LearnPolicy:
    """Which sources to harvest, the auto-approve thresholds (source → least score; a source
    missing here waits for an editor) and how many clients must vote a question helpful."""

    sources: tuple[str, ...] = SOURCES
    auto_approve: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_AUTO_APPROVE))
    min_voters: int = DEFAULT_MIN_VOTERS

    def __post_init__(self) -> None:
        unknown = sorted(set(self.sources) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown phrasing source {', '.join(unknown)}; allowed: "
                             f"{', '.join(SOURCES)}")
        check_policy(self.auto_approve)
        if self.min_voters < 1:
            raise ValueError(f"min_voters must be at least 1, got {self.min_voters}")


@dataclass
class LearnReport:
    found: dict[str, int]  # candidates each source gave this time (tickets: new ones only)
    added: int  # new candidates stored
    approved: int  # approved by the policy this time
    counts: dict[str, dict[str, int]]  # status → source → phrasings stored, after


def harvest(store: KBStore, searcher: Searcher, feedback: FeedbackStore, log: QueryLog,
            policy: LearnPolicy,
            on_source: Callable[[str], None] | None = None) -> LearnReport:
    """Harvest ``policy.sources``, store the new candidates, auto-approve; see the module."""
    phrasings = PhrasingStore(store)
    harvesters: dict[str, Callable[[], list[Candidate]]] = {
        "ticket": lambda: from_tickets(store, searcher, phrasings.source_keys("ticket")),
        "suggestion": lambda: from_suggestions(feedback),
        "vote": lambda: from_votes(log, policy.min_voters),
        "gap": lambda: from_gaps(store, log),
    }
    found: dict[str, int] = {}
    added = 0
    for source in policy.sources:
        if on_source:
            on_source(source)
        candidates = harvesters[source]()
        found[source] = len(candidates)
        added += phrasings.add(candidates)
    approved = phrasings.auto_approve(policy.auto_approve)
    return LearnReport(found, added, approved, phrasings.counts())
