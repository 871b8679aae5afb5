"""Search suggestions as units: what may be shown to other customers, the word lists, and the
order of the sources, on a real query log in a SQLite file."""

from __future__ import annotations

import pytest

from kotae.kb import Action, Channel, EventType, QueryEvent, QueryLog
from kotae.kb.typeahead_rules import Decision, TypeaheadRules
from kotae.suggest.deflection.typeahead import BlockedWords, Typeahead, held_back

NONE = BlockedWords(())


@pytest.mark.parametrize("text", [
    "請求書 再発行 [メール] [電話番号]",  # what the log keeps of an address and a number
    "請求書 再発行 yamada@example.co.jp", "請求書 再発行 090-1234-5678", "山田様の請求書",
    "〒150-0001 に送りたい", "カード 4111 1111 1111 1111 が使えない",
])
def test_personal_data_and_its_placeholders_are_held_back(text):
    assert held_back(text, NONE) == "personal data"


@pytest.mark.parametrize("text", [
    "パスワードを忘れた 詳しくは evil-example.com へ", "詳しくはexample.co.jpへ",
    "http://phish.example/login", "www.example を見て", "bit.ly/abc で返金",
])
def test_urls_and_domain_names_are_held_back(text):
    assert held_back(text, NONE) == "a URL or domain name"


@pytest.mark.parametrize("text", ["注文番号 1234567 の件", "口座 12-345-678", "ID 00001"])
def test_long_numbers_are_held_back(text):
    assert held_back(text, NONE) == "a long number"


@pytest.mark.parametrize("text", [
    "パスワードを忘れた", "invoice.paid のWebhookが来ない", "settings.json の書き方",
    "2026年4月の請求書", "年額を申し込んだばかりですがキャンセルしたい", "Webフックが届かない",
    "請求書に画像を挿入したい", "2年縛りの解約", "カスタマーサポートの営業時間", "たくさん送りたい",
])
def test_ordinary_questions_are_not_held_back(text):
    assert held_back(text, BlockedWords.load()) is None


@pytest.mark.parametrize(("text", "word"), [
    ("領収書 ダウンロード できない 死ね", "死ね"), ("このクソ会社", "クソ"), ("you IDIOT", "idiot"),
    ("ばか", "ばか"), ("FUCK this", "fuck"),
])
def test_blocked_words_from_the_package_and_kotaes_list(text, word):
    assert held_back(text, BlockedWords.load()) == f"the blocked word {word!r}"


def test_a_kb_file_adds_and_removes_words(tmp_path):
    (tmp_path / "blocked_words.txt").write_text("# ours\n競合社\n!idiot\n", encoding="utf-8")
    words = BlockedWords.load(tmp_path)
    assert words.find("競合社のほうが安い") == "競合社" and words.find("you idiot") is None
    assert BlockedWords.load().find("競合社") is None  # only that KB's list


@pytest.fixture
def log(tmp_path) -> QueryLog:
    return QueryLog.for_dir(tmp_path)


def asked(log: QueryLog, query: str, clients: int, action: Action = Action.ANSWER) -> None:
    for n in range(clients):
        log.record(QueryEvent(channel=Channel.HELP, event=EventType.SEARCH, query=query,
                              language="ja", client=f"c{n}", action=action))


def test_sources_in_order_allowed_then_asked_then_titles(log):
    rules = TypeaheadRules(log.store)
    titles = [("請求書の宛名を変更する", "ja"), ("ミライ請求の請求書", "ja"), ("Invoices", "en")]
    typeahead = Typeahead(log, rules, titles=lambda: titles, blocked=BlockedWords.load(),
                          min_clients=3)
    asked(log, "請求書の再発行", 3)
    asked(log, "請求書 死ね", 9)  # many clients, but a blocked word
    asked(log, "請求書の送付先", 2)  # too few clients
    rules.set("請求書の支払期限", Decision.ALLOW, by="editor")
    assert typeahead.suggest("請求書") == [
        "請求書の支払期限", "請求書の再発行", "請求書の宛名を変更する", "ミライ請求の請求書"]
    assert typeahead.suggest("請求書", language="en") == ["請求書の支払期限"]
    rules.set("請求書の再発行", Decision.BLOCK)
    rules.set("ミライ請求の請求書", Decision.BLOCK)
    assert typeahead.suggest("請求書", limit=2) == ["請求書の支払期限", "請求書の宛名を変更する"]
    assert typeahead.suggest("  ") == []


def test_editors_see_why_a_popular_question_is_held_back(log):
    typeahead = Typeahead(log, TypeaheadRules(log.store), titles=list,
                          blocked=BlockedWords.load(), min_clients=2)
    asked(log, "領収書の発行", 4)
    asked(log, "領収書 evil.example.com", 3)
    assert [(p.text, p.clients, p.held_back) for p in typeahead.popular()] == [
        ("領収書の発行", 4, None), ("領収書 evil.example.com", 3, "a URL or domain name")]


def test_a_rule_needs_a_phrase(log):
    rules = TypeaheadRules(log.store)
    with pytest.raises(ValueError, match="1–100"):
        rules.set("？", Decision.BLOCK)
    with pytest.raises(ValueError, match="1–100"):
        rules.set("あ" * 101, Decision.ALLOW)
    with pytest.raises(ValueError, match="min_clients"):
        Typeahead(QueryLog(log.store), rules, titles=list, blocked=NONE, min_clients=0)


def test_a_prefix_typed_another_way_finds_the_same_suggestions(log, tokenizer):
    titles = [("パスワードを忘れた", "ja"), ("キャンセルの方法", "ja"),
              ("請求書の宛名を変更する", "ja")]
    typeahead = Typeahead(log, TypeaheadRules(log.store), titles=lambda: titles, blocked=NONE,
                          read=tokenizer.reading)
    for prefix in ("パスワ", "ぱすわ", "ﾊﾟｽﾜ", "ぱすわーどをわす", "パスワードをわすれ"):
        assert typeahead.suggest(prefix)[:1] == ["パスワードを忘れた"], prefix
    assert typeahead.suggest("きゃんせる") == ["キャンセルの方法"]
    assert typeahead.suggest("せいきゅうしょ") == ["請求書の宛名を変更する"]
    assert typeahead.suggest("ほうほう") == ["キャンセルの方法"]  # contained, as read


def test_tolerance_keeps_every_rule_on_what_customers_asked(log, tokenizer):
    rules = TypeaheadRules(log.store)
    typeahead = Typeahead(log, rules, titles=list, blocked=BlockedWords.load(), min_clients=3,
                          read=tokenizer.reading)
    asked(log, "キャンセルしたい", 3)
    asked(log, "キャンセル料を返して", 2)  # too few clients
    asked(log, "キャンセル 090-1234-5678", 5)  # personal data (its placeholder)
    asked(log, "キャンセル 死ね", 5)  # a blocked word
    asked(log, "キャンセルできた?", 4, action=Action.HANDOFF)  # not answered confidently
    assert typeahead.suggest("きゃんせる") == typeahead.suggest("ｷｬﾝｾﾙ") == ["キャンセルしたい"]
    rules.set("きゃんせるしたい", Decision.BLOCK)  # blocked in one spelling: in every one
    assert typeahead.suggest("きゃんせる") == typeahead.suggest("キャンセル") == []
