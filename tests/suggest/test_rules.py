"""The escalation rules file: bundled defaults, a KB's own file, and errors that say what to fix."""

from __future__ import annotations

import pytest

from kotae.suggest import EscalationRules, RulesError
from kotae.suggest.replies.escalation import decide_escalation
from kotae.suggest.replies.sentiment import score_sentiment

REASONS = {"bug", "outage", "complaint", "billing_dispute", "cancellation", "refund", "legal",
           "security", "repeat"}


def test_bundled_rules_cover_every_reason_code():
    rules = EscalationRules.load()
    assert {r.code for r in rules.reasons} == REASONS
    assert all(r.message_ja and r.message_en for r in rules.reasons)
    assert rules.rule("low_confidence") is rules.low_confidence
    assert not rules.rule("complaint").answer


def test_a_kb_rules_file_replaces_the_bundled_one(tmp_path):
    (tmp_path / "escalation_rules.yaml").write_text(
        "reasons:\n  - code: vip\n    message: {ja: VIP対応, en: VIP}\n    cues: [社長]\n",
        encoding="utf-8")
    rules = EscalationRules.load(tmp_path)
    assert [r.code for r in rules.reasons] == ["vip"]
    sentiment = score_sentiment("社長からの依頼です", rules.sentiment)
    assert decide_escalation("社長からの依頼です", sentiment, rules).reason == "vip"
    assert decide_escalation("請求書の作り方", sentiment, rules) is None


@pytest.mark.parametrize(("text", "fragment"), [
    ("reasons: [", "not valid YAML"),
    ("foo: 1", "'reasons' list"),
    ("reasons:\n  - code: x\n", "message.ja"),
    ("reasons:\n  - code: x\n    message: {ja: a}\n    priority: soon\n", "priority 'soon'"),
    ("reasons:\n  - code: x\n    message: {ja: a}\n    patterns: ['(']\n", "bad pattern"),
    ("reasons:\n  - code: x\n    message: {ja: a}\n    cues: [再度: 1]\n", "quote cues"),
])
def test_malformed_rules_name_the_problem(text, fragment):
    with pytest.raises(RulesError, match="escalation rules") as info:
        EscalationRules.from_yaml(text, "test.yaml")
    assert fragment in str(info.value)
