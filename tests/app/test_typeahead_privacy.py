"""What one customer types never reaches another unless it is safe: search suggestions over
HTTP, in-process, on a copy of the sample KB (behind a trusted proxy, so that X-Forwarded-For
tells clients apart as the rate limiter does).

- A customer's contact details typed into the search box are redacted before they are logged,
  so they reach no suggestion, help page, gap report or export (property test).
- One client asking the same question 500 times plants nothing; enough distinct clients make a
  clean question a suggestion; a URL or a blocked word never is one, however many ask.
- An editor blocks a suggestion over HTTP: gone for every caller, and after a restart.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kotae.app.api import create_app
from kotae.kb import KBStore, Kind, Visibility
from kotae.knowledge_base import open_kb
from kotae.retrieval import RetrievalConfig
from kotae.retrieval.confidence import SHIPPED_RANKER, default_confidence

EDITOR = {"Authorization": "Bearer test-admin-key"}  # admin: every editor right
MIN_CLIENTS = 5
_ips = itertools.count(1)


@pytest.fixture(scope="module")
def kb_settings(sample_settings, tmp_path_factory, copy_kb):
    home = copy_kb(sample_settings.home, tmp_path_factory.mktemp("typeahead") / "kb")
    # Calibrated to answer even the noisy questions below (a URL, an insult, contact details
    # around a real question): what is tested is that the typeahead's rules hold them back
    # although they were answered, not that the confidence kept them out.
    RetrievalConfig(answer_threshold=0.15,
                    confidence=default_confidence(SHIPPED_RANKER)).save(home)
    return sample_settings.model_copy(update={
        "home": home, "rate_limit_per_minute": 0, "trust_proxy": True,
        "typeahead_min_clients": MIN_CLIENTS})


def app_client(kb_settings, embedder) -> TestClient:
    return TestClient(create_app(kb_settings, kb=open_kb(kb_settings, embedder=embedder)))


@pytest.fixture(scope="module")
def client(kb_settings, embedder) -> Iterator[TestClient]:
    with app_client(kb_settings, embedder) as c:
        yield c


def new_ip() -> str:
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def ask(client: TestClient, q: str, ip: str | None = None) -> None:
    """A customer searches on the help page (as help.js does while typing)."""
    page = client.get("/help/results", params={"q": q},
                      headers={"X-Forwarded-For": ip or new_ip()})
    assert page.status_code == 200


def suggestions(client: TestClient, q: str) -> list[str]:
    got = client.get("/v1/typeahead", params={"q": q, "limit": 20},
                     headers={"X-Forwarded-For": new_ip()})
    assert got.status_code == 200
    return got.json()["suggestions"]


def test_public_titles_and_faq_questions_are_suggested_never_internal_ones(client, kb_settings):
    docs = {d.id: d for _, d in KBStore.for_dir(kb_settings.home).iter_chunks_with_documents()}
    hidden = {d.title for d in docs.values()
              if d.visibility is not Visibility.PUBLIC or d.kind is Kind.TICKET}
    public = {d.title for d in docs.values() if d.title not in hidden}
    got = suggestions(client, "パスワ")
    assert got and all(s in public for s in got)
    for prefix in ("請求", "返金", "API", "障害", "エスカレーション"):
        assert not hidden & set(suggestions(client, prefix))


@pytest.mark.slow
def test_one_client_asking_500_times_plants_nothing(client):
    for _ in range(500):
        ask(client, "領収書の宛名を会社名にしたい", ip="203.0.113.9")
    assert "領収書の宛名を会社名にしたい" not in suggestions(client, "領収書の宛名")


def test_distinct_clients_make_a_clean_question_a_suggestion(client):
    question = "パスワードを忘れたときの手順"
    for _ in range(MIN_CLIENTS - 1):
        ask(client, question)
    assert question not in suggestions(client, "パスワードを忘れたとき")
    ask(client, question)
    assert suggestions(client, "パスワードを忘れたとき")[0] == question


@pytest.mark.parametrize(("question", "bad", "reason"), [
    ("パスワードを忘れた 詳しくは evil-example.com へ", "evil", "a URL or domain name"),
    ("領収書 ダウンロード できない 死ね", "死ね", "the blocked word '死ね'"),
    ("請求書 再発行 yamada@example.co.jp 090-1234-5678", "[メール]", "personal data"),
])
def test_urls_blocked_words_and_contact_details_never_however_many_ask(client, question, bad,
                                                                       reason):
    for _ in range(4 * MIN_CLIENTS):
        ask(client, question)
    for n in (1, 2, 3, 5):
        assert not any(bad in s for s in suggestions(client, question[:n]))
    review = client.get("/v1/typeahead/review", headers=EDITOR).json()
    held = {p["phrase"]: p for p in review["popular"] if bad in p["phrase"]}
    assert len(held) == 1, held  # it was asked by enough clients and answered...
    (popular,) = held.values()
    assert popular["clients"] >= 4 * MIN_CLIENTS
    assert not popular["suggested"] and popular["held_back"] == reason  # ...and held back
    assert "yamada" not in str(review) and "1234-5678" not in str(review)


def test_an_editor_blocks_a_suggestion_for_everyone_and_it_stays_blocked(client, kb_settings,
                                                                        embedder):
    question = "請求書の支払期限を延ばしたい"
    for _ in range(MIN_CLIENTS):
        ask(client, question)
    assert question in suggestions(client, "請求書の支払")
    made = client.post("/v1/typeahead/rules", json={"phrase": question, "decision": "block"},
                       headers=EDITOR)
    assert made.status_code == 201 and made.json()["decision"] == "block"
    assert question not in suggestions(client, "請求書の支払")
    with app_client(kb_settings, embedder) as restarted:  # a new server on the same KB
        assert question not in suggestions(restarted, "請求書の支払")
        for _ in range(MIN_CLIENTS):
            ask(restarted, question)
        assert question not in suggestions(restarted, "請求書の支払")
        review = restarted.get("/v1/typeahead/review", headers=EDITOR).json()
        assert [r["phrase"] for r in review["blocked"]] == [question]
    key = made.json()["key"]
    assert client.delete("/v1/typeahead/rules", params={"key": key},
                         headers=EDITOR).status_code == 200
    assert question in suggestions(client, "請求書の支払")
    assert client.delete("/v1/typeahead/rules", params={"key": key},
                         headers=EDITOR).status_code == 404


def test_an_editor_allows_a_phrase_and_only_editors_decide(client):
    agent = {"Authorization": "Bearer test-agent-key"}
    body = {"phrase": "インボイス制度への対応", "decision": "allow"}
    assert client.post("/v1/typeahead/rules", json=body).status_code == 401
    assert client.post("/v1/typeahead/rules", json=body, headers=agent).status_code == 403
    assert client.get("/v1/typeahead/review", headers=agent).status_code == 403
    assert client.post("/v1/typeahead/rules", json={**body, "phrase": "\u0085"},
                       headers=EDITOR).status_code == 422
    assert client.post("/v1/typeahead/rules", json=body, headers=EDITOR).status_code == 201
    assert suggestions(client, "インボイス")[0] == "インボイス制度への対応"


# --- property: planted contact details never reach another client -------------------------

KANJI_NAMES = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
QUESTIONS = ["請求書を再発行したい", "パスワードを忘れた", "領収書をダウンロードしたい",
             "インボイス制度に対応していますか", "請求書の宛名を変更したい",
             "解約の手続きを教えてください", "月額料金の支払い方法を変えたい"]


def luhn_complete(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


emails = st.builds(lambda user, domain, tld: f"{user}@{domain}.{tld}",
                   st.from_regex(r"[a-z][a-z0-9._]{2,12}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[a-z][a-z0-9-]{2,10}[a-z]", fullmatch=True),
                   st.sampled_from(["co.jp", "jp", "com", "ne.jp", "example"]))
mobiles = st.builds(lambda head, a, b, sep: f"{head}{sep}{a:04d}{sep}{b:04d}",
                    st.sampled_from(["090", "080", "070"]), st.integers(1000, 9999),
                    st.integers(0, 9999), st.sampled_from(["-", " ", ""]))
landlines = st.builds(lambda a, b: f"03-{a:04d}-{b:04d}", st.integers(1000, 9999),
                      st.integers(0, 9999))
postal = st.builds(lambda a, b: f"〒{a:03d}-{b:04d}", st.integers(100, 999), st.integers(0, 9999))
cards = st.builds(lambda body: " ".join(re.findall(".{4}", luhn_complete("4" + body))),
                  st.from_regex(r"[0-9]{14}", fullmatch=True))
names = st.builds(lambda name: f"{name}様", st.sampled_from(KANJI_NAMES))
personal = st.one_of(emails, mobiles, landlines, postal, cards, names)


def marker(value: str) -> str:
    """The part of a planted value that must never come back (a name: the name itself)."""
    return value.removesuffix("様")


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(question=st.sampled_from(QUESTIONS), value=personal, after=st.booleans())
def test_contact_details_in_a_search_never_reach_another_client(client, question, value, after):
    typed = f"{question} {value}" if after else f"{value} {question}"
    for _ in range(MIN_CLIENTS + 1):  # popular enough to be suggested, were it clean
        ask(client, typed)
    client.post("/v1/deflect", json={"question": typed},
                headers={"X-Forwarded-For": new_ip()})  # the chatbot's log too
    secret = marker(value)
    other = {"X-Forwarded-For": new_ip()}
    seen = {f"/v1/typeahead?q={question[:n]}": client.get(
        "/v1/typeahead", params={"q": question[:n], "limit": 20}, headers=other).text
        for n in (1, 2, 4)}
    seen["/help"] = client.get("/help", params={"q": question[:3]}, headers=other).text
    client.app.state.services.gap_reports.clear()  # its cache would hide the new questions
    for path in ("/v1/gaps?since=all&min_size=1", "/v1/gaps/export.md?since=all&min_size=1",
                 "/v1/gaps/export.csv?since=all&min_size=1&table=gaps"):
        response = client.get(path, headers=EDITOR)
        assert response.status_code == 200
        seen[path] = response.text
    seen["/v1/typeahead/review"] = client.get("/v1/typeahead/review", headers=EDITOR).text
    for where, text in seen.items():
        flat = text.replace(" ", "")
        at = flat.find(secret.replace(" ", ""))
        assert at < 0, f"{where} shows {secret!r}: …{flat[max(0, at - 200):at + 100]}…"


def test_a_phrase_of_punctuation_alone_is_refused_with_422(client):
    """Found by schemathesis: a phrase with nothing a suggestion can match (「,」) was a 500."""
    got = client.post("/v1/typeahead/rules", json={"phrase": ",", "decision": "block"},
                      headers=EDITOR)
    assert got.status_code == 422 and "phrase" in got.json()["detail"]
