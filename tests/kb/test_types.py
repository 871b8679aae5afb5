"""Domain value types: stable ids, content hashes, enum parsing."""

from __future__ import annotations

import pytest

from kotae.kb import Chunk, Document, Kind, Visibility, parse_enum


def _doc(**changes: object) -> Document:
    fields: dict[str, object] = {
        "source": "faq.csv", "key": "FAQ-001", "kind": Kind.FAQ,
        "title": "パスワードを忘れた", "body": "ログイン画面から再設定できます。",
    }
    fields.update(changes)
    return Document.create(**fields)  # type: ignore[arg-type]


def test_document_id_is_stable_across_content_changes() -> None:
    original = _doc()
    edited = _doc(title="パスワードを忘れました", body="再設定メールを送ります。")
    assert edited.id == original.id


def test_document_id_depends_on_source_and_key() -> None:
    assert _doc(key="FAQ-002").id != _doc().id
    assert _doc(source="other.csv").id != _doc().id


def test_content_hash_changes_with_content_only() -> None:
    assert _doc().content_hash == _doc().content_hash
    assert _doc(body="別の回答です。").content_hash != _doc().content_hash
    assert _doc(visibility=Visibility.INTERNAL).content_hash != _doc().content_hash
    assert _doc(meta={"faq_id": "x"}).content_hash != _doc().content_hash


def test_chunk_id_depends_on_document_position_heading_and_text() -> None:
    chunk = Chunk.create("doc1", 0, "手順を説明します。", heading="設定 > 手順")
    assert chunk.id == Chunk.create("doc1", 0, "手順を説明します。", heading="設定 > 手順").id
    others = [
        Chunk.create("doc2", 0, "手順を説明します。", heading="設定 > 手順"),
        Chunk.create("doc1", 1, "手順を説明します。", heading="設定 > 手順"),
        Chunk.create("doc1", 0, "手順を説明します。", heading="設定"),
        Chunk.create("doc1", 0, "別の文です。", heading="設定 > 手順"),
    ]
    assert chunk.id not in {c.id for c in others}
    assert len({c.id for c in others}) == len(others)


def test_chunk_indexed_text_carries_the_heading() -> None:
    assert Chunk.create("d", 0, "本文", heading="題 > 節").indexed_text == "題 > 節\n本文"
    assert Chunk.create("d", 0, "本文").indexed_text == "本文"


def test_parse_enum_accepts_any_case_and_spaces() -> None:
    assert parse_enum(Visibility, " Internal ", "visibility") is Visibility.INTERNAL
    assert parse_enum(Kind, "FAQ", "kind") is Kind.FAQ


def test_parse_enum_error_names_the_value_and_allowed_values() -> None:
    with pytest.raises(ValueError) as info:
        parse_enum(Visibility, "secret", "visibility")
    message = str(info.value)
    assert "visibility" in message
    assert "'secret'" in message
    assert "public" in message and "internal" in message
