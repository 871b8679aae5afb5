/* kotae agent console: POST v1/suggest, show the draft with its sources, record the outcome.
 *
 * No framework, no build step. Text from the API goes into the page as text nodes only
 * (never innerHTML); cited sentences are wrapped in <mark> from the `highlights` offsets
 * (code points, as the API counts them). The agent logs in with a key (session.js); the
 * calls carry the session cookie, never the key.
 */
(function () {
  "use strict";

  var REASONS = {
    bug: "不具合", outage: "障害", complaint: "クレーム", billing_dispute: "請求トラブル",
    cancellation: "解約", refund: "返金", legal: "法務", security: "セキュリティ",
    repeat: "再問い合わせ", low_confidence: "回答の確度が低い"
  };
  var PRIORITIES = { low: "低", normal: "通常", high: "高", urgent: "緊急" };
  var SENTIMENTS = { positive: "好意的", neutral: "中立", negative: "不満", angry: "強い不満" };
  var MODES = { answer: "回答", clarify: "確認の質問", investigate: "調査中の連絡" };
  var KINDS = { manual: "マニュアル", faq: "FAQ", ticket: "過去の対応" };
  var OUTCOMES = { used: "「このまま使用」", edited: "「編集して使用」", wrong: "「不適切」" };

  var current = null; // the last suggestion
  var session = null; // the login panel (session.js)

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function call(path, body) {
    return window.kotaeSession.request("POST", path, body)
      .then(function (res) { return res.json(); });
  }

  /** A polite message for a failed call; a 401 means the login is gone, so ask again. */
  function explain(err, what) {
    if (err.status === 401) {
      session.refresh();
      return "ログインしていないか、ログインの有効期限が切れています。上の「ログイン」から担当者用のAPIキーでログインしてください。";
    }
    if (err.status === 403) return "この操作には agent 以上の権限が必要です。";
    if (err.status === 0) return "サーバーに接続できませんでした。通信環境を確認して、もう一度お試しください。";
    return what + "：" + err.message;
  }

  function showError(message) {
    var box = $("error");
    clear(box);
    if (!message) { box.hidden = true; return; }
    box.appendChild(el("p", { "class": "error-message", text: message }));
    box.hidden = false;
  }

  function highlighted(text, ranges) {
    var chars = Array.from(text);
    var frag = document.createDocumentFragment();
    var pos = 0;
    (ranges || []).slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (r) {
      if (r[0] < pos) return;
      frag.appendChild(document.createTextNode(chars.slice(pos, r[0]).join("")));
      frag.appendChild(el("mark", { text: chars.slice(r[0], r[1]).join("") }));
      pos = r[1];
    });
    frag.appendChild(document.createTextNode(chars.slice(pos).join("")));
    return frag;
  }

  function chip(label, value, level) {
    return el("li", { "class": "chip", "data-level": level || "" },
      [el("span", { "class": "chip-label", text: label }), document.createTextNode(value)]);
  }

  function renderTriage(t) {
    var list = $("triage");
    clear(list);
    list.appendChild(chip("分類", t.category + "（" + Math.round(t.category_confidence * 100) + "%）"));
    list.appendChild(chip("優先度", (PRIORITIES[t.priority] || t.priority) + "（" +
      Math.round(t.priority_confidence * 100) + "%）", t.priority));
    list.appendChild(chip("感情", SENTIMENTS[t.sentiment.label] || t.sentiment.label, t.sentiment.label));
    var banner = $("escalation");
    if (t.escalate) {
      $("escalation-reason").textContent = (REASONS[t.escalate.reason] || t.escalate.reason) +
        "（" + t.escalate.reason + "）";
      $("escalation-message").textContent = t.escalate.message;
      banner.setAttribute("data-reason", t.escalate.reason);
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.removeAttribute("data-reason");
    }
  }

  function renderCitations(citations) {
    var list = $("citations");
    clear(list);
    if (!citations.length) list.appendChild(el("li", { "class": "empty-note", text: "引用はありません。" }));
    citations.forEach(function (c) {
      var title = c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener", text: c.title })
        : el("span", { text: c.title });
      var keep = el("input", { type: "checkbox", "class": "keep", value: c.label, checked: "checked" });
      list.appendChild(el("li", { "class": "citation", "data-label": c.label, "data-doc": c.doc_id }, [
        el("p", { "class": "citation-title" }, [el("span", { "class": "cite-label", text: c.label }),
          el("span", { "class": "badge badge-" + c.kind, text: KINDS[c.kind] || c.kind }),
          document.createTextNode(" "), title]),
        el("p", { "class": "citation-snippet" }, [highlighted(c.snippet, c.highlights)]),
        el("label", { "class": "citation-keep" }, [keep, document.createTextNode("この引用を残す")])
      ]));
    });
  }

  function renderLinks(id, items, headingId) {
    var list = $(id);
    clear(list);
    $(headingId).hidden = !items.length;
    items.forEach(function (c) {
      list.appendChild(el("li", {}, [c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener", text: c.title })
        : el("span", { text: c.title })]));
    });
  }

  function renderSimilar(tickets) {
    var list = $("similar");
    clear(list);
    if (!tickets.length) list.appendChild(el("li", { "class": "empty-note", text: "類似の対応はありません。" }));
    tickets.forEach(function (t) {
      list.appendChild(el("li", { "class": "similar-item" }, [el("details", { "class": "similar-ticket" }, [
        el("summary", {}, [document.createTextNode(t.ticket_id + " " + t.subject),
          el("span", { "class": "similar-meta", text: "類似度 " + t.score.toFixed(2) + "・" + t.category })]),
        el("p", { "class": "similar-reply", text: t.reply })
      ])]));
    });
  }

  function renderTrace(sentences) {
    var list = $("trace");
    clear(list);
    sentences.filter(function (s) { return s.part === "answer"; }).forEach(function (s) {
      var item = el("li", { "class": s.supported ? "" : "trace-unsupported" });
      s.citations.forEach(function (label) { item.appendChild(el("span", { "class": "cite-label", text: label })); });
      item.appendChild(document.createTextNode(s.text + (s.supported ? "" : "（根拠なし）")));
      list.appendChild(item);
    });
  }

  function render(data) {
    current = data;
    renderTriage(data.triage);
    $("draft").value = data.draft;
    var mode = $("mode");
    mode.textContent = MODES[data.draft_detail.mode] || data.draft_detail.mode;
    mode.setAttribute("data-mode", data.draft_detail.mode);
    renderCitations(data.citations);
    renderTrace(data.draft_detail.sentences);
    renderLinks("faq", data.faq_suggestions, "faq-heading");
    renderLinks("candidates", data.answered ? [] : data.candidates, "candidates-heading");
    renderSimilar(data.similar_tickets);
    $("outcome-status").textContent = "";
    $("status").textContent = "回答案を作成しました（確度 " + Math.round(data.confidence * 100) + "%）。";
    $("result").hidden = false;
  }

  function submitTicket(event) {
    event.preventDefault();
    showError("");
    var body = {
      subject: $("subject").value.trim(), body: $("body").value.trim(),
      language: $("language").value, customer_tier: $("tier").value
    };
    if (!body.subject && !body.body) { showError("件名か本文を入力してください。"); return; }
    $("ticket-form").classList.add("is-busy");
    $("status").textContent = "回答案を作成しています…";
    call("v1/suggest", body).then(render).catch(function (err) {
      $("status").textContent = "";
      showError(explain(err, "回答案を作成できませんでした"));
    }).then(function () { $("ticket-form").classList.remove("is-busy"); });
  }

  function sendOutcome(outcome) {
    if (!current) return;
    var kept = Array.prototype.map.call(document.querySelectorAll("#citations .keep:checked"),
      function (box) { return box.value; });
    var status = $("outcome-status");
    call("v1/suggest/" + current.id + "/outcome",
      { outcome: outcome, final_text: $("draft").value, kept_citations: kept })
      .then(function (data) {
        status.setAttribute("data-outcome", data.outcome);
        status.textContent = OUTCOMES[outcome] + "として記録しました（変更 " + data.edit_distance + " 文字）。";
      })
      .catch(function (err) { status.textContent = explain(err, "記録できませんでした"); });
  }

  function init() {
    $("ticket-form").addEventListener("submit", submitTicket);
    Array.prototype.forEach.call(document.querySelectorAll("[data-outcome]"), function (button) {
      button.addEventListener("click", function () { sendOutcome(button.getAttribute("data-outcome")); });
    });
    session = window.kotaeSession.panel({
      onChange: function (info) {
        if (window.kotaeSession.allows(info.role, "agent")) showError("");
      }
    });
    session.refresh();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
