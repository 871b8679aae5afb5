"""Sentences of a past reply that carry that customer's own context, and its boilerplate.

A past ticket's reply was written for one customer: its dates, months, amounts, names,
company and what the agent found in that account are not another customer's. Such a sentence
is never copied into a reply to someone else; the past reply may still be cited as an example.
Greetings, apologies and sign-offs are not quoted either (the draft has its own frame).

Example:
    >>> carries_customer_context("4月以降の分のみ新社名にしたい場合は、3月分までの領収書を…")
    True
    >>> carries_customer_context("宛名は「請求書・領収書の宛名設定」から変更できます。")
    False
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_MONTHS_EN = ("january|february|march|april|may|june|july|august|september|october|november"
              "|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")

# Details of one customer's case: names, dates, months, amounts, their company, ticket ids,
# what was found in their account, time relative to when they wrote, what they said of their
# case, and what was done with their request.
_CUSTOMER_CONTEXT = re.compile(
    r"様|さん|殿|御中|株式会社|有限会社|合同会社|\(株\)|㈱"
    r"|\d{1,2}月\d{1,2}日|\d{1,2}月(分|以降|まで|末|から|中|に|の)|\d{4}年|\d{1,2}日(付|に|まで)"
    r"|\d[\d,]*(\.\d+)?\s*(万|千)?円(?!(以下|以上|未満|を超え|まで|ごと|につき|\s*/))"
    r"|(usd|eur|jpy|gbp|cad|aud)\s*[\d,]+|[$€£]\s*\d"
    r"|昨日|本日|今月|先月|来月|今週|先週|来週|今朝|先ほど|このたびの"
    r"|tck-\d+|req_|dlv_|お調べしたところ|確認いたしましたところ|確認したところ|拝見"
    r"|\b(mr|ms|mrs|dr)\.?\s+[a-z]|\b(inc|ltd|llc|corp|gmbh)\b\.?"
    rf"|\b({_MONTHS_EN})\.?\s+\d|\b\d{{1,2}}\s+({_MONTHS_EN})\b|yesterday|last (week|month)"
    r"|this (morning|week|month)|we checked|we have checked|we looked into|your account shows"
    r"|in your case|your (company|team|organization)'s"
    # what that customer said of their case, restated (「現在2名でご利用とのことですので」)
    r"|とのこと|as you (mentioned|said|described)|you mentioned"
    # what the agent did with that customer's request (「ご要望として開発チームに共有いたしま
    # した」): done for them, not for the next customer
    r"|ご要望|共有(いたし|して|しま)|貴重なご意見|ご期待に沿え|ご連絡いただき"
    r"|feedback|valuable input|similar requests|we cannot meet|product team|development team",
    re.IGNORECASE)

_BOILERPLATE = re.compile(
    r"お問い合わせ(いただき|ありがとう)|お世話になって|ありがとうございます|サポートの.{1,8}(です|でございます)"
    r"|(サポート|担当|責任者).{0,20}(でございます|と申します)"
    r"|申し訳ございません|ご不便をおかけ|ご不明な点|よろしくお願い|お手数をおかけ|お待たせ"
    r"|おめでとうございます|congratulations"
    r"|^(hi|hello|dear)\b|^this is [a-z]+|thank you|thanks for|sorry for|we apologi[sz]e"
    r"|best regards|sincerely|let us know|don't hesitate|do not hesitate|feel free to",
    re.IGNORECASE)


def echoed_words(sentence: str, asked: str, terms: Iterable[str], *known: str) -> set[str]:
    """The words (``terms`` of ``sentence``, two characters or more) a past reply's sentence
    takes from what that customer wrote (``asked``: their trade, their split, their figures)
    that none of the ``known`` texts (the new ticket, the other sources) uses."""
    def norm(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    asked_n, known_n = norm(asked), [norm(k) for k in known]
    return {t for t in terms if len(t) >= 2 and t in asked_n and t in norm(sentence)
            and not any(t in k for k in known_n)}


def carries_customer_context(text: str) -> bool:
    """Whether a sentence of a past reply holds details of that customer's own case."""
    return bool(_CUSTOMER_CONTEXT.search(text))


# A courtesy that opens a sentence carrying the answer (「大変申し訳ございませんが、現在…日本円
# のみとなっております。」): the sentence is judged by what follows it.
_COURTESY_LEAD = re.compile(
    r"^\s*(?:大変|誠に)?(?:申し訳(?:ございません|ありません)|恐れ入ります|恐縮です"
    r"|お手数をおかけいたしますが?|お手数ですが?)(?:が)?[、,]\s*"
    r"|^\s*(?:unfortunately|we(?:'re| are) sorry,? but|sorry,? but|we apologi[sz]e,? but)[,\s]+",
    re.IGNORECASE)


def is_boilerplate(text: str) -> bool:
    """A greeting, apology, self-introduction or sign-off (a courtesy that only opens a
    sentence with an answer in it does not make the sentence boilerplate)."""
    rest = _COURTESY_LEAD.sub("", text, count=1)
    return not rest.strip() or bool(_BOILERPLATE.search(rest))
