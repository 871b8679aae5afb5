"""PII redaction as a pure function: what is replaced, and what ordinary support text keeps."""

from __future__ import annotations

import pytest

from kotae.kb.redact import luhn_ok, redact_text


@pytest.mark.parametrize(("text", "expected"), [
    ("連絡先は taro.yamada+kotae@example.co.jp です", "連絡先は [メール] です"),
    ("電話 03-1234-5678 まで", "電話 [電話番号] まで"),
    ("フリーダイヤル 0120-123-456", "フリーダイヤル [電話番号]"),
    ("ナビダイヤル 0570-000-111", "ナビダイヤル [電話番号]"),
    ("携帯 090-1234-5678、080 1234 5678、07012345678", "携帯 [電話番号]、[電話番号]、[電話番号]"),
    ("(03)1234-5678 または 03(1234)5678", "[電話番号] または [電話番号]"),
    ("+81-90-1234-5678 / +81 3 1234 5678", "[電話番号] / [電話番号]"),
    ("call +1 415 555 0100 or +44 20 7946 0958", "call [電話番号] or [電話番号]"),
    ("〒150-0001 に送付", "〒[郵便番号] に送付"),
    ("郵便番号は530-0001です", "郵便番号は[郵便番号]です"),
    ("カード 4111 1111 1111 1111 で支払い", "カード [カード番号] で支払い"),
    ("card 5555-5555-5555-4444.", "card [カード番号]."),
    ("東京都渋谷区神宮前1-2-3 神宮前ビル4F に移転", "[住所] に移転"),
    ("住所は大阪府大阪市北区梅田3丁目1番3号です", "住所は[住所]です"),
    ("横浜市中区山下町1-2 ハイツ山下203号室", "[住所]"),
    ("山田様\nいつもお世話になっております。", "[氏名]様\nいつもお世話になっております。"),
    ("山田 太郎 様、ありがとうございます", "[氏名]様、ありがとうございます"),
    ("株式会社ミライの佐藤花子と申します。", "株式会社ミライの[氏名]と申します。"),
    ("Dear John Smith, thanks. Hi Anna,", "Dear [氏名], thanks. Hi [氏名],"),
])
def test_personal_data_is_replaced_by_readable_placeholders(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "お客様各位、皆様、ご担当者様、仕様、様々、同様にご利用ください。",
    "請求書番号 INV-2024-0001、日付 2024-01-15、バージョン 1.2.3、金額 12,000円",
    "エラー E-1234 が出ます。注文番号 1234567890123 をご確認ください。",
    "カード番号 4111-1111-1111-1112 は桁が違います",  # fails the Luhn check: not a card
    "東京都の天気、大阪府では、第3四半期の売上1-2割",
    "設定 > 請求書設定 > 宛名 から変更できます。以上です。",
    # さん and 様 after words that are not names: shops, roles, family, quantities, 様に
    "近くのラーメン屋さん、職員さん、市長さん、看護師さん、息子さんにも伝えます。",
    "古い携帯電話がたくさんあります。どの様に処分しますか。ご苦労さんでした。",
])
def test_ordinary_support_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_names_known_from_the_export_are_replaced_everywhere() -> None:
    text = "鈴木一郎です。鈴木がお願いします。ICHIRO SUZUKI, ichiro"
    assert redact_text(text, known_names=["鈴木 一郎", "Ichiro Suzuki"]) == (
        "[氏名]です。[氏名]がお願いします。[氏名], [氏名]")


def test_redaction_is_idempotent() -> None:
    once = redact_text("山田様 090-1234-5678 a@b.jp 〒150-0001 東京都港区芝公園4-2-8")
    assert redact_text(once) == once


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and luhn_ok("4539148803436467")
    assert not luhn_ok("4111111111111112")
