"""The pages' words in Japanese (the default) and English (``messages.json``, one file for the
server's templates and the pages' scripts), and how a page picks its language.

Example:
    >>> pick_language(None, None, "en-US,en;q=0.9,ja;q=0.8")
    'en'
    >>> MESSAGES[pick_language("ja", "en", "en-US")]["submit"]
    '検索'
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LANG_COOKIE = "kotae_lang"

# Every word the pages show, in one file: the help center's templates and error pages read it
# here; the pages' scripts get it as window.KOTAE_MESSAGES (``messages_script``).
ALL: dict[str, dict[str, Any]] = json.loads(
    (resources.files("kotae.app.pages") / "messages.json").read_text(encoding="utf-8"))
MESSAGES: dict[str, dict[str, str]] = ALL["help"]  # the help center's, by language
ERROR_PAGE: dict[str, dict[str, str]] = ALL["error_page"]
SCRIPT_PAGES = ("search", "session", "agent", "content")  # what the scripts need


def messages_script() -> str:
    """``/ui/messages.js``: the scripts' words as ``window.KOTAE_MESSAGES``."""
    words = {page: ALL[page] for page in SCRIPT_PAGES}
    # "</" would end a <script> element that inlined this: never in the output.
    body = json.dumps(words, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    return f"window.KOTAE_MESSAGES = {body};\n"


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
