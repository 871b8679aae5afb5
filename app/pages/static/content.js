/* kotae content dashboard: GET v1/gaps, accept a proposal, export CSV / Markdown; review the
 * help center's search suggestions (GET v1/typeahead/review, allow or block a phrase); review
 * the phrasings learnt from use (GET v1/phrasings, approve / reject / move to an article or FAQ
 * entry found as the editor types (GET v1/search), publish).
 *
 * No framework, no build step. Text from the API goes into the page as text nodes only
 * (never innerHTML). The editor logs in with a key (session.js); the calls carry the session
 * cookie, never the key.
 */
(function () {
  "use strict";

  var NEEDED = "editor";
  var W = window.kotae.words("content", "ja"); // the page's words (/ui/messages.js)
  var el = window.kotae.el, clear = window.kotae.clear, fmt = window.kotae.fmt;

  var session = null; // the login panel (session.js)
  var PICKER_HITS = 8; // documents offered as a phrasing's new target
  var PICKER_DELAY_MS = 250; // typing pause before the picker searches

  function $(id) { return document.getElementById(id); }

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
      return W.err401;
    }
    if (err.status === 403) return W.roleTooLow;
    if (err.status === 503) return W.err503;
    if (err.status === 0) return W.errNetwork;
    return fmt(W.errOther, { message: err.message });
  }

  /** Whether the logged-in role may see the report; otherwise say why (and show nothing). */
  function mayLoad() {
    var info = session.info();
    if (info && window.kotaeSession.allows(info.role, NEEDED)) return true;
    clearReport();
    if (!info || info.role === "public") {
      setStatus(W.needEditor, false);
    } else {
      setStatus(W.roleTooLow, true);
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
      el("span", { "class": "badge", text: fmt(W.count, { n: gap.size }) }),
      el("span", { "class": "badge badge-" + gap.trend, text: W.trends[gap.trend] || gap.trend }),
      gap.draft_doc_id ? el("span", { "class": "badge badge-draft", text: W.drafted }) : null
    ]);
    var signals = Object.keys(gap.signals).map(function (k) {
      return (W.signals[k] || k) + " " + gap.signals[k];
    }).join(W.separator);
    var meta = el("p", { "class": "gap-meta", text: fmt(W.gapMeta, {
      first: dateOf(gap.first_seen), last: dateOf(gap.last_seen), signals: signals }) });
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
    if (!p.has_answer) answer.setAttribute("placeholder", fmt(W.enterAnswer, { note: p.answer }));
    var cited = p.citations.map(function (c) { return c.ticket_id || c.doc_id; }).join(", ");
    var result = el("span", { "class": "accept-result", role: "status" });
    var button = el("button", { type: "button", "class": "button accept-button",
                                text: W.acceptButton });
    button.addEventListener("click", function () { accept(gap, question, answer, button, result); });
    return el("div", { "class": "proposal" }, [
      el("strong", { text: W.proposal }),
      el("label", { "for": qId, text: W.question }), question,
      el("label", { "for": aId, text: W.answer }), answer,
      cited ? el("p", { "class": "citations", text: fmt(W.cited, { ids: cited }) }) : null,
      el("div", { "class": "accept-row" }, [button, result])
    ]);
  }

  function accept(gap, question, answer, button, result) {
    if (!answer.value.trim()) {
      result.textContent = W.answerFirst;
      result.className = "accept-result is-error";
      answer.focus();
      return;
    }
    button.disabled = true;
    result.className = "accept-result";
    result.textContent = W.accepting;
    request("POST", "v1/gaps/" + encodeURIComponent(gap.id) + "/accept?" + params(),
            { question: question.value, answer: answer.value })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        result.textContent = fmt(W.accepted, { id: data.doc_id });
      })
      .catch(function (err) {
        button.disabled = false;
        result.className = "accept-result is-error";
        result.textContent = explain(err);
      });
  }

  function renderList(node, items, text) {
    clear(node);
    if (!items.length) { node.appendChild(el("li", { text: W.none })); return; }
    items.forEach(function (item) { node.appendChild(el("li", { text: text(item) })); });
  }

  function clearReport() {
    ["summary", "gaps", "charts", "duplicates", "stale", "typeahead-popular", "typeahead-allowed",
     "typeahead-blocked", "phrasings", "learning-effect"].forEach(function (id) { clear($(id)); });
  }

  function render(report) {
    var since = report.since ? fmt(W.since, { date: dateOf(report.since) }) : W.allTime;
    $("summary").textContent = fmt(W.summary, { since: since, candidates: report.candidates,
      gaps: report.gaps.length, unclustered: report.unclustered });
    var gaps = $("gaps");
    clear(gaps);
    if (!report.gaps.length) gaps.appendChild(el("p", { text: W.noGaps }));
    report.gaps.forEach(function (gap, i) { gaps.appendChild(renderGap(gap, i + 1)); });
    var charts = $("charts");
    clear(charts);
    var names = W.charts;
    Object.keys(report.charts || {}).forEach(function (name) {
      charts.appendChild(el("img", { src: report.charts[name], alt: names[name] || name }));
    });
    $("learning-effect").textContent = learningText(report.learning);
    renderList($("duplicates"), report.duplicates, function (d) {
      return fmt(W.duplicate, { a: d.title_a, b: d.title_b, reason: d.reason });
    });
    renderList($("stale"), report.stale, function (s) {
      return fmt(W.stale, { title: s.title, updated: s.updated_at || W.unknownDate,
                            reason: s.reason });
    });
  }

  function percent(rate) { return rate === null || rate === undefined ? "–" : Math.round(rate * 100) + "%"; }

  /** What learning changed: the rates before and after the latest week phrasings were learnt. */
  function learningText(effect) {
    if (!effect) return W.learningNone;
    var vars = { week: effect.week, n: effect.learnt };
    if (!effect.before || !effect.after || effect.clear === null) return fmt(W.learningWaiting, vars);
    return fmt(W.learningEffect, {
      week: effect.week, n: effect.learnt,
      bw: effect.before_weeks, before: percent(effect.before.deflection_rate), bq: effect.before.questions,
      aw: effect.after_weeks, after: percent(effect.after.deflection_rate), aq: effect.after.questions,
      hb: percent(effect.before.helpful_rate), ha: percent(effect.after.helpful_rate)
    }) + (effect.clear ? W.learningClear : W.learningChance);
  }

  // ------------------------------------------------------------------ search suggestions

  function heldBackText(reason) {
    var found = Object.keys(W.heldBack).filter(function (k) { return reason.indexOf(k) === 0; })[0];
    return found ? W.heldBack[found] : reason;
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
    var button = el("button", { type: "button", "class": "button button-secondary", text: W.remove });
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
      popular.appendChild(el("li", { text: fmt(W.noPopular, { n: review.min_clients }) }));
    }
    review.popular.forEach(function (p) {
      popular.appendChild(el("li", { "data-phrase": p.phrase }, [
        el("span", { text: p.phrase }),
        el("span", { "class": "badge", text: fmt(W.clients, { n: p.clients }) }),
        el("span", { "class": "reason", text: p.suggested ? W.shown : heldBackText(p.held_back || "") }),
        p.suggested ? ruleButton(W.hide, p.phrase, "block") : null
      ]));
    });
    [["typeahead-allowed", review.allowed, W.noAllowed],
     ["typeahead-blocked", review.blocked, W.noBlocked]].forEach(function (part) {
      var list = $(part[0]);
      clear(list);
      if (!part[1].length) list.appendChild(el("li", { text: part[2] }));
      part[1].forEach(function (rule) {
        list.appendChild(el("li", { "data-phrase": rule.phrase }, [
          el("span", { text: rule.phrase }),
          el("span", { "class": "reason", text: fmt(W.ruleMeta, {
            by: rule.by ? rule.by + W.separator : "", date: dateOf(rule.created_at) }) }),
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

  function setPhrasingStatus(text, isError) {
    $("phrasings-status").textContent = text;
    $("phrasings-status").className = "status-line" + (isError ? " is-error" : "");
  }

  function explainPhrasing(err) {
    if (err.status === 404) return W.err404;
    if (err.status === 409) return W.err409;
    return explain(err);
  }

  function decide(item, decision, docId, row) {
    var buttons = row.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    var body = { decision: decision };
    if (docId) body.doc_id = docId;
    return request("POST", "v1/phrasings/" + item.id, body)
      .then(function (res) { return res.json(); })
      .then(function (done) {
        setPhrasingStatus(W.decided[done.status] || "", false);
        return loadPhrasings();
      })
      .catch(function (err) {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        setPhrasingStatus(explainPhrasing(err), true);
      });
  }

  /** The articles and FAQ entries a phrasing may move to, found as the editor types: each
   * option's value is the document id (what the move sends), its label the title. */
  function findTargets(query, options) {
    return request("GET", "v1/search?k=" + PICKER_HITS + "&q=" + encodeURIComponent(query))
      .then(function (res) { return res.json(); })
      .then(function (found) {
        clear(options);
        found.hits.filter(function (hit) { return hit.kind !== "ticket"; })
          .forEach(function (hit) {
            options.appendChild(el("option", { value: hit.doc_id, label: fmt(W.moveOption, {
              title: hit.title, kind: W.kinds[hit.kind] || hit.kind }) }));
          });
      })
      .catch(function (err) { setPhrasingStatus(explain(err), true); });
  }

  function movePicker(item) {
    var options = el("datalist", { id: "move-options-" + item.id });
    var target = el("input", { type: "search", "class": "move-target", maxlength: "200",
                               list: options.id, autocomplete: "off",
                               "aria-label": W.moveTo, placeholder: W.moveTo });
    var timer = null;
    target.addEventListener("input", function () {
      var query = target.value.trim();
      if (timer) clearTimeout(timer);
      var picked = Array.prototype.some.call(options.options, function (o) {
        return o.value === query;
      });
      if (query.length < 2 || picked) return;  // a picked option needs no new search
      timer = setTimeout(function () { findTargets(query, options); }, PICKER_DELAY_MS);
    });
    return { input: target, options: options };
  }

  function renderPhrasing(item) {
    var row = el("li", { "class": "phrasing", "data-id": String(item.id) });
    var picker = movePicker(item);
    var target = picker.input;
    var approve = el("button", { type: "button", "class": "button", text: W.approve });
    var reject = el("button", { type: "button", "class": "button button-secondary", text: W.reject });
    var move = el("button", { type: "button", "class": "button button-secondary", text: W.move });
    approve.addEventListener("click", function () { decide(item, "approve", null, row); });
    reject.addEventListener("click", function () { decide(item, "reject", null, row); });
    move.addEventListener("click", function () {
      var id = target.value.trim();
      if (!id) { setPhrasingStatus(W.moveNeedsId, true); target.focus(); return; }
      decide(item, "move", id, row);
    });
    [el("span", { "class": "phrase", text: item.text }),
     el("span", { "class": "reason", text: fmt(W.phrasingFor, { title: item.title || item.doc_id }) }),
     el("span", { "class": "badge", text: fmt(W.phrasingMeta, {
       source: W.phrasingSources[item.source] || item.source, score: item.score.toFixed(2) }) }),
     approve, reject, target, picker.options, move].forEach(function (node) {
      row.appendChild(node);
    });
    return row;
  }

  function total(counts) {
    return Object.keys(counts || {}).reduce(function (n, k) { return n + counts[k]; }, 0);
  }

  function loadPhrasings() {
    return request("GET", "v1/phrasings?status=candidate&limit=100")
      .then(function (res) { return res.json(); })
      .then(function (queue) {
        var list = $("phrasings");
        clear(list);
        $("phrasings-summary").textContent = fmt(W.phrasingsSummary, {
          candidate: total(queue.counts.candidate), approved: total(queue.counts.approved),
          rejected: total(queue.counts.rejected) });
        if (!queue.items.length) list.appendChild(el("li", { text: W.noPhrasings }));
        queue.items.forEach(function (item) { list.appendChild(renderPhrasing(item)); });
      })
      .catch(function (err) { setPhrasingStatus(explainPhrasing(err), true); });
  }

  function publishPhrasings() {
    if (!mayLoad()) return;
    var button = $("phrasings-publish");
    button.disabled = true;
    setPhrasingStatus(W.publishing, false);
    request("POST", "v1/phrasings/publish")
      .then(function (res) { return res.json(); })
      .then(function (out) {
        setPhrasingStatus(out.published ? fmt(W.published, { n: out.router_phrasings })
                                        : W.unchanged, false);
      })
      .catch(function (err) { setPhrasingStatus(explainPhrasing(err), true); })
      .then(function () { button.disabled = false; });
  }

  function load() {
    if (!mayLoad()) return;
    loadTypeahead();
    loadPhrasings();
    setStatus(W.building, false);
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
    $("phrasings-publish").addEventListener("click", publishPhrasings);
    $("export-csv").addEventListener("click", function () {
      download("v1/gaps/export.csv", "kotae-gaps.csv");
    });
    $("export-md").addEventListener("click", function () {
      download("v1/gaps/export.md", "kotae-gaps.md");
    });
    session.refresh();
  });
})();
