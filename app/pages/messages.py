"""The help center's words in Japanese (the default) and English, and how a page picks one.

Example:
    >>> pick_language(None, None, "en-US,en;q=0.9,ja;q=0.8")
    'en'
    >>> MESSAGES[pick_language("ja", "en", "en-US")]["submit"]
    '検索'
"""

from __future__ import annotations

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LANG_COOKIE = "kotae_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "ja": {
        "site": "ヘルプセンター",
        "lead": "ご質問やキーワードを入力してください。"
                "関連する記事やよくあるご質問をご案内します。",
        "skip": "検索結果へ移動",
        "skip_main": "本文へ移動",
        "query_label": "ご質問・キーワード",
        "placeholder": "例：パスワードを忘れた",
        "submit": "検索",
        "hint": "入力中に検索結果が表示されます。",
        "popular": "よく検索されている質問",
        "other_lang": "English",
        "other_lang_label": "Switch to English",
        "results_heading": "検索結果",
        "count": "{n}件の記事が見つかりました。",
        "no_results": "該当する記事が見つかりませんでした。別の言葉で検索するか、"
                      "お問い合わせください。",
        "answer_heading": "回答",
        "sources": "参照した記事",
        "badge_faq": "よくあるご質問",
        "badge_manual": "ヘルプ記事",
        "answer_feedback": "この回答で問題は解決しましたか？",
        "results_feedback": "お探しの情報は見つかりましたか？",
        "article_feedback": "この記事で問題は解決しましたか？",
        "yes": "はい",
        "no": "いいえ",
        "thanks": "ご回答ありがとうございました。",
        "sorry": "お役に立てず申し訳ございません。よろしければ、"
                 "お問い合わせフォームからご連絡ください。",
        "contact_link": "解決しない場合は、お問い合わせください",
        "contact_title": "お問い合わせ",
        "contact_lead": "ご入力いただいた質問を記入しています。内容をご確認のうえ、"
                        "送信してください。",
        "subject_label": "件名",
        "body_label": "お問い合わせ内容",
        "body_help": "ご利用の画面名やエラーコードがあれば、あわせてご記入ください。",
        "send": "送信する",
        "body_required": "お問い合わせ内容をご入力ください。",
        "contact_done_title": "お問い合わせを受け付けました",
        "contact_done": "受付番号は {ref} です。担当者が内容を確認いたします。",
        "back_to_help": "ヘルプセンターのトップへ戻る",
        "back_to_results": "検索結果へ戻る",
        "updated": "最終更新日：{date}",
        "not_found_title": "ページが見つかりません",
        "not_found": "お探しの記事は見つかりませんでした。削除されたか、"
                     "URLが変更された可能性があります。",
        "unavailable": "ただいま検索をご利用いただけません。しばらく時間をおいて、"
                       "再度お試しください。",
        "searching": "検索しています…",
        "error": "検索中にエラーが発生しました。時間をおいて、再度お試しください。",
        "footer": "kotae ヘルプセンター",
    },
    "en": {
        "site": "Help Center",
        "lead": "Type your question or a few keywords. We will show you the articles and FAQ "
                "that can help.",
        "skip": "Skip to results",
        "skip_main": "Skip to main content",
        "query_label": "Your question or keywords",
        "placeholder": "e.g. I forgot my password",
        "submit": "Search",
        "hint": "Results appear as you type.",
        "popular": "Popular questions",
        "other_lang": "日本語",
        "other_lang_label": "日本語に切り替える",
        "results_heading": "Search results",
        "count": "{n} articles found.",
        "no_results": "No matching articles were found. Try other words, or contact us.",
        "answer_heading": "Answer",
        "sources": "From these articles",
        "badge_faq": "FAQ",
        "badge_manual": "Help article",
        "answer_feedback": "Did this solve your problem?",
        "results_feedback": "Did you find what you were looking for?",
        "article_feedback": "Did this article solve your problem?",
        "yes": "Yes",
        "no": "No",
        "thanks": "Thank you for your feedback.",
        "sorry": "We are sorry this did not help. Please contact us and we will look into it.",
        "contact_link": "Still need help? Contact us",
        "contact_title": "Contact us",
        "contact_lead": "We have filled in your question. Please check it and send it to us.",
        "subject_label": "Subject",
        "body_label": "Your message",
        "body_help": "If you saw an error code or a screen name, please include it.",
        "send": "Send",
        "body_required": "Please enter your message.",
        "contact_done_title": "We have received your message",
        "contact_done": "Your reference number is {ref}. Our support team will look into it.",
        "back_to_help": "Back to the Help Center",
        "back_to_results": "Back to the search results",
        "updated": "Last updated: {date}",
        "not_found_title": "Page not found",
        "not_found": "We could not find this article. It may have been removed or moved.",
        "unavailable": "Search is not available right now. Please try again in a little while.",
        "searching": "Searching…",
        "error": "Something went wrong while searching. Please try again later.",
        "footer": "kotae Help Center",
    },
}


def _accepted(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, n, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(param: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: ``?lang=`` first, then the toggle's cookie, then the browser's
    Accept-Language, else Japanese."""
    for choice in (param, cookie):
        if choice in LANGUAGES:
            return str(choice)
    for tag in _accepted(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
