"""PDF, Word, PowerPoint and Excel files written by real libraries, loaded by real converters."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.ingest import chunk_document, ingest_paths
from kotae.ingest.errors import LoadError
from kotae.ingest.loaders import Defaults, loader_for
from kotae.kb import KBStore, Kind


def _pdf(path: Path, pages: list[str], title: str = "") -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    pdf = canvas.Canvas(str(path))
    if title:
        pdf.setTitle(title)
    for text in pages:
        if text:
            pdf.setFont("HeiseiKakuGo-W5", 12)
            pdf.drawString(72, 750, text)
        else:  # a scanned page: a picture, no text layer
            pdf.rect(50, 50, 400, 600, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def _load(path: Path):
    loader = loader_for(path)
    assert loader is not None
    return loader(path, Defaults())


def test_pdf_pages_become_chunk_headings(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "manual.pdf", ["請求書はメニューの新規作成から作ります。", "",
                                          "支払期日は詳細画面で変更できます。"], "請求書マニュアル")
    [doc] = _load(path).documents
    assert doc.title == "請求書マニュアル" and doc.meta["pages"] == "3"
    chunks = chunk_document(doc)
    assert [(c.heading, c.text) for c in chunks] == [
        ("請求書マニュアル > p. 1", "請求書はメニューの新規作成から作ります。"),
        ("請求書マニュアル > p. 3", "支払期日は詳細画面で変更できます。")]


def test_scanned_pdf_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(LoadError, match="no extractable text in 2 page.*OCR"):
        _load(path)


def test_damaged_pdf_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    with pytest.raises(LoadError, match="not a readable PDF"):
        _load(path)


def test_docx_headings_tables_and_japanese_text_are_kept(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("経費精算の手順", 1)
    document.add_paragraph("領収書を撮影してアップロードします。")
    document.add_heading("承認", 2)
    document.add_paragraph("上長が承認すると精算されます。")
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("項目", "上限"), ("交通費", "5,000円"),
                                       ("宿泊費", "12,000円")], strict=True):
        row.cells[0].text, row.cells[1].text = cells
    document.save(tmp_path / "expense.docx")
    [doc] = _load(tmp_path / "expense.docx").documents
    assert doc.title == "経費精算の手順" and doc.kind is Kind.MANUAL
    chunks = chunk_document(doc)
    assert [c.heading for c in chunks] == ["経費精算の手順", "経費精算の手順 > 承認"]
    assert "領収書を撮影してアップロードします。" in chunks[0].text
    assert "| 交通費 | 5,000円 |" in chunks[1].text and "| 宿泊費 | 12,000円 |" in chunks[1].text


def test_damaged_docx_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    with pytest.raises(LoadError, match="not a readable .docx file"):
        _load(path)


def test_pptx_slides_are_pages(tmp_path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    slides = [("新機能の紹介", "請求書の一括発行ができます。"),
              ("料金", "追加料金はかかりません。")]
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.save(tmp_path / "release.pptx")
    [doc] = _load(tmp_path / "release.pptx").documents
    headings = [c.heading for c in chunk_document(doc)]
    assert headings == ["新機能の紹介 > p. 1 > 新機能の紹介", "新機能の紹介 > p. 2 > 料金"]


def test_xlsx_faq_sheet_as_japanese_teams_keep_it(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "FAQ"
    sheet.append(["No", "質問", "回答", "カテゴリ"])
    sheet.append([1, "パスワードを忘れました", "ログイン画面から再設定できます。", "アカウント"])
    sheet.append([2, "請求書を再発行したい", "詳細画面から再発行できます。", "請求"])
    sheet.append([3, "回答のない行", None, None])
    book.create_sheet("更新履歴").append(["日付", "内容"])
    book.save(tmp_path / "faq.xlsx")
    result = _load(tmp_path / "faq.xlsx")
    assert [(d.kind, d.question, d.category) for d in result.documents] == [
        (Kind.FAQ, "パスワードを忘れました", "アカウント"),
        (Kind.FAQ, "請求書を再発行したい", "請求")]
    assert len(result.problems) == 1 and "empty question or answer" in result.problems[0].message


def test_folder_of_office_files_is_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _pdf(folder / "manual.pdf", ["請求書はメニューの新規作成から作ります。"])
    _pdf(folder / "scan.pdf", [""])
    report = ingest_paths(KBStore.for_dir(tmp_path / "kb"), [folder])
    assert report.counts.added == 1
    assert [Path(p.path).name for p in report.problems] == ["scan.pdf"]
