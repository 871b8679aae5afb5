"""kotae search as a LangChain retriever on the sample KB."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")

from kotae.retrieval import Audience  # noqa: E402
from kotae.suggest import KotaeRetriever  # noqa: E402


def test_retriever_returns_documents_with_kotae_metadata(sample_searcher):
    retriever = KotaeRetriever(searcher=sample_searcher, k=3)
    docs = retriever.invoke("パスワードを忘れた")
    assert 1 <= len(docs) <= 3
    top = docs[0]
    assert "パスワード" in top.metadata["title"]
    assert top.page_content and top.metadata["url"].startswith("https://")
    assert 0.0 <= top.metadata["confidence"] <= 1.0
    assert all(d.metadata["visibility"] == "public" and d.metadata["kind"] != "ticket"
               for d in docs)


def test_agents_also_get_tickets_and_k_is_checked(sample_searcher):
    docs = KotaeRetriever(searcher=sample_searcher, audience=Audience.AGENT, k=20).invoke(
        "二重請求 返金")
    assert any(d.metadata["kind"] == "ticket" for d in docs)
    with pytest.raises(ValueError, match="k must be"):
        KotaeRetriever(searcher=sample_searcher, k=0)
