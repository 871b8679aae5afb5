"""What a ticket asks, who wrote it, and what of a past reply is that customer's own."""

from __future__ import annotations

from kotae.suggest.compose.foreign import carries_customer_context, echoed_words, is_boilerplate
from kotae.suggest.compose.questions import asks, is_question, lead_in, split_questions
from kotae.suggest.replies import frame
from kotae.suggest.replies.names import customer_name


def test_numbered_asks_are_questions_of_their_own():
    body = ("2点お願いがあります。\n①6月分の利用料の領収書をいただきたいです。\n"
            "②今後の請求書の宛名を新しい社名にしたいのですが、どこで変更できますか。\n"
            "6月分までは旧社名のままで問題ありません。")
    asked = split_questions(body)
    assert len(asked) == 2 and asked[0].startswith("①") and "宛名" in asked[1]


def test_question_sentences_split_a_ticket_with_their_context():
    body = ("先週送った請求書の単価を間違えていました。正しい請求書を送り直したいのですが、"
            "どう操作すればよいでしょうか。\nまた、登録番号を入力しました。これから出し直す請求書には"
            "登録番号が表示されますか。")
    asked = split_questions(body)
    assert len(asked) == 2
    assert asked[0].startswith("先週送った") and asked[1].startswith("また、")
    follow = ("1. 閲覧だけにできますか？\n"
              "2. 人数の上限に引っかかりますか？その場合どうすればいいですか。")
    assert split_questions(follow)[1].endswith("その場合どうすればいいですか。")


def test_numbered_points_count_even_when_one_reports_a_problem():
    body = ("2点教えてください。\n(1) 先週から入金明細が取り込まれなくなりました。"
            "「MRI-6010」と表示されています。\n"
            "(2) 手数料を引いた入金がありました。きれいに消込む方法はありますか。")
    asked = split_questions(body)
    assert len(asked) == 2 and asked[0].startswith("(1)") and asked[1].startswith("(2)")
    bullets = "・請求書が作れません。\n・画面が白いです。\n・どうすればよいですか。"
    assert split_questions(bullets) == [bullets]  # bullets that only state are context


def test_a_blocked_want_is_a_question_of_its_own():
    body = ("毎月31日に作成されるようにしたいのですが、作成日が28日までしか選べません。\n"
            "あと、件名に「○月分」と自動で入れる方法があれば教えてください。")
    asked = split_questions(body)
    assert len(asked) == 2 and asked[0].endswith("選べません。") and asked[1].startswith("あと")


def test_a_list_of_asks_shares_what_the_ticket_says_before_it():
    body = ("いつもお世話になっております。\n"
            "スタンダードプランを月額払いで使っています。今月でやめたいです。\n"
            "・いつまでに手続きをすればよいですか？\n・データは消えてしまいますか？\n")
    assert lead_in(body) == "スタンダードプランを月額払いで使っています。今月でやめたいです。"
    assert lead_in("請求書が届きません。確認してもらえますか。") == ""


def test_an_instruction_in_an_article_is_not_a_question():
    for text in ("管理者に「招待を再送」していただくようご依頼ください。", "保存してください。"):
        assert asks(text) and not is_question(text)  # a customer's request; an article's how
    for text in ("宛名を変えられますか?", "How do I add a member?", "解約できますか。"):
        assert is_question(text)


def test_one_question_is_the_whole_ticket():
    assert split_questions("請求書が届きません。確認してもらえますか。") == [
        "請求書が届きません。確認してもらえますか。"]
    assert split_questions("How do I add a member?") == ["How do I add a member?"]


def test_the_writer_is_named_not_the_people_they_mention():
    assert customer_name("お世話になっております。\n上司の田中からも言われています。\n"
                         "株式会社サクラ工務店 経理課 佐々木") == "佐々木"
    assert customer_name("株式会社ミヤビ設計の高木と申します。\n営業の山口さんが…") == "高木"
    assert customer_name("取引先の中島さんから言われました。\nよろしくお願いいたします。\n森田") \
        == "森田"
    assert customer_name("Hello,\nIt fails.\nBest regards,\nEmily Carter") == "Emily Carter"
    assert customer_name("Hi, this is John Smith from Acme.") == "John Smith"
    assert customer_name("経理担当の者です。至急お願いします。") == ""
    assert customer_name("請求書が届きません。\nよろしくお願いいたします。") == ""


def test_the_customer_is_addressed_by_name_and_open_questions_are_named():
    from kotae.suggest.replies.types import DraftMode

    assert frame.opening("ja", "件名", "neutral", DraftMode.ANSWER, "佐々木")[0] == "佐々木様"
    assert frame.opening("en", "s", "neutral", DraftMode.ANSWER, "John Smith")[0] == \
        "Dear John Smith,"
    assert frame.opening("ja", "件名", "neutral", DraftMode.ANSWER)[0].startswith("お問い合わせ")
    line = frame.open_question("ja", "先週送りました。②送付先を複数にできますか？")
    assert line == ("「送付先を複数にできますか」とのご質問については、"
                    "確認のうえ改めてご連絡いたします。")
    assert "we will check and get back to you" in frame.open_question("en", "Can I add two?")


def test_a_past_replys_own_context_is_recognised():
    for text in ("4月以降の分のみ新社名にしたい場合は、3月分までの領収書をお取りください。",
                 "山田様のアカウントを確認したところ、ロックされていました。",
                 "株式会社ミドリ商会様宛ての請求書は再送済みです。",
                 "ご請求額6,578円は12月分の利用料です。", "We charged USD 1,200.00 on June 15.",
                 "昨日の障害は復旧しております。",
                 "外貨建て請求書への対応については、ご要望として開発チームに共有いたしました。",
                 "I have passed your feedback on to our product team.",
                 "現在2名でご利用とのことですので、税理士の方を招待いただくと、ちょうど3名となります。",
                 "As you mentioned, the invoice was sent twice."):
        assert carries_customer_context(text), text
    for text in ("宛名は「請求書・領収書の宛名設定」から変更できます。",
                 "100万円以下の部分は10.21%で計算されます。",
                 "Invoices are issued in Japanese yen only."):
        assert not carries_customer_context(text), text
    assert is_boilerplate("お問い合わせいただきありがとうございます。")
    assert is_boilerplate("This is Ito from Mirai support.")


def test_a_courtesy_that_opens_an_answer_does_not_make_it_boilerplate():
    # 「申し訳ございませんが、」 opens the one sentence that answers in many past replies.
    for text in ("大変申し訳ございませんが、請求書の通貨は日本円のみです。",
                 "恐れ入りますが、CSVは1回に1,000行までです。",
                 "Unfortunately, invoices can only be issued in yen."):
        assert not is_boilerplate(text), text
    for text in ("申し訳ございません。", "ご不便をおかけして申し訳ございません。",
                 "大変申し訳ございませんが、よろしくお願いいたします。", "Sorry for the trouble."):
        assert is_boilerplate(text), text


def test_a_past_replys_echo_of_that_customers_words_is_found():
    asked = "フリーのイラストレーターです。請求書に源泉徴収税を差し引いた金額を書きたいです。"
    sentence = "請求書の作成画面で、イラストの制作料などの品目の「源泉徴収」にチェックを入れます。"
    terms = ["請求書", "作成", "画面", "イラスト", "制作", "品目", "源泉", "徴収", "チェック"]
    new_ticket = "個人でWebデザインをしています。請求書に源泉徴収税額を記載できますか？"
    assert echoed_words(sentence, asked, terms, new_ticket) == {"イラスト"}
    # a word another source also uses is the product's, not that customer's
    assert echoed_words(sentence, asked, terms, new_ticket, "イラストの品目を登録する") == set()
