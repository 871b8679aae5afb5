"""Japanese-aware lexical tokens from SudachiPy (normalised forms of content words).

Sudachi's normalised form folds spelling variants together (引落し → 引き落とし, できる → 出来る,
ﾊﾟｽﾜｰﾄﾞ → パスワード) and maps many English words to their katakana loanword (setup →
セットアップ), which is what BM25 needs to match a query against an article written differently.

Example:
    >>> tok = JapaneseTokenizer()
    >>> tok.tokens("パスワードを忘れました")
    ['パスワード', '忘れる']
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

# Parts of speech that carry no topic: particles, auxiliaries, symbols, whitespace, conjunctions.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "接続詞", "感動詞"}
# Content-free verbs and fillers that every support text is full of.
_STOP_FORMS = {
    "為る", "有る", "居る", "成る", "御座る", "下さる", "致す", "頂く", "貰う", "呉れる", "仕舞う",
    "此の", "其の", "彼の", "こと", "もの", "よう", "ため", "とき", "場合", "方", "等",
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "be", "i", "my",
    "me", "you", "your", "it", "this", "that", "with", "do", "does", "can", "how", "what",
    "please", "we", "our", "at", "by", "from", "as", "was", "have", "has",
}
_MODES = {"A", "B", "C"}


@dataclass(frozen=True, slots=True)
class Token:
    term: str
    begin: int
    end: int


class JapaneseTokenizer:
    """Content-word terms of a text, for BM25 and for highlighting matches.

    ``mode`` is Sudachi's split mode: A (short units), B (middle), C (named entities whole).
    Thread-safe: each thread gets its own Sudachi tokenizer.
    """

    def __init__(self, mode: str = "A", dictionary: str = "core") -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown Sudachi split mode {mode!r}; allowed: A, B, C")
        self.mode = mode
        self.dictionary = dictionary
        self.id = f"sudachi:{dictionary}:{mode}:content-normalized"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._dictionary: Any = None

    def _tokenizer(self) -> Any:
        tok = getattr(self._local, "tok", None)
        if tok is None:
            from sudachipy import Dictionary, SplitMode

            split = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[self.mode]
            # One dictionary (~75 MB) shared by the threads; each thread its own tokenizer
            # (a dictionary per thread made a 40-thread server hold gigabytes).
            with self._lock:
                if self._dictionary is None:
                    self._dictionary = Dictionary(dict=self.dictionary)
                tok = self._dictionary.tokenizer(mode=split)
            self._local.tok = tok
        return tok

    def analyse(self, text: str) -> list[Token]:
        """Content-word tokens with their character offsets in ``text``."""
        out: list[Token] = []
        # Sudachi refuses inputs above ~49k bytes; analyse long texts in pieces.
        for offset, piece in _pieces(text, 4000):
            for m in self._tokenizer().tokenize(piece):
                if m.part_of_speech()[0] in _SKIP_POS:
                    continue
                term = m.normalized_form().lower()
                if term in _STOP_FORMS or m.surface().lower() in _STOP_FORMS or not term.strip():
                    continue
                out.append(Token(term, offset + m.begin(), offset + m.end()))
        return out

    def tokens(self, text: str) -> list[str]:
        return [t.term for t in self.analyse(text)]


def _pieces(text: str, size: int) -> list[tuple[int, str]]:
    """Split at line ends near ``size`` characters so no word is cut."""
    if len(text) <= size:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = max(text.rfind("。", start, end), text.rfind(" ", start, end))
            end = cut + 1 if cut > start else end
        out.append((start, text[start:end]))
        start = end
    return out
