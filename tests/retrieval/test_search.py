"""Hybrid search over the ingested sample KB (session fixture ``sample_searcher``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kotae.app.api.schemas.common import SearchOut
from kotae.ingest import Defaults
from kotae.ingest.loaders.documents import load_markdown
from kotae.kb import Document, Kind, Visibility
from kotae.models import JapaneseTokenizer
from kotae.retrieval import MAX_K, Audience, Searcher, SearchFilter, SearchResult
from kotae.retrieval.snippets import make_snippet

SAMPLE_KB = Path(__file__).resolve().parents[2] / "kb" / "sample_kb"

# Misspelt, differently written and half-width forms of 「パスワードを忘れた」.
JAPANESE_VARIANTS = [
    "パスワードを忘れた",
    "ﾊﾟｽﾜｰﾄﾞを忘れました",  # half-width kana
    "パスワードをわすれた",  # kana instead of kanji
    "パスワードを忘た",  # 送り仮名 dropped
    "パスワ一ドを忘れた",  # typo: 一 (kanji one) instead of ー
]


@pytest.fixture(scope="module")
def reset_article() -> Document:
    [doc] = load_markdown(SAMPLE_KB / "manuals" / "password-reset.md", Defaults()).documents
    assert "パスワード" in doc.title and "再設定" in doc.title
    return doc.named("manuals/password-reset.md")  # its id as `kotae ingest kb/sample_kb` makes it


@pytest.fixture(scope="module")
def internal_articles() -> list[Document]:
    docs = [d.named(f"internal/{path.name}")  # their ids as ingesting the folder makes them
            for path in sorted((SAMPLE_KB / "internal").glob("*.md"))
            for d in load_markdown(path, Defaults()).documents]
    internal = [d for d in docs if d.visibility is Visibility.INTERNAL]
    assert internal, "the sample KB should have internal articles under internal/"
    return internal


@pytest.fixture(scope="module")
def sample_tickets() -> list[dict[str, str]]:
    path = SAMPLE_KB / "tickets.jsonl"
    assert path.is_file(), f"the sample KB should have past tickets in {path}"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _ranking(result: SearchResult) -> str:
    return "; ".join(
        f"{i}. {h.title} [{h.kind}] fused={h.score:.3f} bm25={h.scores['bm25']} "
        f"dense={h.scores['dense']}" for i, h in enumerate(result.hits, start=1))


@pytest.mark.parametrize("query", JAPANESE_VARIANTS)
def test_password_queries_find_the_reset_article_first(
        sample_searcher: Searcher, reset_article: Document, query: str) -> None:
    result = sample_searcher.search(query, audience=Audience.PUBLIC, k=5)
    assert result.hits, f"no hits for {query!r}"
    top = result.hits[0]
    # the reset article, or the FAQ entry that answers a forgotten password (both say how)
    assert top.doc_id == reset_article.id or (
        top.kind is Kind.FAQ and top.title.startswith("パスワードを忘れ")), (
        f"{query!r}: expected {reset_article.title!r} first; got {_ranking(result)} "
        f"(confidence {result.confidence:.3f})")
    assert reset_article.id in [h.doc_id for h in result.hits[:2]]


def test_english_query_finds_the_japanese_reset_article(
        sample_searcher: Searcher, reset_article: Document) -> None:
    result = sample_searcher.search("I forgot my password", audience=Audience.PUBLIC, k=3)
    assert reset_article.id in [h.doc_id for h in result.hits], (
        f"expected {reset_article.title!r} in the top 3; got {_ranking(result)}")


def test_public_search_never_returns_internal_articles(
        sample_searcher: Searcher, internal_articles: list[Document]) -> None:
    for doc in internal_articles:
        for query in (doc.title, doc.body[:120]):
            result = sample_searcher.search(query, audience=Audience.PUBLIC, k=MAX_K)
            assert doc.id not in {h.doc_id for h in result.hits}
            for hit in result.hits:
                assert hit.visibility is Visibility.PUBLIC, (query, hit.title)
                assert hit.kind is not Kind.TICKET, (query, hit.title)


def test_public_search_cannot_ask_for_internal_or_tickets(
        sample_searcher: Searcher, internal_articles: list[Document]) -> None:
    query = internal_articles[0].title
    for asked in (SearchFilter(visibilities=frozenset({Visibility.INTERNAL})),
                  SearchFilter(kinds=frozenset({Kind.TICKET}))):
        result = sample_searcher.search(query, audience=Audience.PUBLIC, k=10, filters=asked)
        assert result.hits == []


def test_agent_search_finds_internal_articles(
        sample_searcher: Searcher, internal_articles: list[Document]) -> None:
    for doc in internal_articles:
        result = sample_searcher.search(doc.title, audience=Audience.AGENT, k=3)
        assert doc.id in [h.doc_id for h in result.hits], (doc.title, _ranking(result))
        hit = next(h for h in result.hits if h.doc_id == doc.id)
        assert hit.visibility is Visibility.INTERNAL and hit.title == doc.title


def test_public_search_never_returns_tickets(
        sample_searcher: Searcher, sample_tickets: list[dict[str, str]]) -> None:
    for ticket in sample_tickets[:10]:
        query = ticket.get("subject") or ticket["body"][:80]
        for hit in sample_searcher.search(query, audience=Audience.PUBLIC, k=MAX_K).hits:
            assert hit.kind is not Kind.TICKET and hit.visibility is Visibility.PUBLIC, query


def test_agent_search_finds_tickets(
        sample_searcher: Searcher, sample_tickets: list[dict[str, str]]) -> None:
    ticket = sample_tickets[0]
    query = ticket.get("subject") or ticket["body"][:80]
    only_tickets = SearchFilter(kinds=frozenset({Kind.TICKET}))
    result = sample_searcher.search(query, audience=Audience.AGENT, k=5, filters=only_tickets)
    assert result.hits and all(h.kind is Kind.TICKET for h in result.hits)
    assert any(query[:20] in h.title or query[:20] in h.text for h in result.hits), (
        query, _ranking(result))


def test_kind_filter_returns_only_faq(sample_searcher: Searcher) -> None:
    only_faq = SearchFilter(kinds=frozenset({Kind.FAQ}))
    for audience in Audience:
        result = sample_searcher.search("パスワードを忘れた", audience=audience, k=10,
                                        filters=only_faq)
        assert result.hits
        assert all(h.kind is Kind.FAQ for h in result.hits)


def test_language_filter(sample_searcher: Searcher) -> None:
    result = sample_searcher.search("password", audience=Audience.PUBLIC, k=10,
                                    filters=SearchFilter(languages=frozenset({"ja"})))
    assert result.hits and all(h.language == "ja" for h in result.hits)


def test_hits_carry_their_fields(sample_searcher: Searcher, reset_article: Document) -> None:
    result = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=5)
    assert result.snapshot
    for hit in result.hits:
        assert hit.doc_id and hit.chunk_id and hit.title and hit.snippet
        assert isinstance(hit.kind, Kind) and isinstance(hit.visibility, Visibility)
        assert hit.language in {"ja", "en"}
        assert set(hit.scores) == {"bm25", "dense", "rerank"}  # the second stage's, by default
        assert any(v is not None for v in hit.scores.values())
    # the article among the first two (the FAQ entry on a forgotten password may lead)
    article = next(h for h in result.hits[:2] if h.doc_id == reset_article.id)
    assert article.url == reset_article.url and article.url.startswith("https://")
    assert article.heading.startswith(reset_article.title)
    assert article.scores["bm25"] is not None and article.scores["dense"] is not None
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)
    data = SearchOut.of(result).model_dump()
    assert data["hits"][0]["kind"] in {"manual", "faq"} and "text" not in data["hits"][0]
    assert set(data["hits"][0]["scores"]) == {"bm25", "dense", "rerank"}


def test_each_document_appears_once(sample_searcher: Searcher) -> None:
    result = sample_searcher.search("パスワード", audience=Audience.AGENT, k=20)
    doc_ids = [h.doc_id for h in result.hits]
    assert len(doc_ids) == len(set(doc_ids))
    chunks = sample_searcher.search("パスワード", audience=Audience.AGENT, k=20, collapse=False)
    assert len({h.doc_id for h in chunks.hits}) < len(chunks.hits)


@pytest.mark.parametrize("query", ["パスワードを忘れた", "ﾊﾟｽﾜｰﾄﾞを忘れました", "請求書の作成"])
def test_highlights_point_at_matched_words_in_the_snippet(
        sample_searcher: Searcher, tokenizer: JapaneseTokenizer, query: str) -> None:
    terms = set(tokenizer.tokens(query))
    result = sample_searcher.search(query, audience=Audience.PUBLIC, k=5)
    assert any(h.highlights for h in result.hits)
    for hit in result.hits:
        for begin, end in hit.highlights:
            assert 0 <= begin < end <= len(hit.snippet)
            word = hit.snippet[begin:end]
            assert set(tokenizer.tokens(word)) & terms, (query, word, hit.snippet)


def test_a_tables_cells_read_as_words_and_their_highlights_stay_on_them(
        sample_searcher: Searcher, tokenizer: JapaneseTokenizer) -> None:
    text = "確認できます。\n| 送信結果 | 意味 |\n| --- | :-: |\n| 送信失敗 | 拒否されました |"
    terms = set(tokenizer.tokens("送信失敗"))
    snippet, highlights = make_snippet(text, tokenizer.analyse(text), terms)
    assert snippet == "確認できます。 · 送信結果 · 意味 · 送信失敗 · 拒否されました · "
    assert {snippet[b:e] for b, e in highlights} >= {"送信", "失敗"}
    assert all(set(tokenizer.tokens(snippet[b:e])) & terms for b, e in highlights)
    result = sample_searcher.search("送信失敗になってた", audience=Audience.PUBLIC, k=10)
    tables = [h for h in result.hits if "|" in h.text]
    assert tables and not any("|" in h.snippet for h in tables)


def test_a_snippet_reads_as_plain_text_not_markdown(tokenizer: JapaneseTokenizer) -> None:
    text = ("次の操作ができます。\n- **編集**：内容を変更します。\n- **一時停止**：再開するまで"
            "\n1. 開きます。")
    snippet, highlights = make_snippet(text, tokenizer.analyse(text), {"編集"})
    assert snippet == ("次の操作ができます。\n編集：内容を変更します。\n一時停止：再開するまで"
                       "\n1. 開きます。")
    assert [snippet[b:e] for b, e in highlights] == ["編集"]


def test_a_chunk_is_analysed_once_for_its_snippets_and_they_are_the_same(
        sample_searcher: Searcher, sample_settings) -> None:
    """The snippet cache changes what a search costs, never what it returns: the same hits,
    snippets and highlights as a searcher that analyses every hit; a chunk already shown is not
    analysed again for the next question."""
    base = sample_searcher
    uncached = Searcher(sample_settings.home, base.embedder, base.tokenizer, base.config,
                        base.reranker, base.rerank_depth, span_cache=0)
    for query in ["パスワードを忘れた", "請求書の宛名を変更したい", "パスワードの再設定"]:
        cached = base.search(query, audience=Audience.PUBLIC, k=10)
        fresh = uncached.search(query, audience=Audience.PUBLIC, k=10)
        assert [(h.chunk_id, h.snippet, h.highlights) for h in cached.hits] == \
            [(h.chunk_id, h.snippet, h.highlights) for h in fresh.hits]
    before = base._analyse.cache_info()
    again = base.search("パスワードを忘れた", audience=Audience.PUBLIC, k=10)
    after = base._analyse.cache_info()
    assert after.misses == before.misses and after.hits - before.hits == len(again.hits)
    assert uncached._analyse.cache_info().currsize == 0


def test_confidence_is_higher_on_topic(sample_searcher: Searcher) -> None:
    on_topic = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC)
    off_topic = sample_searcher.search("今日の東京の天気は？", audience=Audience.PUBLIC)
    for result in (on_topic, off_topic):
        assert 0.0 <= result.confidence <= 1.0
    assert on_topic.confidence > off_topic.confidence, (on_topic.confidence,
                                                        off_topic.confidence)
    assert on_topic.confidence >= 0.5 > off_topic.confidence


@pytest.mark.parametrize("mode", ["bm25", "dense", "reading", "synonym"])
def test_single_arm_modes(sample_searcher: Searcher, reset_article: Document, mode: str) -> None:
    result = sample_searcher.search("パスワードを忘れた", audience=Audience.PUBLIC, k=5, mode=mode)
    assert reset_article.id in [h.doc_id for h in result.hits]
    for other in {"bm25", "dense"} - {mode}:
        assert all(h.scores[other] is None for h in result.hits)


def test_the_reading_arm_finds_what_is_typed_in_another_script(
        sample_searcher: Searcher, reset_article: Document) -> None:
    for typed in ("ぱすわーどをわすれた", "ﾊﾟｽﾜｰﾄﾞ", "パスワドのさいせってい"):
        result = sample_searcher.search(typed, audience=Audience.PUBLIC, k=5, mode="reading")
        assert reset_article.id in [h.doc_id for h in result.hits], typed


def test_the_synonym_arm_finds_a_word_the_kb_writes_another_way(
        sample_searcher: Searcher) -> None:
    """The FAQ says 領収書, the customer types レシート: one synonym group in Sudachi."""
    result = sample_searcher.search("レシートが欲しい", audience=Audience.PUBLIC, k=5,
                                    mode="synonym")
    receipts = [h for h in result.hits if "領収書" in h.title]
    assert receipts and not any("レシート" in h.title + h.text for h in receipts)


def test_empty_query_has_no_hits(sample_searcher: Searcher) -> None:
    result = sample_searcher.search(" 　\n", audience=Audience.PUBLIC)
    assert result.hits == [] and result.confidence == 0.0


def test_bad_arguments(sample_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="k must be"):
        sample_searcher.search("パスワード", audience=Audience.PUBLIC, k=0)
    with pytest.raises(ValueError, match="k must be"):
        sample_searcher.search("パスワード", audience=Audience.PUBLIC, k=MAX_K + 1)
    with pytest.raises(ValueError, match="allowed: default, hybrid, bm25, dense, reading, synonym"):
        sample_searcher.search("パスワード", audience=Audience.PUBLIC, mode="magic")
