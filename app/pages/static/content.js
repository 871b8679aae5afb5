/* kotae content dashboard: GET v1/gaps, accept a proposal, export CSV / Markdown; review the
 * help center's search suggestions (GET v1/typeahead/review, allow or block a phrase).
 *
 * No framework, no build step. Text from the API goes into the page as text nodes only
 * (never innerHTML). The editor logs in with a key (session.js); the calls carry the session
 * cookie, never the key.
 */
(function () {
  "use strict";

  var NEEDED = "editor";
  var ROLE_TOO_LOW = "この操作には editor 以上の権限が必要です。";
  var TRENDS = { "new": "新規", rising: "増加", steady: "横ばい", falling: "減少" };
  var SIGNALS = {
    low_confidence: "確度が低い", not_helpful: "「いいえ」", handoff: "有人対応へ",
    ticket: "問い合わせ", reply_not_in_articles: "回答が記事にない"
  };

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

  function params() {
    return "since=" + encodeURIComponent($("since").value) +
      "&min_size=" + encodeURIComponent($("min-size").value);
  }

  function request(method, path, body) {
    return window.kotaeSession.request(method, path, body);
  }

  /** A polite message for a failed call; a 401 means the login is gone, so ask again. */
  function explain(err) {
    if (err.status === 401) {
      session.refresh();
      return "ログインしていないか、ログインの有効期限が切れています。編集者のAPIキーでログインしてください。";
    }
    if (err.status === 403) return ROLE_TOO_LOW;
    if (err.status === 503) return "まだ索引が作成されていません（kotae ingest を実行してください）。";
    if (err.status === 0) return "サーバーに接続できませんでした。通信環境を確認して、もう一度お試しください。";
    return "エラーが発生しました：" + err.message;
  }

  /** Whether the logged-in role may see the report; otherwise say why (and show nothing). */
  function mayLoad() {
    var info = session.info();
    if (info && window.kotaeSession.allows(info.role, NEEDED)) return true;
    clearReport();
    if (!info || info.role === "public") {
      setStatus("編集者（editor）または管理者のAPIキーでログインしてください。", false);
    } else {
      setStatus(ROLE_TOO_LOW, true);
    }
    return false;
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = "status-line" + (isError ? " is-error" : "");
  }

  function dateOf(iso) { return (iso || "").slice(0, 10); }

  function renderGap(gap, rank) {
    var head = el("div", { "class": "gap-head" }, [
      el("h3", { "class": "gap-title", text: rank + ". " + gap.label }),
      el("span", { "class": "badge", text: gap.size + " 件" }),
      el("span", { "class": "badge badge-" + gap.trend, text: TRENDS[gap.trend] || gap.trend }),
      gap.draft_doc_id ? el("span", { "class": "badge badge-draft", text: "下書き登録済み" }) : null
    ]);
    var signals = Object.keys(gap.signals).map(function (k) {
      return (SIGNALS[k] || k) + " " + gap.signals[k];
    }).join("・");
    var meta = el("p", { "class": "gap-meta", text: "初回 " + dateOf(gap.first_seen) +
      " / 最新 " + dateOf(gap.last_seen) + " / " + signals });
    var questions = el("ul", { "class": "questions" }, gap.representatives.map(function (q) {
      return el("li", { text: q });
    }));
    return el("article", { "class": "gap", "data-gap-id": gap.id }, [
      head, meta, questions, renderProposal(gap)]);
  }

  function renderProposal(gap) {
    var p = gap.proposal;
    var qId = "q-" + gap.id, aId = "a-" + gap.id;
    var question = el("input", { id: qId, type: "text", value: p.question });
    var answer = el("textarea", { id: aId, rows: "6" });
    answer.value = p.has_answer ? p.answer : "";
    if (!p.has_answer) answer.setAttribute("placeholder", p.answer + " 回答を入力してください。");
    var cited = p.citations.map(function (c) { return c.ticket_id || c.doc_id; }).join(", ");
    var result = el("span", { "class": "accept-result", role: "status" });
    var button = el("button", { type: "button", "class": "button accept-button",
                                text: "FAQ の下書きとして登録" });
    button.addEventListener("click", function () { accept(gap, question, answer, button, result); });
    return el("div", { "class": "proposal" }, [
      el("strong", { text: "提案する FAQ" }),
      el("label", { "for": qId, text: "質問" }), question,
      el("label", { "for": aId, text: "回答案" }), answer,
      cited ? el("p", { "class": "citations", text: "出典（解決済みの問い合わせ）: " + cited }) : null,
      el("div", { "class": "accept-row" }, [button, result])
    ]);
  }

  function accept(gap, question, answer, button, result) {
    if (!answer.value.trim()) {
      result.textContent = "回答を入力してから登録してください。";
      result.className = "accept-result is-error";
      answer.focus();
      return;
    }
    button.disabled = true;
    result.className = "accept-result";
    result.textContent = "登録しています…";
    request("POST", "v1/gaps/" + encodeURIComponent(gap.id) + "/accept?" + params(),
            { question: question.value, answer: answer.value })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        result.textContent = "下書き（社内限定）として登録しました。文書ID: " + data.doc_id;
      })
      .catch(function (err) {
        button.disabled = false;
        result.className = "accept-result is-error";
        result.textContent = explain(err);
      });
  }

  function renderList(node, items, text) {
    clear(node);
    if (!items.length) { node.appendChild(el("li", { text: "ありません。" })); return; }
    items.forEach(function (item) { node.appendChild(el("li", { text: text(item) })); });
  }

  function clearReport() {
    ["summary", "gaps", "charts", "duplicates", "stale", "typeahead-popular", "typeahead-allowed",
     "typeahead-blocked"].forEach(function (id) { clear($(id)); });
  }

  function render(report) {
    var since = report.since ? dateOf(report.since) + " 以降" : "全期間";
    $("summary").textContent = since + "：回答できていない質問 " + report.candidates +
      " 件、ギャップ " + report.gaps.length + " 件（どのギャップにも入らない質問 " +
      report.unclustered + " 件）";
    var gaps = $("gaps");
    clear(gaps);
    if (!report.gaps.length) gaps.appendChild(el("p", { text: "ギャップは見つかりませんでした。" }));
    report.gaps.forEach(function (gap, i) { gaps.appendChild(renderGap(gap, i + 1)); });
    var charts = $("charts");
    clear(charts);
    var names = { gap_volume: "週ごとの未回答の質問数", top_gaps: "上位のギャップ",
                  rates: "週ごとの自己解決率と「役に立った」率" };
    Object.keys(report.charts || {}).forEach(function (name) {
      charts.appendChild(el("img", { src: report.charts[name], alt: names[name] || name }));
    });
    renderList($("duplicates"), report.duplicates, function (d) {
      return d.title_a + " ↔ " + d.title_b + "：" + d.reason;
    });
    renderList($("stale"), report.stale, function (s) {
      return s.title + "（更新 " + (s.updated_at || "不明") + "）：" + s.reason;
    });
  }

  // ------------------------------------------------------------------ search suggestions

  var HELD_BACK = [
    ["personal data", "個人情報を含むため表示しません"],
    ["a URL or domain name", "URL・ドメイン名を含むため表示しません"],
    ["a long number", "長い数字（番号）を含むため表示しません"],
    ["the blocked word", "不適切な語を含むため表示しません"],
    ["blocked by an editor", "編集者が非表示にしました"]
  ];

  function heldBackText(reason) {
    var found = HELD_BACK.filter(function (pair) { return reason.indexOf(pair[0]) === 0; })[0];
    return found ? found[1] : reason;
  }

  function ruleButton(label, phrase, decision) {
    var button = el("button", { type: "button", "class": "button button-secondary", text: label });
    button.addEventListener("click", function () {
      button.disabled = true;
      request("POST", "v1/typeahead/rules", { phrase: phrase, decision: decision })
        .then(loadTypeahead)
        .catch(function (err) { button.disabled = false; setTypeaheadStatus(explain(err), true); });
    });
    return button;
  }

  function removeButton(rule) {
    var button = el("button", { type: "button", "class": "button button-secondary", text: "解除" });
    button.addEventListener("click", function () {
      button.disabled = true;
      request("DELETE", "v1/typeahead/rules?key=" + encodeURIComponent(rule.key))
        .then(loadTypeahead)
        .catch(function (err) { button.disabled = false; setTypeaheadStatus(explain(err), true); });
    });
    return button;
  }

  function setTypeaheadStatus(text, isError) {
    $("typeahead-status").textContent = text;
    $("typeahead-status").className = "status-line" + (isError ? " is-error" : "");
  }

  function renderTypeahead(review) {
    var popular = $("typeahead-popular");
    clear(popular);
    if (!review.popular.length) {
      popular.appendChild(el("li", { text: review.min_clients + " 人以上のお客様が検索した質問はまだありません。" }));
    }
    review.popular.forEach(function (p) {
      popular.appendChild(el("li", { "data-phrase": p.phrase }, [
        el("span", { text: p.phrase }),
        el("span", { "class": "badge", text: p.clients + " 人" }),
        el("span", { "class": "reason", text: p.suggested ? "表示中" : heldBackText(p.held_back || "") }),
        p.suggested ? ruleButton("表示しない", p.phrase, "block") : null
      ]));
    });
    [["typeahead-allowed", review.allowed, "追加した候補はありません。"],
     ["typeahead-blocked", review.blocked, "非表示にした候補はありません。"]].forEach(function (part) {
      var list = $(part[0]);
      clear(list);
      if (!part[1].length) list.appendChild(el("li", { text: part[2] }));
      part[1].forEach(function (rule) {
        list.appendChild(el("li", { "data-phrase": rule.phrase }, [
          el("span", { text: rule.phrase }),
          el("span", { "class": "reason", text: (rule.by ? rule.by + "・" : "") + dateOf(rule.created_at) }),
          removeButton(rule)
        ]));
      });
    });
  }

  function loadTypeahead() {
    return request("GET", "v1/typeahead/review")
      .then(function (res) { return res.json(); })
      .then(function (review) { renderTypeahead(review); setTypeaheadStatus("", false); })
      .catch(function (err) { setTypeaheadStatus(explain(err), true); });
  }

  function allow(e) {
    e.preventDefault();
    var input = $("allow-phrase");
    if (!input.value.trim()) { input.focus(); return; }
    request("POST", "v1/typeahead/rules", { phrase: input.value, decision: "allow" })
      .then(function () { input.value = ""; return loadTypeahead(); })
      .catch(function (err) { setTypeaheadStatus(explain(err), true); });
  }

  function load() {
    if (!mayLoad()) return;
    loadTypeahead();
    setStatus("レポートを作成しています…", false);
    request("GET", "v1/gaps?charts=true&" + params())
      .then(function (res) { return res.json(); })
      .then(function (report) {
        render(report);
        setStatus("", false);
      })
      .catch(function (err) { setStatus(explain(err), true); });
  }

  function download(path, filename) {
    if (!mayLoad()) return;
    request("GET", path + "?" + params())
      .then(function (res) { return res.blob(); })
      .then(function (blob) {
        var link = el("a", { href: URL.createObjectURL(blob), download: filename });
        document.body.appendChild(link);
        link.click();
        link.remove();
      })
      .catch(function (err) { setStatus(explain(err), true); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    session = window.kotaeSession.panel({ onChange: load });
    $("report-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    $("allow-form").addEventListener("submit", allow);
    $("export-csv").addEventListener("click", function () {
      download("v1/gaps/export.csv", "kotae-gaps.csv");
    });
    $("export-md").addEventListener("click", function () {
      download("v1/gaps/export.md", "kotae-gaps.md");
    });
    session.refresh();
  });
})();
