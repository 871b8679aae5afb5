"""Personal data out of ticket text, before anything is stored or embedded.

Each kind of personal data becomes a readable placeholder: e-mail addresses ``[メール]``,
phone numbers (Japanese landlines, 0120/0800/0570, 090/080/070 mobiles, +81 and other
international numbers) ``[電話番号]``, postal codes ``[郵便番号]``, card numbers that pass the
Luhn check ``[カード番号]``, Japanese addresses ``[住所]`` and customers' names in greetings
(山田様, Dear John) or known from the export (the requester's name) ``[氏名]``.

Run it on normalised text (NFKC turns full-width digits and ＠ into ASCII first).

Example:
    >>> redact_text("山田様、090-1234-5678 または taro@example.jp までご連絡ください。")
    '[氏名]様、[電話番号] または [メール] までご連絡ください。'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

EMAIL, PHONE, POSTAL, CARD, ADDRESS, NAME = (
    "[メール]", "[電話番号]", "[郵便番号]", "[カード番号]", "[住所]", "[氏名]")

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)

_DASH = r"[-‐‑–—−ー]"  # hyphens as typed (NFKC keeps all but the ASCII one apart)
_SEP = r"[-‐‑–—−ー ().]?"
# Not glued to other digits, ASCII letters or hyphenated codes (order numbers, dates,
# versions). Kana and kanji may touch a number: Japanese puts no space around it (電話は…です),
# and ー ends words (センター0120-…). A dot glues only after a digit (1.2.090…), not after a
# word (TEL.03-…).
_LEFT = r"(?<![A-Za-z0-9_+\-‐‑–—−])(?<!\d\.)"
_RIGHT = r"(?![A-Za-z0-9_\-‐‑–—−])"
_PHONE = re.compile(
    _LEFT + r"(?:"
    r"\+\d{1,3}" + _SEP + r"(?:\(0\)\s?)?\d{1,4}(?:" + _SEP + r"\d{2,4}){2,3}"  # +81, +1, +44
    r"|\(?0\d{1,4}\)?" + _SEP + r"\d{1,4}" + _SEP + r"\d{3,4}"                  # 03-1234-5678
    r"|0[5789]0\d{8}|0\d{9}"                                                    # bare digits
    r")" + _RIGHT)

_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|"
    "神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|"
    "大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|"
    "福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県")
_POSTAL = re.compile(r"(?P<lead>〒\s?|郵便番号[:：は\s]*|(?<![A-Za-z0-9_\-]))\d{3}" + _DASH
                     + r"?\d{4}(?!\d)"
                     r"(?P<addr>\s*(?:" + _PREFECTURES + r"))?")
_KANJI_KANA = r"[\u3005\u3040-\u30ff\u4e00-\u9fff]"
_BLOCK = r"\d{1,4}(?:丁目|番地?|号|-|の)?(?:\d{1,4}(?:番地?|号|-|の)?){0,3}"
_BUILDING_WORD = r"(?:ビル|マンション|ハイツ|コーポ|タワー|レジデンス|荘|棟|アパート)"
_ROOM = r"\s?\d{1,4}(?:階|F|号室)"
_BUILDING = (r"(?:\s?\w{0,20}?" + _BUILDING_WORD + r"\w{0,10}?" + _ROOM
             + r"|\s?\w{0,20}?" + _BUILDING_WORD + r"|" + _ROOM + r")?")
_ADDRESS = re.compile(
    r"(?:(?:" + _PREFECTURES + r")" + _KANJI_KANA + r"{1,12}?|[\u3005\u30f6\u4e00-\u9fff]{1,6}"
    r"[市区町村]" + _KANJI_KANA + r"{0,8}?)" + _BLOCK + _BUILDING)
# Address-like text must contain a block number: "東京都の天気" is not an address.
_HAS_BLOCK = re.compile(r"\d")

_CARD = re.compile(r"(?<![\d\-])\d(?:[ -]?\d){12,18}(?![\d\-])")

# 〇〇様 / 〇〇 〇〇 様 / 〇〇さん: the word before the honorific is a name unless it is one of
# the honorific words of support text itself (お客様, 皆様, ご担当者様...).
# A name before an honorific is a run of kanji or katakana (hiragana before さん / 様 is
# ordinary text: たくさん, みなさん, どの様に), starting where such a run starts, so that the
# words before it stay (請求書の件で[氏名]様).
_NAME_RUN = r"[\u3005\u30a1-\u30fa\u30fc\u4e00-\u9fff]"
_GREETING = re.compile(r"(?<!" + _NAME_RUN + r")(?P<name>" + _NAME_RUN + r"{1,6}(?:[ ]?"
                       + _NAME_RUN + r"{1,6})?)[ ]?(?P<hon>様|さま|さん|殿)(?![々子式相])")
_NAME_CHAR = r"[\u3005\u3041-\u306d\u306f-\u30ff\u4e00-\u9fff]"  # kana and kanji but の
_SELF_INTRO = re.compile(r"(?:(?<=の)|(?<=^)|(?<=[、。\s]))" + _NAME_CHAR + r"{1,8}?[ ]?"
                         + _NAME_CHAR + r"{0,6}(?=と申します|と言います)", re.MULTILINE)
_NOT_NAMES = re.compile(r"(?:お客|客|皆|皆さ|各位|担当者?|ご担当者?|ご担当|利用者|ご利用者|会員|"
                        r"管理者|ご契約者|契約者|関係者|神|王|同|仕|模|多|異|一|今日|奥|"
                        r"ユーザー|お得意|取引先|ご依頼者|依頼者|申込者|お申込者|みな|"
                        # roles, shops and family, not names (職員さん, ラーメン屋さん, 息子さん)
                        r"[屋員者長師士官]|知事|主任|先生|大家|運転手|旦那|父|母|兄|姉|弟|妹|"
                        r"息子|娘|子供|子ども|家族|近所|隣|親御|方|坊|苦労)$")
_EN_GREETING = re.compile(r"\b(Dear|Hi|Hello|Hey|Thanks|Thank you|Regards,?|Mr\.?|Ms\.?|Mrs\.?)"
                          r"[ ]+[A-Z][a-z]+(?:[ ]+[A-Z][a-z]+)?\b")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies.

    >>> luhn_ok("4111111111111111"), luhn_ok("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> str:
    """The longest run of whole digit groups that is a card number: a number one space away
    (an expiry date, "4111 1111 1111 1111 12/25") joins the match but must not hide it."""
    text = m.group(0)
    groups = list(re.finditer(r"\d+", text))
    runs = []  # (digits, start, end) of each run of whole groups with 13 to 19 digits
    for i, first in enumerate(groups):
        digits = ""
        for last in groups[i:]:
            digits += last.group()
            if len(digits) > 19:
                break
            if len(digits) >= 13:
                runs.append((digits, first.start(), last.end()))
    for digits, start, end in sorted(runs, key=lambda r: (-len(r[0]), r[1])):
        if luhn_ok(digits):
            return text[:start] + CARD + text[end:]
    return text


def _phone(m: re.Match[str]) -> str:
    """9 to 15 digits; a number one space after a phone number ("+81 90 1234 5678 2回") may
    join the match, so trailing digit groups are given back until it fits."""
    text = m.group(0)
    for g in reversed(list(re.finditer(r"\d+", text))):
        digits = re.sub(r"\D", "", text[:g.end()])
        if len(digits) < 9:
            break
        if len(digits) <= 15:
            return PHONE + text[g.end():]
    return text


def _sub_checked(pattern: re.Pattern[str], check: Callable[[re.Match[str]], str],
                 text: str) -> str:
    """``pattern.sub(check, text)``, except that where ``check`` keeps a match unchanged the
    search goes on from the match's next character, not from its end: a number before a phone
    number ("05/01 03 1234 5678") may start a match that fails the check, and the real number
    inside it must still be found."""
    out: list[str] = []
    done = pos = 0
    while (m := pattern.search(text, pos)) is not None:
        new = check(m)
        if new == m.group(0):
            pos = m.start() + 1
            continue
        out += [text[done:m.start()], new]
        done = pos = m.end()
    return "".join(out) + text[done:]


def _postal(m: re.Match[str]) -> str:
    lead, addr = m.group("lead"), m.group("addr")
    if not lead and not addr:  # a bare 123-4567 is a postal code only before an address
        return m.group(0)
    return ("〒" if lead.startswith("〒") else lead) + POSTAL + (addr or "")


def _address(m: re.Match[str]) -> str:
    return ADDRESS if _HAS_BLOCK.search(m.group(0)) else m.group(0)


def _greeting(m: re.Match[str]) -> str:
    name = m.group("name").strip()
    if _NOT_NAMES.search(name) or name.startswith(("[", "お", "ご")) and len(name) <= 3:
        return m.group(0)
    return NAME + m.group("hon")


def _known_names(text: str, names: Iterable[str]) -> str:
    """Replace the names an export gives (requester, contact) wherever they appear."""
    parts: set[str] = set()
    for name in names:
        name = name.strip()
        if len(name) < 2:
            continue
        parts.add(name)
        parts.add(name.replace(" ", ""))
        # Family or given name alone: only when long enough not to hit ordinary words.
        parts.update(p for p in re.split(r"[ ・]", name) if len(p) >= 2 and not p.isascii()
                     or len(p) >= 3 and p.isascii())
    for part in sorted(parts, key=len, reverse=True):
        flags = re.IGNORECASE if part.isascii() else 0
        bound = r"\b" if part.isascii() else ""
        text = re.sub(bound + re.escape(part) + bound, NAME, text, flags=flags)
    return text


def redact_text(text: str, known_names: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by placeholders (see the module docstring)."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _known_names(text, known_names)
    text = _POSTAL.sub(_postal, text)
    text = _CARD.sub(_card, text)  # before phones: a card number is also a long digit run
    text = _sub_checked(_PHONE, _phone, text)
    text = _ADDRESS.sub(_address, text)
    text = _GREETING.sub(_greeting, text)
    text = _SELF_INTRO.sub(NAME, text)
    return _EN_GREETING.sub(lambda m: f"{m.group(1)} {NAME}", text)
