"""Search suggestions for the public help center: what one customer's typing may show others.

A suggestion is safe by construction. It comes from one of three sources, in this order:

1. phrases an editor allowed (``kb.typeahead_rules``);
2. the KB's own public titles and FAQ questions;
3. questions other customers asked — only when at least ``min_clients`` distinct clients (as
   the rate limiter counts them: an address or a key, never a cookie) asked them within
   ``window_days``, kotae answered them confidently and nobody voted them unhelpful, and they
   hold nothing personal or abusive (``held_back``).

Matching is tolerant of how Japanese is typed (表記ゆれ): a prefix matches a suggestion when
they start alike as typed (``query_key``), with kana folded to one spelling (ぱすわ, ﾊﾟｽﾜ →
パスワード…; ``models.kana.fold_kana``) or as read (わすれ → 忘れた, with the ``read`` function,
the KB tokenizer's reading). Tolerance only widens which safe suggestions match: every rule
below applies to each of them as before, and a blocked phrase also blocks its other spellings.

A phrase an editor blocked never comes back, from any source. The query log is redacted when
written (``kb.querylog``), so personal data is gone before any of this runs; ``held_back`` also
keeps out what the redactor left as a placeholder, URLs and domain names, long digit runs
(order or account numbers) and blocked words (``BlockedWords``).

Example:
    >>> typeahead = Typeahead(log, rules, titles=lambda: [("パスワードを忘れた", "ja")],
    ...                       blocked=BlockedWords.load())
    >>> typeahead.suggest("パスワ")
    ['パスワードを忘れた']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from kotae.kb import QueryLog
from kotae.kb.events import query_key
from kotae.kb.redact import ADDRESS, CARD, EMAIL, NAME, PHONE, POSTAL, redact_text
from kotae.kb.typeahead_rules import Decision, TypeaheadRules
from kotae.models.kana import fold_kana

SHIPPED_WORDS = "blocked_words.txt"
KB_WORDS = "blocked_words.txt"  # in the KB directory
PACKAGE_LISTS = ("english.json", "japanese.json")  # glin-profanity's maintained lists

_PLACEHOLDERS = (EMAIL, PHONE, POSTAL, CARD, ADDRESS, NAME)
# A scheme, www., or a domain name: labels of ASCII letters, digits and hyphens ending in a
# country code or a common generic TLD (an event name such as invoice.paid or a file such as
# settings.json is not a domain). Japanese may touch it on either side (詳しくはexample.comへ).
_GENERIC_TLDS = ("com|net|org|info|biz|app|dev|io|ai|xyz|site|online|top|club|shop|store|tech|"
                 "link|click|live|life|space|website|fun|icu|vip|win|bid|work|page|blog|cloud|"
                 "email|news|today|world|tokyo|osaka|nagoya|yokohama|moe|ninja|asia|mobi|pro|"
                 "name|tel|xxx|porn|sex|adult|casino|bet|loan|money|cash|finance|gov|edu|int|mil")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://|www\.|(?<![a-z0-9@.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
                  r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:[a-z]{2}|" + _GENERIC_TLDS +
                  r")(?![a-z0-9-])")
# Short kana words match only where their own script does not go on (ばか, not ばかり; クソ in
# このクソ, not in a longer katakana word).
_HIRAGANA, _KATAKANA = "ぁ-ゖー", "ァ-ヺー"
_SHORT = {_HIRAGANA: re.compile(f"[{_HIRAGANA}]{{1,3}}"),
          _KATAKANA: re.compile(f"[{_KATAKANA}]{{1,3}}")}
_DIGITS = re.compile(r"\d(?:[\s\-‐―ー.]?\d){4,}")  # 5 digits or more, separators allowed
_EMAIL_AT = re.compile(r"\S@\S")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class BlockedWords:
    """Blocked words and phrases: ASCII ones and short kana ones (ばか, not ばかり) match as
    whole words, the others anywhere.

    >>> BlockedWords({"idiot", "死ね"}).find("You IDIOTS"), BlockedWords({"idiot"}).find("idiot!")
    (None, 'idiot')
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(_fold(w) for w in words if w.strip())
        ascii_words = {w for w in self.words if w.isascii()}
        short = {script: {w for w in self.words if pattern.fullmatch(w)}
                 for script, pattern in _SHORT.items()}
        self._whole = [_alternation(ascii_words, "a-z0-9"),
                       *(_alternation(words, script) for script, words in short.items())]
        self._other = tuple(sorted(self.words - ascii_words - set().union(*short.values())))

    @classmethod
    def load(cls, kb_dir: str | Path | None = None) -> BlockedWords:
        """glin-profanity's English and Japanese lists, kotae's own file, and the KB's file
        (``blocked_words.txt`` in ``kb_dir``) when there is one; "!" lines remove words."""
        words: set[str] = set()
        lists = resources.files("glin_profanity") / "data" / "dictionaries"
        for name in PACKAGE_LISTS:
            words.update(json.loads((lists / name).read_text(encoding="utf-8"))["words"])
        shipped = resources.files("kotae.suggest.deflection") / SHIPPED_WORDS
        lines = shipped.read_text(encoding="utf-8")
        extra = Path(kb_dir) / KB_WORDS if kb_dir else None
        if extra is not None and extra.is_file():
            lines += "\n" + extra.read_text(encoding="utf-8")
        return cls(_apply_lines({_fold(w) for w in words}, lines.splitlines()))

    def find(self, text: str) -> str | None:
        """The first blocked word in ``text``, or None."""
        folded = _fold(text)
        for pattern in self._whole:
            if found := pattern.search(folded):
                return found.group(0)
        return next((w for w in self._other if w in folded), None)


def _alternation(words: Iterable[str], word_chars: str) -> re.Pattern[str]:
    """One pattern for ``words`` as whole words: not touching ``word_chars`` on either side."""
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or r"(?!)"
    return re.compile(f"(?<![{word_chars}])(?:{pattern})(?![{word_chars}])")


def _apply_lines(words: set[str], lines: Iterable[str]) -> set[str]:
    """``words`` with the lines of a word file applied (added, or removed by "!")."""
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if line.startswith("!"):
            words.discard(_fold(line[1:].strip()))
        elif line:
            words.add(_fold(line))
    return words


def held_back(text: str, blocked: BlockedWords) -> str | None:
    """Why a customer's question may not be shown to other customers, or None when it may.

    >>> held_back("詳しくは evil-example.com へ", BlockedWords(frozenset()))
    'a URL or domain name'
    """
    if any(p in text for p in _PLACEHOLDERS) or redact_text(text) != text \
            or _EMAIL_AT.search(text):
        return "personal data"
    if _URL.search(_fold(text)):
        return "a URL or domain name"
    if _DIGITS.search(unicodedata.normalize("NFKC", text)):
        return "a long number"
    word = blocked.find(text)
    return f"the blocked word {word!r}" if word else None


@dataclass(frozen=True)
class Popular:
    """A question other customers asked, for the editors' review."""

    text: str
    clients: int
    held_back: str | None  # why it is not suggested (None: it is)


Keys = tuple[str, str, str]  # as typed (query_key), kana folded, as read ("" without ``read``)


class Typeahead:
    """Suggestions for what a customer is typing (see the module docstring)."""

    def __init__(self, log: QueryLog, rules: TypeaheadRules,
                 titles: Callable[[], list[tuple[str, str]]], blocked: BlockedWords,
                 min_clients: int = 5, window_days: int = 90,
                 read: Callable[[str], str] | None = None) -> None:
        """``titles`` gives the (title, language) of every public article and FAQ entry;
        ``read`` the folded reading of a text (``JapaneseTokenizer.reading``), for prefixes
        typed in kana that suggestions write in kanji."""
        if min_clients < 1 or window_days < 1:
            raise ValueError(f"min_clients and window_days must be at least 1, got "
                             f"{min_clients} and {window_days}")
        self.log, self.rules, self.titles, self.blocked = log, rules, titles, blocked
        self.min_clients, self.window_days, self.read = min_clients, window_days, read
        self._titles: list[tuple[str, str]] | None = None
        self._keyed: list[tuple[str, str, Keys]] = []

    def keys(self, text: str) -> Keys:
        """The forms a suggestion and a prefix are compared in (see the module docstring)."""
        key = query_key(text)
        return key, fold_kana(key), self.read(key) if self.read and key else ""

    def _since(self) -> str:
        since = datetime.now(UTC) - timedelta(days=self.window_days)
        return since.isoformat(timespec="milliseconds")

    def popular(self, prefix: str = "", limit: int = 50,
                language: str | None = None) -> list[Popular]:
        """Questions asked by enough clients, each with why it is held back (if it is)."""
        asked = self.log.popular_queries(prefix, limit=limit, min_clients=self.min_clients,
                                         since=self._since(), language=language)
        return [Popular(text, n, held_back(text, self.blocked)) for text, n in asked]

    def _keyed_titles(self) -> list[tuple[str, str, Keys]]:
        """(title, language, keys) of the public titles, keyed once per list ``titles`` gives
        (the searcher keeps one list per snapshot)."""
        titles = self.titles()
        if self._titles is not titles:
            self._keyed = [(t, lang, self.keys(t)) for t, lang in titles]
            self._titles = titles
        return self._keyed

    def _asked(self, prefix: str, keys: Keys, language: str | None, limit: int) -> list[str]:
        """Popular questions that may be shown, starting with ``prefix`` as typed, then (among
        the most asked) those that start like it in another spelling."""
        exact = [p.text for p in self.popular(prefix, limit * 3, language)
                 if p.held_back is None]
        spelled = [p.text for p in self.popular("", limit * 20, language)
                   if p.held_back is None and _starts(self.keys(p.text), keys)]
        return list(dict.fromkeys([*exact, *spelled]))

    def suggest(self, prefix: str, language: str | None = None, limit: int = 8) -> list[str]:
        """Up to ``limit`` suggestions starting with ``prefix`` (titles: or containing it), in
        any spelling (see the module docstring)."""
        keys = self.keys(prefix)
        if not keys[0]:
            return []
        rules = self.rules.list()
        allowed = [r.text for r in rules if r.decision is Decision.ALLOW
                   and _starts(self.keys(r.text), keys)]
        asked = self._asked(prefix, keys, language, limit)
        titles = [(t, k) for t, lang, k in self._keyed_titles() if language in (None, lang)]
        starting = sorted((t for t, k in titles if _starts(k, keys)), key=len)
        containing = sorted((t for t, k in titles if _contains(k, keys)
                             and not _starts(k, keys)), key=len)
        out: list[str] = []
        # A blocked phrase blocks each of its spellings: compared in every form.
        blocked = [self.keys(r.text) for r in rules if r.decision is Decision.BLOCK]
        seen = {r.key for r in rules if r.decision is Decision.BLOCK}
        for text in (*allowed, *asked, *starting, *containing):
            k = self.keys(text)
            if k[0] not in seen and not any(_same(k, b) for b in blocked):
                seen.add(k[0])
                out.append(text)
            if len(out) == limit:
                break
        return out


def _starts(text: Keys, prefix: Keys) -> bool:
    return any(p and t.startswith(p) for t, p in zip(text, prefix, strict=True))


def _contains(text: Keys, part: Keys) -> bool:
    return any(p and p in t for t, p in zip(text, part, strict=True))


def _same(a: Keys, b: Keys) -> bool:
    return any(x and x == y for x, y in zip(a, b, strict=True))
