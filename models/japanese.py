"""Japanese-aware lexical tokens from SudachiPy (normalised forms of content words).

Sudachi's normalised form folds spelling variants together (引落し → 引き落とし, できる → 出来る,
ﾊﾟｽﾜｰﾄﾞ → パスワード) and maps many English words to their katakana loanword (setup →
セットアップ), which is what BM25 needs to match a query against an article written differently.
A word written in kana alone is then folded to one script (``models.kana.fold_spelling``): ごみ
and ゴミ, サーバー and サーバ, キャンセル and キヤンセル are one term.

Readings (``reading``, ``reading_terms``) are the other half: how the text is read, kana
folded to one spelling (``models.kana``), so ぱすわーどをわすれた and パスワードを忘れた read the
same, and character n-grams of that reading match where Sudachi cannot segment the query
(a hiragana run it has no entry for, a typo, a product name).

Example:
    >>> tok = JapaneseTokenizer()
    >>> tok.tokens("パスワードを忘れました")
    ['パスワード', '忘れる']
    >>> tok.reading("パスワードを忘れた") == tok.reading("ぱすわーどをわすれた")
    True
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotae.models.kana import fold_kana, fold_spelling, reading_terms, to_katakana
from kotae.models.written import WrittenForms

# Parts of speech that carry no topic: particles, auxiliaries, symbols, whitespace, conjunctions.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "接続詞", "感動詞"}
# Content-free verbs and fillers that every support text is full of.
_STOP_FORMS = {
    "為る", "有る", "居る", "成る", "御座る", "下さる", "致す", "頂く", "貰う", "呉れる", "仕舞う",
    "御",  # the polite prefix お/ご (ご利用, お問い合わせ): in every polite sentence
    "此の", "其の", "彼の", "こと", "もの", "よう", "ため", "とき", "場合", "方", "等",
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "be", "i", "my",
    "me", "you", "your", "it", "this", "that", "with", "do", "does", "can", "how", "what",
    "please", "we", "our", "at", "by", "from", "as", "was", "have", "has",
}
_MODES = {"A", "B", "C"}
# A term written in kana alone (hiragana, katakana, half-width katakana, the long-vowel mark).
_KANA_TERM = re.compile("[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]+")
# Readings: what separates runs (symbols, spaces); ASCII words and numbers are read as written.
_READ_AS_WRITTEN = {"補助記号", "記号", "空白"}
_FUNCTION_POS = {"助詞", "助動詞"}
_LOANWORDS_KEPT = 100_000  # hiragana pieces whose lookup is remembered
READING_ID = "sudachi-reading:kana-fold:2-3gram/v1"
SYNONYM_ID = "sudachi-synonym-groups/v1"


@dataclass(frozen=True, slots=True)
class Token:
    term: str
    begin: int
    end: int
    reading: str = ""  # the word's reading, kana folded (``models.kana.fold_kana``)


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
        self.id = f"sudachi:{dictionary}:{mode}:content-normalized:kana-folded"
        self.reading_id = f"{dictionary}:{READING_ID}"
        self.synonym_id = f"{dictionary}:{SYNONYM_ID}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._dictionary: Any = None
        self._loanwords: dict[str, bool] = {}

    def _tokenizer(self, mode: str | None = None) -> Any:
        """This thread's Sudachi tokenizer in ``mode`` (default: the tokenizer's own)."""
        mode = mode or self.mode
        toks = getattr(self._local, "toks", None)
        if toks is None:
            toks = self._local.toks = {}
        tok = toks.get(mode)
        if tok is None:
            from sudachipy import Dictionary, SplitMode

            split = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[mode]
            # One dictionary (~75 MB) shared by the threads; each thread its own tokenizer
            # (a dictionary per thread made a 40-thread server hold gigabytes).
            with self._lock:
                if self._dictionary is None:
                    self._dictionary = Dictionary(dict=self.dictionary)
                tok = self._dictionary.tokenizer(mode=split)
            toks[mode] = tok
        return tok

    def _content(self, text: str, mode: str | None = None) -> Iterator[tuple[int, Any, str]]:
        """(offset of its piece, morpheme, term) of every content word of ``text``."""
        # Sudachi refuses inputs above ~49k bytes; analyse long texts in pieces.
        for offset, piece in _pieces(text, 4000):
            for m in self._tokenizer(mode).tokenize(piece):
                if m.part_of_speech()[0] in _SKIP_POS:
                    continue
                term = m.normalized_form().lower()
                if term in _STOP_FORMS or m.surface().lower() in _STOP_FORMS or not term.strip():
                    continue
                yield offset, m, fold_spelling(term) if _KANA_TERM.fullmatch(term) else term

    def analyse(self, text: str) -> list[Token]:
        """Content-word tokens with their character offsets in ``text``."""
        return [Token(term, offset + m.begin(), offset + m.end(), _read(m))
                for offset, m, term in self._content(text)]

    def tokens(self, text: str) -> list[str]:
        return [t.term for t in self.analyse(text)]

    def synonym_terms(self, text: str) -> list[str]:
        """The terms of the synonym index: the synonym groups of ``text``'s content words, from
        Sudachi's synonym dictionary ("≡<group id>": 引っ越し and 転居, ごみ and ゴミ, ログイン and
        サインイン, 領収書 and レシート each share one). Words are taken whole (split mode C:
        サインイン, not サイン + イン) and by their parts (マイナンバーカード is also a カード); a
        word in several groups (キャンセル: 取り消し and 解約) gives each, once."""
        from sudachipy import SplitMode

        out: list[str] = []
        for _, m, _ in self._content(text, "C"):
            parts = m.split(SplitMode.A)
            groups = dict.fromkeys([*m.synonym_group_ids(), *(
                g for part in (parts if len(parts) > 1 else ()) for g in part.synonym_group_ids())])
            out += [f"≡{g}" for g in groups]
        return out

    def reading(self, text: str) -> str:
        """How the whole of ``text`` is read (particles included, so that it does not depend on
        how Sudachi segments it), kana folded; symbols and spaces kept as they are (they
        separate runs), ASCII words and numbers lower-cased as written."""
        parts = [_read(m) or " " for _, piece in _pieces(text, 4000)
                 for m in self._tokenizer().tokenize(piece)]
        return "".join(parts)

    def words(self, text: str) -> list[tuple[str, str]]:
        """(surface, reading) of every word of ``text``, the reading "" for symbols, spaces,
        ASCII and numbers: what ``models.written.WrittenForms`` learns the KB's spellings
        from."""
        return [(m.surface(), m.reading_form() if _read(m) and not (
                    m.surface().isascii() or m.surface().isdigit()) else "")
                for _, piece in _pieces(text, 4000) for m in self._tokenizer().tokenize(piece)]

    def learn_spellings(self, texts: Iterable[str]) -> WrittenForms:
        """The KB's spellings by reading, learnt from ``texts`` (``models.written``)."""
        return WrittenForms.build((self.words(t) for t in texts), self.morphemes, self.loanword)

    def load_spellings(self, path: Path) -> WrittenForms:
        return WrittenForms.load(path, self.morphemes, self.loanword)

    def loanword(self, hiragana: str) -> bool:
        """Whether the dictionary has ``hiragana`` in katakana as a common noun (しんぐるまざー:
        シングルマザー) and not as a word written in hiragana (ごみ, てれび); remembered."""
        known = self._loanwords.get(hiragana)
        if known is None:
            self._tokenizer()  # loads the dictionary
            kana = to_katakana(hiragana)
            known = not any(m.surface() == hiragana for m in self._dictionary.lookup(hiragana)) \
                and any(m.surface() == kana and m.part_of_speech()[1] == "普通名詞"
                        for m in self._dictionary.lookup(kana))
            if len(self._loanwords) >= _LOANWORDS_KEPT:
                self._loanwords.clear()
            self._loanwords[hiragana] = known
        return known

    def morphemes(self, text: str) -> list[tuple[int, int, bool]]:
        """(begin, end, is a particle or an auxiliary) of every morpheme of ``text``."""
        return [(offset + m.begin(), offset + m.end(), m.part_of_speech()[0] in _FUNCTION_POS)
                for offset, piece in _pieces(text, 4000)
                for m in self._tokenizer().tokenize(piece)]

    def reading_terms(self, text: str) -> list[str]:
        """The terms of the reading index: character 2- and 3-grams of ``reading``."""
        return reading_terms(self.reading(text))


def _read(morpheme: Any) -> str:
    """A morpheme's folded reading; its surface for ASCII words and numbers; "" for symbols."""
    if morpheme.part_of_speech()[0] in _READ_AS_WRITTEN:
        return ""
    surface = morpheme.surface()
    if surface.isascii() or surface.isdigit():
        return fold_kana(surface).lower()
    return fold_kana(morpheme.reading_form() or surface)


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
