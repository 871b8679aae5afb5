"""``kotae eval perturb``: a BEIR folder whose queries are typed the way customers type them.

Each kind changes how the queries are written, never what they ask; the corpus and the qrels are
copied unchanged (so the copy reuses the clean set's KB and its embeddings):

- ``hiragana-katakana``: katakana words typed in hiragana (パスワード → ぱすわーど);
- ``hiragana``: the whole query in hiragana, as read (住民票の取り方 → じゅうみんひょうのとりかた);
- ``halfwidth``: katakana in half-width forms (ﾊﾟｽﾜｰﾄﾞ);
- ``typo``: one typo in a content word: a character left out, or a kana replaced by its
  neighbour on the phone's 12-key (flick) pad (the same key flicked the wrong way, or the key
  next to it flicked the same way);
- ``okurigana``: one compound or verb with other 送り仮名 (申し込み → 申込み or 申込;
  終わる → 終る);
- ``none``: the queries as they are (with ``sample``: the clean set's queries of a sample).

``sample`` keeps a seeded random sample of that many queries (the same ones for every kind and
the same seed), for query sets too large to evaluate often.

Readings and parts of speech come from Janome (IPADIC), not from Sudachi, which kotae indexes
with, so a reading is not right just because kotae reads it the same way. Random choices are
seeded per query (``seed`` and the query id): the same command writes the same files.

Example:
    >>> stats = perturb_beir(Path("beir/localgovfaq"), "hiragana", Path("beir/lgf-hiragana"))
    >>> stats.changed, stats.queries
"""

from __future__ import annotations

import json
import random
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kotae.eval.beir import read_beir, write_beir
from kotae.eval.errors import DatasetError

KINDS = ("hiragana-katakana", "hiragana", "halfwidth", "typo", "okurigana", "none")
STATS_FILE = "perturb.json"

_KATAKANA_RUN = re.compile(r"[ァ-ヶ][ァ-ヶー]*")
_KANJI = r"[\u3400-\u9fff々〆]"
_HIRA = r"[ぁ-ゖ]"
# A compound with 送り仮名 inside (申し込み, 引っ越し, 取り扱い): kanji, kana, kanji, kana.
_COMPOUND = re.compile(rf"^({_KANJI}+)({_HIRA}{{1,2}})({_KANJI}+)({_HIRA}{{0,2}})$")
_INFLECTED = re.compile(rf"^({_KANJI}+)({_HIRA}{{2,}})$")  # 終わる, 分かり, 生まれ
_CONTENT_POS = ("名詞", "動詞", "形容詞", "副詞")

# The phone's 12-key pad: each key a row of kana by flick direction (tap, left, up, right,
# down), keys on a grid.
_KEYS = {"あ": "あいうえお", "か": "かきくけこ", "さ": "さしすせそ", "た": "たちつてと",
         "な": "なにぬねの", "は": "はひふへほ", "ま": "まみむめも", "や": "や ゆ よ",
         "ら": "らりるれろ", "わ": "わを ん"}
_GRID = {"あ": (0, 0), "か": (0, 1), "さ": (0, 2), "た": (1, 0), "な": (1, 1), "は": (1, 2),
         "ま": (2, 0), "や": (2, 1), "ら": (2, 2), "わ": (3, 1)}
_SMALL = dict(zip("ぁぃぅぇぉっゃゅょゎ", "あいうえおつやゆよわ", strict=True))
_MARKS = ("\u3099", "\u309a")  # dakuten, handakuten (combining)


@dataclass
class PerturbStats:
    kind: str
    seed: int
    queries: int
    changed: int
    source: str
    sample: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _janome() -> Any:
    try:
        from janome.tokenizer import Tokenizer
    except ImportError as exc:  # pragma: no cover - the eval extra installs it
        raise DatasetError("the perturbations need Janome: pip install 'kotae[eval]'") from exc
    return Tokenizer()


def to_hiragana(text: str) -> str:
    """Katakana letters → hiragana (ー and the katakana that hiragana lacks stay)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _halfwidth_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        table.setdefault(unicodedata.normalize("NFKC", half), half)
    for full in list(table):  # voiced kana: the half-width letter and its half-width mark
        for mark, half_mark in (("\u3099", "ﾞ"), ("\u309a", "ﾟ")):
            voiced = unicodedata.normalize("NFC", full + mark)
            if len(voiced) == 1:
                table[voiced] = table[full] + half_mark
    return {k: v for k, v in table.items() if "ァ" <= k <= "ヺ" or k == "ー"}


_HALFWIDTH = _halfwidth_table()


def to_halfwidth(text: str) -> str:
    """Katakana (and ー) in half-width forms; everything else as it is."""
    return "".join(_HALFWIDTH.get(c, c) for c in text)


def kana_neighbours(char: str) -> list[str]:
    """The kana a slip of the finger on the 12-key pad types instead of ``char`` (same script;
    a voiced kana stays voiced where its neighbour can be)."""
    katakana = "ァ" <= char <= "ヶ"
    base, *marks = unicodedata.normalize("NFD", to_hiragana(char))
    base = _SMALL.get(base, base)
    key = next((k for k, row in _KEYS.items() if base in row), None)
    if key is None:
        return []
    vowel = _KEYS[key].index(base)
    out = [c for c in _KEYS[key] if c not in (" ", base)]  # the same key, flicked otherwise
    row, col = _GRID[key]
    for other, (r, c) in _GRID.items():
        if abs(r - row) + abs(c - col) == 1 and vowel < len(_KEYS[other]) \
                and _KEYS[other][vowel] != " ":
            out.append(_KEYS[other][vowel])
    result = []
    for c in out:
        voiced = unicodedata.normalize("NFC", c + "".join(marks))
        c = voiced if len(voiced) == 1 else c
        result.append(chr(ord(c) + 0x60) if katakana else c)
    return result


class Perturber:
    """Rewrites one query at a time for one kind (see the module docstring)."""

    def __init__(self, kind: str, seed: int = 0) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown perturbation {kind!r}; allowed: {', '.join(KINDS)}")
        self.kind, self.seed = kind, seed
        self._tokenizer: Any = None
        self._rules: dict[str, Callable[[str, random.Random], str]] = {
            "hiragana-katakana": lambda q, _: _KATAKANA_RUN.sub(
                lambda m: to_hiragana(m.group(0)), q),
            "hiragana": lambda q, _: self._hiragana(q),
            "halfwidth": lambda q, _: to_halfwidth(q),
            "typo": self._typo,
            "okurigana": self._okurigana,
            "none": lambda q, _: q,
        }

    def _tokens(self, text: str) -> list[Any]:
        if self._tokenizer is None:
            self._tokenizer = _janome()
        return list(self._tokenizer.tokenize(text))

    def __call__(self, qid: str, text: str) -> str:
        return self._rules[self.kind](text, random.Random(f"{self.seed}:{self.kind}:{qid}"))

    def _hiragana(self, text: str) -> str:
        """Each word as read (its surface where Janome has no reading: numbers, Latin)."""
        return "".join(to_hiragana(t.reading) if t.reading not in ("*", "") and
                       not t.surface.isascii() else t.surface for t in self._tokens(text))

    def _typo(self, text: str, rng: random.Random) -> str:
        """One character of a content word left out, or a kana replaced by a neighbour."""
        places: list[int] = []
        start = 0
        for t in self._tokens(text):
            if t.part_of_speech.split(",")[0] in _CONTENT_POS and len(t.surface) >= 2:
                places += [start + i for i, c in enumerate(t.surface) if not c.isascii()]
            start += len(t.surface)
        if not places:
            return text
        at = rng.choice(places)
        neighbours = kana_neighbours(text[at])
        if neighbours and rng.random() < 0.5:
            return text[:at] + rng.choice(neighbours) + text[at + 1:]
        return text[:at] + text[at + 1:]

    def _okurigana(self, text: str, rng: random.Random) -> str:
        """One word with other 送り仮名: a compound without its inner kana (申込み) or without
        any (申込), or a verb without the first of its kana (終る)."""
        options: list[tuple[int, str, str]] = []
        start = 0
        for t in self._tokens(text):
            surface, pos = t.surface, t.part_of_speech.split(",")[0]
            if m := _COMPOUND.match(surface):
                options.append((start, surface, m.group(1) + m.group(3) + m.group(4)))
                if m.group(4):
                    options.append((start, surface, m.group(1) + m.group(3)))
            elif pos == "動詞" and (m := _INFLECTED.match(surface)) \
                    and _optional_kana(t.base_form, t.infl_type) >= 1:
                options.append((start, surface, m.group(1) + m.group(2)[1:]))
            start += len(surface)
        if not options:
            return text
        at, old, new = rng.choice(options)
        return text[:at] + new + text[at + len(old):]


def _optional_kana(base_form: str, infl_type: str) -> int:
    """How many kana of a verb's 送り仮名 may be left out (終わる → 終る: 1; 生まれる → 生れる: 1;
    考える, 行う: 0): all but the ending (る of an ichidan verb and the kana before it, the last
    kana of the others)."""
    m = _INFLECTED.match(base_form)
    if m is None or "サ変" in infl_type:
        return 0
    return len(m.group(2)) - (2 if "一段" in infl_type else 1)


def perturb_beir(src: Path, kind: str, dest: Path, seed: int = 0,
                 sample: int | None = None) -> PerturbStats:
    """Write ``dest``: the BEIR folder ``src`` with its queries perturbed by ``kind`` (only a
    seeded sample of ``sample`` queries, when given)."""
    data = read_beir(src)
    perturb = Perturber(kind, seed)
    if sample is not None:
        if sample < 1:
            raise ValueError(f"sample must be at least 1, got {sample}")
        keep = sorted(random.Random(f"sample:{seed}").sample(
            sorted(data.queries), min(sample, len(data.queries))))
        data.queries = {q: data.queries[q] for q in keep}
        data.qrels = {q: data.qrels[q] for q in keep if q in data.qrels}
    changed = 0
    for qid, text in data.queries.items():
        new = perturb(qid, text)
        changed += new != text
        data.queries[qid] = new
    write_beir(data, dest)
    shutil.copyfile(Path(src) / "corpus.jsonl", Path(dest) / "corpus.jsonl")  # same bytes
    stats = PerturbStats(kind, seed, len(data.queries), changed, str(src), sample)
    (Path(dest) / STATS_FILE).write_text(json.dumps(stats.as_dict(), ensure_ascii=False,
                                                    indent=2), encoding="utf-8")
    return stats
