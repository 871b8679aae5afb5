"""How a knowledge base writes the words it reads: hiragana typed for a word → the KB's spelling.

A customer who does not convert (ぱすわーどをわすれた, じゅうみんひょうのとりかた) gives the
word index and the embedder text that no article is written in. ``WrittenForms`` is learnt
from the KB's own text at build: every word's reading (katakana, small kana and ー kept) and
how often each spelling of it occurs, and so for runs of up to ``SEQUENCE`` words the KB writes
in one script: hiragana (していますか is read シテイ…, which is also 指定: the KB's hiragana runs
say which is meant) and kanji (Sudachi reads 市役所 as 市 + 役所 and 図書館 as 図書 + 館; whole, the
reading しやくしょ is not し + 役所). ``convert`` segments each hiragana run of a query into the
likeliest pieces by those counts (a unigram model, Viterbi) and writes a piece the KB's way
when the KB spells it with kanji or katakana and its reading is long enough to be specific; the
rest of the run stays as typed, and so does the start of a run that follows a kanji unless the
KB writes it in katakana with a long vowel or four kana (送り仮名: 楽しめる is not 楽占める;
介護さーびす is 介護サービス).
A three-kana piece becomes kanji only where the morphological analysis of the query (``analyse``)
has a word that starts and ends with it and does not end in a particle or an auxiliary
(わすれた: 忘れ; いいんですか is not 委員ですか, 通わせたい not 通わ世帯).
What is left of a hiragana run may be a loanword the KB never uses (しんぐるまざー, すとーかー,
防災まっぷ after a kanji): a piece is written in katakana when the dictionary has that katakana
as a common noun (``loanword``, Sudachi's lexicon) and the KB does not write the reading in
hiragana. A piece must look like a loanword: a long vowel, a small vowel kana or a p-sound
(ー, ぃ, ぷ; native Japanese in hiragana has almost none), or four kana or more that the
analysis read as content words of its own (しろあり, わっくす); どうすれ, ばいい, ている stay.
Katakana runs are written the KB's way too when the KB does not spell them so: a variant in
small kana or a word's last long vowel (キヤンセル, サーバ: the same under
``models.kana.fold_spelling``), or, for five kana or more, a slip of one kana (ダウンロド,
バックアップコート: a kana left out or changed from a KB word, the commonest such word).
A kanji run (kanji between other characters) the KB never writes is written as the KB's run or
kanji word of three kanji or more that it is one kanji short of (育館: 体育館, 金課: 年金課,
印鑑明書: 印鑑証明書, 街灯: 街路灯 in a KB that only writes that), the commonest when several fit
and only one the KB writes in two texts or more; a run the KB writes stays (支払, of 支払い), and so
does a piece of one that the analysis reads as words (年金 of 年金課) and a lone kanji.
Text already written the KB's way has no hiragana word to convert (its hiragana are particles,
endings, and words the KB or the dictionary writes in hiragana), no katakana word and no kanji
run the KB does not use, so it comes back unchanged.

Example:
    >>> words = [("パスワード", "パスワード"), ("を", "ヲ"), ("忘れ", "ワスレ")]
    >>> forms = WrittenForms.build([words])
    >>> forms.convert("ぱすわーどをわすれた")
    'パスワードを忘れた'
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path

from kotae.models.kana import LONG_VOWEL, fold_spelling, to_katakana

MIN_READING = 3  # shorter readings (した: 下, いつ: 何時) are too often something else
CONVERT_COST = 2.0  # a written form must be this much likelier (log) than the kana it replaces
UNKNOWN_COST = 8.0  # on top of the rarest word's cost, for a kana the KB never reads alone
SEQUENCE = 3  # hiragana (or katakana, or kanji) words in a row counted as one piece
FUZZY = 5  # folded kana a katakana run needs before a one-kana slip is corrected
KANJI_FUZZY = 3  # kanji a KB run needs before a query run one kanji short of it is corrected
KANJI_SEEN = 2  # texts the KB writes a run in before a query run is corrected to it
KANJI_WORDS = 4  # consecutive kanji words counted as one piece of a run
MAX_PASSES = 4  # a converted word can make its neighbour a word the analysis knows
LOANWORD_PLAIN = 4  # kana a loanword without a loanword's mark needs
LOANWORD_LONGEST = 12  # kana of the longest loanword looked up (コミュニケーション: 9)
_LOANWORD_MARK = re.compile(r"[ーぁぃぅぇぉゔぱぴぷぺぽ]")
_HIRAGANA_RUN = re.compile(r"[ぁ-ゖ][ぁ-ゖー]*")
_KANA_ONLY = re.compile(r"[ぁ-ゖァ-ヺー]+")
_HIRAGANA_ONLY = re.compile(r"[ぁ-ゖー]+")
_KATAKANA_ONLY = re.compile(r"[ァ-ヺー]+")
_KATAKANA_RUN = re.compile(r"[ァ-ヺ][ァ-ヺー]*")
_KANJI = re.compile(r"[\u3400-\u9fff々〆]")
_KANJI_ONLY = re.compile(r"[\u3400-\u9fff々〆]+")


Morphemes = Callable[[str], list[tuple[int, int, bool]]]  # (begin, end, particle or auxiliary)
Loanword = Callable[[str], bool]  # hiragana → the dictionary writes it as a katakana noun


class WrittenForms:
    """Reading → (the KB's commonest spelling of it, how often the reading occurs); and the
    KB's kanji runs and kanji words → in how many of its texts each is written."""

    def __init__(self, forms: dict[str, tuple[str, int]],
                 analyse: Morphemes | None = None, loanword: Loanword | None = None,
                 kanji: dict[str, int] | None = None) -> None:
        self.forms = forms
        self.kanji = kanji or {}
        self.analyse = analyse
        self.loanword = loanword
        self.total = sum(n for _, n in forms.values()) or 1
        self.longest = max((len(r) for r in forms), default=1)
        self._unknown = math.log(self.total) + UNKNOWN_COST
        # folded katakana spelling → (the KB's spelling, count); one-deletion index, on use
        self._katakana: dict[str, tuple[str, int]] = {}
        for surface, count in forms.values():
            if _KATAKANA_ONLY.fullmatch(surface):
                key = fold_spelling(surface)
                if count > self._katakana.get(key, ("", 0))[1]:
                    self._katakana[key] = (surface, count)
        self._spelled = {s for s, _ in self._katakana.values()}
        self._deletions: dict[str, set[str]] | None = None
        # one deletion of a KB run → the commonest run it is one of (ties: the first in order);
        # built here, with the snapshot, not on a customer's first query
        self._kanji_deletions: dict[str, str] = {}
        for word, count in self.kanji.items():
            if len(word) >= KANJI_FUZZY and count >= KANJI_SEEN:
                for variant in _deleted(word):
                    if count > self.kanji.get(self._kanji_deletions.get(variant, ""), 0):
                        self._kanji_deletions[variant] = word

    def __len__(self) -> int:
        return len(self.forms)

    @classmethod
    def build(cls, texts: Iterable[Sequence[tuple[str, str]]],
              analyse: Morphemes | None = None,
              loanword: Loanword | None = None) -> WrittenForms:
        """From the (surface, reading) of every word of each of the KB's texts, in order (a
        reading "" for symbols and other words that break a run)."""
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        kanji: Counter[str] = Counter()
        for words in texts:
            surfaces = [surface for surface, _ in words]
            # in how many texts each run (支払, of 支払い) and each piece of one is written
            kanji.update(set(_kanji_pieces(surfaces)).union(
                _KANJI_ONLY.findall("".join(surfaces))))
            keys = [to_katakana(reading) for _, reading in words]
            for n, ((surface, _), key) in enumerate(zip(words, keys, strict=True)):
                if not key or not _KANA_ONLY.fullmatch(key):
                    continue
                spellings[key][surface] += 1
                end = n + 1  # the words of the same script that follow it, as one piece
                script = _HIRAGANA_ONLY if _HIRAGANA_ONLY.fullmatch(surface) else \
                    _KANJI_ONLY if _KANJI_ONLY.fullmatch(surface) else _KATAKANA_ONLY
                while end < min(n + SEQUENCE, len(words)) and keys[end] \
                        and script.fullmatch(surface + words[end][0]):
                    spellings["".join(keys[n:end + 1])][
                        "".join(s for s, _ in words[n:end + 1])] += 1
                    end += 1
        return cls({r: (c.most_common(1)[0][0], sum(c.values()))
                    for r, c in sorted(spellings.items())}, analyse, loanword,
                   dict(sorted(kanji.items())))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"forms": self.forms, "kanji": self.kanji},
                                   ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, analyse: Morphemes | None = None,
             loanword: Loanword | None = None) -> WrittenForms:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "forms" not in data:  # a snapshot from before the kanji runs: readings only
            data = {"forms": data, "kanji": {}}
        return cls({r: (s, int(n)) for r, (s, n) in data["forms"].items()}, analyse, loanword,
                   {w: int(n) for w, n in data["kanji"].items()})

    def convert(self, text: str) -> str:
        """``text`` with its hiragana, katakana and kanji runs written the KB's way (see the
        module docstring), until nothing more changes (so converting again changes nothing)."""
        for _ in range(MAX_PASSES):
            converted = self._convert_once(text)
            if converted == text:
                break
            text = converted
        return text

    def _convert_once(self, text: str) -> str:
        words = self.analyse(text) if self.analyse and _HIRAGANA_RUN.search(text) else None
        starts = {b for b, _, _ in words or ()}
        ends = {e: function for _, e, function in words or ()}

        def word(begin: int, end: int) -> bool:
            return words is None or (begin in starts and ends.get(end) is False)

        text = _HIRAGANA_RUN.sub(lambda m: self._convert_run(
            m.group(0), m.start() > 0 and bool(_KANJI.match(text[m.start() - 1])),
            lambda b, e: word(m.start() + b, m.start() + e)), text)
        text = self._loanwords(text) if self.loanword else text
        text = _KATAKANA_RUN.sub(lambda m: self._katakana_run(m.group(0)), text)
        return _KANJI_ONLY.sub(lambda m: self._kanji_run(m.group(0)), text) if self.kanji \
            else text

    def _loanwords(self, text: str) -> str:
        """``text`` with the loanwords of its hiragana runs in katakana (module docstring): per
        run, the pieces that cover the most kana (then the fewest pieces)."""
        words: list[tuple[int, int, bool]] | None = None

        def content(begin: int, end: int) -> bool:  # whole content words of the analysis
            nonlocal words
            if words is None:
                words = self.analyse(text) if self.analyse else []
            inside = [w for w in words if begin <= w[0] and w[1] <= end]
            return (any(w[0] == begin for w in inside) and any(w[1] == end for w in inside)
                    and len(inside) >= 2 and not any(function for *_, function in inside))

        def run(match: re.Match[str]) -> str:
            typed, at = match.group(0), match.start()
            n = len(typed)
            marks = list(accumulate((bool(_LOANWORD_MARK.match(c)) for c in typed), initial=0))
            best: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (kana covered, -pieces)
            back: list[int | None] = [None] * (n + 1)
            for end in range(1, n + 1):
                best[end], back[end] = best[end - 1], None
                for start in range(max(0, end - LOANWORD_LONGEST), end - MIN_READING + 1):
                    marked = marks[end] > marks[start]
                    covered = (best[start][0] + end - start, best[start][1] - 1)
                    if covered > best[end] and (marked or end - start >= LOANWORD_PLAIN) \
                            and self._loanword(typed[start:end]) \
                            and (marked or content(at + start, at + end)):
                        best[end], back[end] = covered, start
            out: list[str] = []
            end = n
            while end > 0:
                begin = back[end]
                out.append(typed[end - 1] if begin is None else to_katakana(typed[begin:end]))
                end = end - 1 if begin is None else begin
            return "".join(reversed(out))

        return _HIRAGANA_RUN.sub(run, text)

    def _loanword(self, piece: str) -> bool:
        """A loanword of the dictionary that the KB does not write in hiragana."""
        form = self.forms.get(to_katakana(piece))
        return not (form and _HIRAGANA_ONLY.fullmatch(form[0])) and bool(
            self.loanword and self.loanword(piece))

    def _katakana_run(self, run: str) -> str:
        if run in self._spelled:
            return run
        key = fold_spelling(run)
        known = self._katakana.get(key)
        if len(key) < 2:  # a lone ヶ (数ヶ月) is not a word
            return run
        if known is None and len(key) >= FUZZY:
            near = [self._katakana[w] for w in sorted(self._near(key))]
            known = max(near, key=lambda form: form[1]) if near else None
        return known[0] if known else run

    def _near(self, key: str) -> set[str]:
        """KB katakana words one edit from ``key``: a kana left out or changed, not one added (a
        longer word the KB lacks, スチロール, is not a slip for スチール)."""
        if self._deletions is None:
            self._deletions = defaultdict(set)
            for word in self._katakana:
                if len(word) >= FUZZY - 1:
                    for variant in {word, *_deleted(word)}:
                        self._deletions[variant].add(word)
        found = set().union(*(self._deletions.get(v, set()) for v in {key, *_deleted(key)}))
        return {w for w in found if w != key and 0 <= len(w) - len(key) <= 1}

    def _kanji_run(self, run: str) -> str:
        """The KB's run or word that ``run`` is one kanji short of, when the KB never writes
        ``run`` itself (module docstring)."""
        if len(run) < KANJI_FUZZY - 1 or run in self.kanji:
            return run
        return self._kanji_deletions.get(run, run)

    def _convert_run(self, run: str, okurigana: bool, word: Callable[[int, int], bool]) -> str:
        reading = to_katakana(run)  # one kana for one kana: offsets carry over
        n = len(reading)
        best = [0.0] + [math.inf] * n
        back = [0] * (n + 1)
        for end in range(1, n + 1):
            for start in range(max(0, end - self.longest), end):
                cost = self._cost(reading[start:end])
                if cost is not None and best[start] + cost < best[end]:
                    best[end], back[end] = best[start] + cost, start
        out: list[str] = []
        end = n
        while end > 0:
            start = back[end]
            written = self._written(reading[start:end])
            kana = bool(written and _KANA_ONLY.fullmatch(written))
            if written and okurigana and start == 0 and not (
                    kana and (LONG_VOWEL in written or end - start >= 4)):
                written = None
            if written and not kana and end - start < 4 and not word(start, end):
                written = None
            out.append(written or run[start:end])
            end = start
        return "".join(reversed(out))

    def _cost(self, piece: str) -> float | None:
        form = self.forms.get(piece)
        if form is None:
            return self._unknown if len(piece) == 1 else None
        return math.log(self.total / form[1]) + (CONVERT_COST if self._written(piece) else 0.0)

    def _written(self, piece: str) -> str | None:
        """The KB's spelling of ``piece`` when it is one to write instead of the kana."""
        form = self.forms.get(piece)
        if form is None or len(piece) < MIN_READING or _HIRAGANA_ONLY.fullmatch(form[0]):
            return None
        return form[0]


def _kanji_pieces(surfaces: list[str]) -> Iterator[str]:
    """Every run of up to ``KANJI_WORDS`` consecutive words written in kanji alone (年金, 年金課,
    公共交通 of 等 + 公共 + 交通 + 機関): the pieces of a kanji run a customer may write alone."""
    for n in range(len(surfaces)):
        end = n
        while end < min(n + KANJI_WORDS, len(surfaces)) and _KANJI_ONLY.fullmatch(surfaces[end]):
            end += 1
            yield "".join(surfaces[n:end])


def _deleted(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}
