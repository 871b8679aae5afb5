"""The polite frame around an answer: opening, clarifying question, closing (ja and en).

The frame's sentences state nothing about the product: they thank, acknowledge, ask or
promise a follow-up, so the answer part is the only place facts appear (and each is cited).
What a past reply says that is not to be quoted (greetings, one customer's details) is
``compose.foreign``'s.

Example:
    >>> opening("ja", "請求書が送れない", "neutral", DraftMode.ANSWER)[-1]
    '「請求書が送れない」の件について、ご案内いたします。'
"""

from __future__ import annotations

import re

from kotae.kb.text import SENTENCE_END
from kotae.suggest.compose.questions import asks
from kotae.suggest.replies.types import DraftMode

SUBJECT_CHARS = 40

_OPENING = {
    "ja": {
        "thanks": "お問い合わせいただき、ありがとうございます。",
        "sorry": "このたびはご不便をおかけしており、誠に申し訳ございません。",
        DraftMode.ANSWER: "「{subject}」の件について、ご案内いたします。",
        DraftMode.CLARIFY: "「{subject}」の件について、確認させていただきたい点がございます。",
        DraftMode.INVESTIGATE: "「{subject}」の件について、承りました。",
    },
    "en": {
        "thanks": "Thank you for contacting us.",
        "sorry": "We are sorry for the trouble this has caused.",
        DraftMode.ANSWER: "Regarding \"{subject}\", please see the information below.",
        DraftMode.CLARIFY: "Regarding \"{subject}\", we would like to confirm a few details.",
        DraftMode.INVESTIGATE: "We have received your inquiry about \"{subject}\".",
    },
}
_CLOSING = {
    "ja": ["ご不明な点がございましたら、お気軽にお問い合わせください。",
           "今後ともよろしくお願いいたします。"],
    "en": ["If you have any other questions, please don't hesitate to contact us.",
           "Best regards,"],
}
_QUESTION = {
    "ja": "恐れ入りますが、正確にご案内するため、"
          "次のうちどちらに近い状況かお知らせいただけますでしょうか。",
    "en": "So that we can give you the right answer, could you tell us which of the following "
          "is closest to your situation?",
}
_INVESTIGATE = {
    "ja": ["いただいた内容について、担当部署にて詳しく確認いたします。",
           "確認でき次第、改めてご連絡いたしますので、今しばらくお待ちいただけますようお願いいたします。"],
    "en": ["Our team will look into the details of your case.",
           "We will get back to you as soon as we have more information."],
}
_SALUTATION = {"ja": "{name}様", "en": "Dear {name},"}
_SALUTATION_LINE = re.compile(r"\S.{0,30}様|Dear [^,]{1,40},")
_OPEN = {
    "ja": "「{question}」とのご質問については、確認のうえ改めてご連絡いたします。",
    "en": "Regarding your question \"{question}\", we will check and get back to you.",
}
_QUESTION_MARKER = re.compile(r"^\s*(?:[①-⑨]|[(（]\d{1,2}[)）]|\d{1,2}[.)．、]|[・•●■◆*-])\s*")
QUOTE_CHARS = 40
_POINTER = {
    "ja": "次のヘルプ記事に詳しい手順を掲載しております：{title}（{url}）",
    "en": "The following help article describes this in detail: {title} ({url})",
}

# Sentences about the article itself, or that point at text the draft does not include.
_ABOUT_PAGE = re.compile(
    r"このページ|本ページ|この記事|本記事|一覧です|上記|下記|以下のとおり|以下の表|次の表|こちらの記事"
    r"|this (page|article|guide)|the table below|see below|above\b", re.IGNORECASE)


def _subject(subject: str) -> str:
    text = " ".join(subject.split())
    return text if len(text) <= SUBJECT_CHARS else text[:SUBJECT_CHARS - 1] + "…"


def opening(language: str, subject: str, sentiment: str, mode: DraftMode,
            name: str = "") -> list[str]:
    """The customer's name when known (佐々木様; Dear John Smith,), thanks, then an
    acknowledgement of the issue (an apology when the customer is upset)."""
    lines = _OPENING[language]
    out = [_SALUTATION[language].format(name=name)] if name else []
    out.append(lines["thanks"])
    if sentiment in ("negative", "angry"):
        out.append(lines["sorry"])
    if subject.strip():
        out.append(lines[mode].format(subject=_subject(subject)))
    return out


def is_salutation(line: str) -> bool:
    """Whether an opening line is the one that addresses the customer by name."""
    return bool(_SALUTATION_LINE.fullmatch(line))


def open_question(language: str, question: str) -> str:
    """The polite line for a question no source answers: it will be checked."""
    parts = [p.strip() for p in SENTENCE_END.split(question) if p.strip()]
    asked = next((p for p in reversed(parts) if asks(p)), parts[-1] if parts else question)
    asked = _QUESTION_MARKER.sub("", " ".join(asked.split())).strip().rstrip("。.?？ ")
    if len(asked) > QUOTE_CHARS:
        asked = asked[:QUOTE_CHARS - 1] + "…"
    return _OPEN[language].format(question=asked)


def closing(language: str) -> list[str]:
    return list(_CLOSING[language])


def clarifying_question(language: str) -> str:
    return _QUESTION[language]


def investigation(language: str) -> list[str]:
    return list(_INVESTIGATE[language])


def pointer(language: str, title: str, url: str) -> str:
    """A sentence that sends the customer to an article in another language."""
    return _POINTER[language].format(title=title, url=url or "")


def is_about_the_page(text: str) -> bool:
    return bool(_ABOUT_PAGE.search(text))
