"""Articles: Markdown (with optional YAML front matter), plain text and HTML; one document a
file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from kotae.ingest.errors import LoadError
from kotae.ingest.loaders.common import (
    Defaults,
    LoadResult,
    clean,
    parse_language,
    parse_visibility,
    read_text,
)
from kotae.kb import Document, Kind, Visibility

_FIRST_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_KNOWN_KINDS = {"manual": Kind.MANUAL, "faq": Kind.FAQ}


def _article(path: Path, title: str, body: str, meta: dict[str, Any],
             defaults: Defaults) -> LoadResult:
    body = clean(body)
    if not body:
        raise LoadError(str(path), "no text found in the file")
    title = clean(meta.get("title") or title or path.stem)
    try:
        visibility = parse_visibility(meta.get("visibility"), defaults, Visibility.PUBLIC)
        language = parse_language(meta.get("language"), f"{title}\n{body}")
    except ValueError as exc:
        raise LoadError(str(path), str(exc)) from exc
    kind = _KNOWN_KINDS.get(str(meta.get("kind", "manual")).lower(), Kind.MANUAL)
    extra = {k: str(v) for k, v in meta.items() if k not in {
        "title", "url", "visibility", "language", "product", "category", "updated_at", "kind"}}
    doc = Document.create(
        source=str(path), key="", kind=kind, title=title, body=body, language=language,
        visibility=visibility, product=clean(meta.get("product") or defaults.product),
        url=clean(meta.get("url")), category=clean(meta.get("category")),
        updated_at=clean(meta.get("updated_at")), meta=extra,
    )
    return LoadResult(documents=[doc])


def load_markdown(path: Path, defaults: Defaults) -> LoadResult:
    text = read_text(path)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise LoadError(str(path), f"invalid YAML front matter ({exc})") from exc
    meta = dict(post.metadata)
    heading = _FIRST_HEADING.search(post.content)
    return _article(path, heading.group(1) if heading else "", post.content, meta, defaults)


def load_text(path: Path, defaults: Defaults) -> LoadResult:
    text = read_text(path)
    first = next((line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()),
                 "")
    return _article(path, first, text, {}, defaults)


def load_html(path: Path, defaults: Defaults) -> LoadResult:
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    soup = BeautifulSoup(read_text(path), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup
    body = markdownify(str(main), heading_style="ATX", strip=["a", "img"])
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ", strip=True) if h1 else ""
    meta = {m.get("name"): m.get("content") for m in soup.find_all("meta")
            if m.get("name") in {"visibility", "product", "category", "language"}}
    canonical = soup.find("link", rel="canonical")
    if canonical and canonical.get("href"):
        meta["url"] = canonical["href"]
    return _article(path, title, body, meta, defaults)


# For the other article loaders (PDF, Office): a title, a Markdown body and metadata.
article = _article
