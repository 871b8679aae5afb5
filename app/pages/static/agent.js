/* kotae agent console: POST v1/suggest, show the draft with its sources, record the outcome.
 *
 * No framework, no build step. Text from the API goes into the page as text nodes only
 * (never innerHTML); cited sentences are wrapped in <mark> from the `highlights` offsets
 * (code points, as the API counts them). The agent logs in with a key (session.js); the
 * calls carry the session cookie, never the key.
 */
(function () {
  "use strict";

  var W = window.kotae.words("agent", "ja"); // the page's words (/ui/messages.js)
  var el = window.kotae.el, clear = window.kotae.clear, fmt = window.kotae.fmt;

  var current = null; // the last suggestion
  var session = null; // the login panel (session.js)

  function $(id) { return document.getElementById(id); }

  function call(path, body) {
    return window.kotaeSession.request("POST", path, body)
      .then(function (res) { return res.json(); });
  }

  /** A polite message for a failed call; a 401 means the login is gone, so ask again. */
  function explain(err, what) {
    if (err.status === 401) {
      session.refresh();
      return W.err401;
    }
    if (err.status === 403) return W.err403;
    if (err.status === 0) return W.errNetwork;
    return fmt(W.errWith, { what: what, message: err.message });
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
    list.appendChild(chip(W.category, fmt(W.percent, {
      value: t.category, percent: Math.round(t.category_confidence * 100) })));
    list.appendChild(chip(W.priority, fmt(W.percent, {
      value: W.priorities[t.priority] || t.priority,
      percent: Math.round(t.priority_confidence * 100) }), t.priority));
    list.appendChild(chip(W.sentiment, W.sentiments[t.sentiment.label] || t.sentiment.label,
      t.sentiment.label));
    var banner = $("escalation");
    if (t.escalate) {
      $("escalation-reason").textContent = fmt(W.reasonCode, {
        label: W.reasons[t.escalate.reason] || t.escalate.reason, code: t.escalate.reason });
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
    if (!citations.length) list.appendChild(el("li", { "class": "empty-note", text: W.noCitations }));
    citations.forEach(function (c) {
      var title = c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener", text: c.title })
        : el("span", { text: c.title });
      var keep = el("input", { type: "checkbox", "class": "keep", value: c.label, checked: "checked" });
      list.appendChild(el("li", { "class": "citation", "data-label": c.label, "data-doc": c.doc_id }, [
        el("p", { "class": "citation-title" }, [el("span", { "class": "cite-label", text: c.label }),
          el("span", { "class": "badge badge-" + c.kind, text: W.kinds[c.kind] || c.kind }),
          document.createTextNode(" "), title]),
        el("p", { "class": "citation-snippet" }, [highlighted(c.snippet, c.highlights)]),
        el("label", { "class": "citation-keep" }, [keep, document.createTextNode(W.keepCitation)])
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
    if (!tickets.length) list.appendChild(el("li", { "class": "empty-note", text: W.noSimilar }));
    tickets.forEach(function (t) {
      list.appendChild(el("li", { "class": "similar-item" }, [el("details", { "class": "similar-ticket" }, [
        el("summary", {}, [document.createTextNode(t.ticket_id + " " + t.subject),
          el("span", { "class": "similar-meta", text: fmt(W.similarMeta, {
            score: t.score.toFixed(2), category: t.category }) })]),
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
      item.appendChild(document.createTextNode(s.text + (s.supported ? "" : W.unsupported)));
      list.appendChild(item);
    });
  }

  function render(data) {
    current = data;
    renderTriage(data.triage);
    $("draft").value = data.draft;
    var mode = $("mode");
    mode.textContent = W.modes[data.draft_detail.mode] || data.draft_detail.mode;
    mode.setAttribute("data-mode", data.draft_detail.mode);
    renderCitations(data.citations);
    renderTrace(data.draft_detail.sentences);
    renderLinks("faq", data.faq_suggestions, "faq-heading");
    renderLinks("candidates", data.answered ? [] : data.candidates, "candidates-heading");
    renderSimilar(data.similar_tickets);
    $("outcome-status").textContent = "";
    $("status").textContent = fmt(W.drafted, { percent: Math.round(data.confidence * 100) });
    $("result").hidden = false;
  }

  function submitTicket(event) {
    event.preventDefault();
    showError("");
    var body = {
      subject: $("subject").value.trim(), body: $("body").value.trim(),
      language: $("language").value, customer_tier: $("tier").value
    };
    if (!body.subject && !body.body) { showError(W.needTicket); return; }
    $("ticket-form").classList.add("is-busy");
    $("status").textContent = W.drafting;
    call("v1/suggest", body).then(render).catch(function (err) {
      $("status").textContent = "";
      showError(explain(err, W.draftFailed));
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
        status.textContent = fmt(W.recorded, { outcome: W.outcomes[outcome],
                                                chars: data.edit_distance });
      })
      .catch(function (err) { status.textContent = explain(err, W.recordFailed); });
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
