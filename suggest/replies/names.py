"""The name a ticket's writer gives: a self-introduction (「高木と申します」, "This is John
Smith", "My name is…") or a signature (the last short line after a sign-off or after the body:
「株式会社サクラ工務店 経理課 佐々木」 → 佐々木, "Regards,\\nJohn Smith" → John Smith).

Names the writer mentions of others (上司の田中, 取引先の中島さん) are not the writer's. When the
name is not clear, there is none: a draft then greets no one by name.

Example:
    >>> customer_name("お世話になっております。株式会社ミヤビ設計の高木と申します。\\n…")
    '高木'
    >>> customer_name("Hello,\\nWhere is my invoice?\\nBest regards,\\nEmily Carter")
    'Emily Carter'
"""

from __future__ import annotations

import re

_JA_NAME = r"[\u4e00-\u9fff々〆ヶ]{1,4}(?:[ \u3000][\u4e00-\u9fff々ぁ-んァ-ヶ]{1,4})?"
_JA_INTRO = re.compile(rf"(?:^|[の、。\s])({_JA_NAME})(?:と申します|でございます|です。)")
_EN_INTRO = re.compile(
    r"\b(?:[Tt]his is|[Mm]y name is|I am|I'm)\s+([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")
_EN_NAME = re.compile(r"^[A-Z][a-z]+(?: [A-Z]\.?)?(?: [A-Z][a-z'-]+)?$")
_SIGN_OFF = re.compile(r"^(best regards|kind regards|regards|thanks|thank you|many thanks"
                       r"|cheers|sincerely|best),?$", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"(株式会社|有限会社|合同会社|部|課|室|係|担当|チーム|様|さん|社長|経理"
                         r"|総務|お願い|以上|宜しく|よろしく|ありがとう|です|ます|者|方|人|私|弊社"
                         r"|当社)$")
_ROLES = ("経理", "総務", "営業", "管理者", "代表", "担当者", "事務")


def _ja_signature(line: str) -> str:
    """The name at the end of a signature line (「株式会社サクラ工務店 経理課 佐々木」 → 佐々木;
    「山田 太郎」 → 山田 太郎)."""
    words = line.strip().split()
    if not words or len(line.strip()) > 40 or line.strip().endswith(("。", "？", "?")):
        return ""
    name = words[-1]
    if len(words) >= 2 and _is_ja_name(words[-2]) and len(words[-2]) <= 3 and len(name) <= 3:
        name = f"{words[-2]} {name}"  # family and given name
    return name if all(_is_ja_name(part) for part in name.split()) else ""


def _is_ja_name(word: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff々〆ヶ]{1,4}", word)) and not \
        _NOT_A_NAME.search(word) and word not in _ROLES


def customer_name(text: str) -> str:
    """The writer's name, or "" when the ticket does not clearly give one."""
    lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
    if not lines:
        return ""
    ja = bool(re.search(r"[\u3040-\u30ff]", text))
    if ja:
        for line in lines[:3]:
            match = _JA_INTRO.search(line)
            if match and not _NOT_A_NAME.search(match.group(1)):
                return match.group(1)
        return _ja_signature(lines[-1]) if len(lines) >= 2 else ""
    match = _EN_INTRO.search(text)
    if match:
        return match.group(1)
    if len(lines) >= 2 and _EN_NAME.match(lines[-1]) and _SIGN_OFF.match(lines[-2]):
        return lines[-1]
    return ""
