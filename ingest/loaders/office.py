"""Office documents and PDFs (``pip install 'kotae[office]'``).

- PDF: pdfplumber (pdfminer.six, with the Adobe-Japan1 CMaps Japanese PDFs need), page by page,
  so a page's text is all that is held at once and every chunk knows its page: each page
  becomes a ``# p. N`` section, and the chunk's heading reads ``Title > p. N``.
- DOCX: mammoth (Word → HTML: headings, lists, tables) then markdownify, as for HTML files.
  markitdown's DOCX path is not used: from markitdown 0.1.9 it rewrites the document's XML
  through BeautifulSoup first, and with beautifulsoup4 4.15 that loses the body element, so no
  Word file could be read at all; mammoth alone reads the same files.
- PPTX: markitdown (python-pptx); a slide is a page.
- XLSX: openpyxl in read-only (streaming) mode. A sheet with question/answer columns (質問/回答)
  is an FAQ sheet: one FAQ entry a row, as from a CSV. A workbook without an FAQ sheet becomes
  one article with a section a sheet.

Binary documents may be larger than text files (``MAX_DOCUMENT_BYTES``) but are refused beyond
``MAX_PAGES`` pages or ``MAX_TEXT_CHARS`` characters of text, with the limit in the reason.

Example:
    >>> [doc] = load_pdf(Path("manual.pdf"), Defaults()).documents
    >>> doc.meta["pages"], [c.heading for c in chunk_document(doc)][:1]
    ('12', ['製品マニュアル > p. 1'])
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kotae.ingest.errors import LoadError
from kotae.ingest.loaders.common import Defaults, LoadResult
from kotae.ingest.loaders.documents import article
from kotae.ingest.loaders.faq_csv import load_faq_text

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
MAX_PAGES = 3000
MAX_TEXT_CHARS = 5_000_000
PAGE_HEADING = "p. {}"
_SLIDE = re.compile(r"<!-- Slide number: (\d+) -->")
_HEADING = re.compile(r"^(#{1,5})(?=\s)", re.MULTILINE)


def _lazy(module: str, path: Path) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise LoadError(str(path), f"this format needs extra packages ({exc.name}); "
                        "install them with: pip install 'kotae[office]'") from exc


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(str(path), f"cannot read file ({exc.strerror or exc})") from exc
    if size > MAX_DOCUMENT_BYTES:
        raise LoadError(str(path), f"file is {size:,} bytes; the limit for documents is "
                        f"{MAX_DOCUMENT_BYTES:,}")


def _paged(path: Path, pages: Iterator[tuple[int, str]]) -> tuple[str, int]:
    """Markdown with a ``# p. N`` section a page; refuses documents over the limits."""
    parts: list[str] = []
    total = count = 0
    for number, text in pages:
        count += 1
        if count > MAX_PAGES:
            raise LoadError(str(path), f"more than {MAX_PAGES:,} pages; split the document")
        text = text.strip()
        total += len(text)
        if total > MAX_TEXT_CHARS:
            raise LoadError(str(path), f"more than {MAX_TEXT_CHARS:,} characters of text; "
                            "split the document")
        if text:
            parts.append(f"# {PAGE_HEADING.format(number)}\n\n{text}")
    return "\n\n".join(parts), count


def _pdf_pages(pdf: Any) -> Iterator[tuple[int, str]]:
    for number, page in enumerate(pdf.pages, start=1):
        yield number, page.extract_text() or ""
        page.close()  # frees the page's parsed objects: memory stays at one page


def load_pdf(path: Path, defaults: Defaults) -> LoadResult:
    pdfplumber = _lazy("pdfplumber", path)
    _check_size(path)
    try:
        with pdfplumber.open(path) as pdf:
            body, pages = _paged(path, _pdf_pages(pdf))
            title = str((pdf.metadata or {}).get("Title") or "").strip()
    except LoadError:
        raise
    except Exception as exc:  # pdfminer raises many types for a damaged file
        raise LoadError(str(path), f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not body:
        raise LoadError(str(path), f"no extractable text in {pages} page(s): a scanned PDF? "
                        "run OCR on it first")
    return article(path, title, body, {"pages": pages}, defaults)


def _markitdown(path: Path, converter: str, extension: str) -> str:
    converters = _lazy("markitdown.converters", path)
    stream_info = _lazy("markitdown", path).StreamInfo(extension=extension, local_path=str(path))
    try:
        with open(path, "rb") as fh:
            return str(getattr(converters, converter)().convert(fh, stream_info).markdown)
    except Exception as exc:  # zip, XML and format errors of a damaged file
        raise LoadError(str(path), f"not a readable {extension} file "
                        f"({type(exc).__name__}: {exc})") from exc


def load_docx(path: Path, defaults: Defaults) -> LoadResult:
    mammoth = _lazy("mammoth", path)
    markdownify = _lazy("markdownify", path).markdownify
    _check_size(path)
    try:
        with open(path, "rb") as fh:
            html = mammoth.convert_to_html(fh).value
    except Exception as exc:  # zip, XML and format errors of a damaged file
        raise LoadError(str(path), f"not a readable .docx file "
                        f"({type(exc).__name__}: {exc})") from exc
    text = markdownify(html, heading_style="ATX", strip=["a", "img"])
    if len(text) > MAX_TEXT_CHARS:
        raise LoadError(str(path), f"more than {MAX_TEXT_CHARS:,} characters of text; "
                        "split the document")
    first = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return article(path, first.group(1) if first else "", text, {}, defaults)


def load_pptx(path: Path, defaults: Defaults) -> LoadResult:
    _check_size(path)
    text = _markitdown(path, "PptxConverter", ".pptx")
    pieces = _SLIDE.split(text)  # ["", "1", slide 1, "2", slide 2, ...]
    slides = [(int(pieces[i]), _HEADING.sub(r"#\1", pieces[i + 1]))
              for i in range(1, len(pieces) - 1, 2)]
    first = re.search(r"^##\s+(.+)$", slides[0][1], re.MULTILINE) if slides else None
    body, count = _paged(path, iter(slides))
    return article(path, first.group(1) if first else "", body, {"pages": count}, defaults)


def _rows(sheet: Any) -> Iterator[list[str]]:
    for row in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else str(v) for v in row]
        if any(c.strip() for c in cells):
            yield cells


def load_xlsx(path: Path, defaults: Defaults) -> LoadResult:
    openpyxl = _lazy("openpyxl", path)
    _check_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise LoadError(str(path), f"not a readable .xlsx file ({type(exc).__name__})") from exc
    result, sections, seen = LoadResult(), [], set()
    try:
        for sheet in book.worksheets:
            rows = list(_rows(sheet))
            buffer = io.StringIO()
            csv.writer(buffer).writerows(rows)
            try:
                faq = load_faq_text(path, buffer.getvalue(), defaults)
            except LoadError:  # not an FAQ sheet: its rows become a section of an article
                if rows:
                    table = "\n".join(" | ".join(c.strip() for c in row) for row in rows)
                    sections.append(f"# {sheet.title}\n\n{table}")
                continue
            for doc in faq.documents:
                if doc.id not in seen:
                    seen.add(doc.id)
                    result.documents.append(doc)
            result.problems += faq.problems
    finally:
        book.close()
    if sections and not result.documents:
        return article(path, path.stem, "\n\n".join(sections), {}, defaults)
    if not result.documents and not result.problems:
        raise LoadError(str(path), "no FAQ rows (question/answer columns) and no text found")
    return result
