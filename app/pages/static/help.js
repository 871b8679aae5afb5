/* kotae help center: results as you type, popular questions, votes in place.
 *
 * The page works without this script (the server renders results; votes are plain forms).
 * With it, the results part is fetched from /help/results (server-rendered HTML, the same
 * template, so highlighting has one implementation), popular questions come from
 * /v1/typeahead into the input's <datalist>, and votes go to /v1/feedback/vote as JSON.
 */
(function () {
  "use strict";

  // The KB's prefix when the server serves several (/kb/NAME); "" otherwise.
  var ROOT = (document.body && document.body.getAttribute("data-root")) || "";

  var SEARCH_DEBOUNCE_MS = 200;
  var TYPEAHEAD_DEBOUNCE_MS = 120;

  var els = {};
  var state = { timer: 0, aheadTimer: 0, seq: 0, controller: null, lastQuery: null,
                eventId: "", touched: false };

  function lang() { return document.body.getAttribute("data-lang") || "ja"; }

  function setBusy(busy) {
    els.form.classList.toggle("is-busy", busy);
    els.results.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function updateUrl(q) {
    if (!window.history || !window.history.replaceState) return;
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    params.set("lang", lang());
    try { window.history.replaceState(null, "", ROOT + "/help?" + params.toString()); } catch (e) { /* */ }
  }

  function currentEventId() {
    var inner = els.results.querySelector(".help-results-inner");
    return inner ? inner.getAttribute("data-event-id") || "" : "";
  }

  // ------------------------------------------------------------------ search as you type

  function runSearch(force) {
    window.clearTimeout(state.timer);
    var q = els.q.value.trim();
    if (!force && q === state.lastQuery) return;
    state.lastQuery = q;
    updateUrl(q);
    if (state.controller) state.controller.abort();
    var seq = ++state.seq;
    var params = new URLSearchParams({ q: q, lang: lang() });
    // The previous search of this typing run is dropped from the log unless it was used.
    var previous = currentEventId();
    if (previous && !state.touched) params.set("replace", previous);
    state.touched = false;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    state.controller = controller;
    setBusy(true);
    fetch(ROOT + "/help/results?" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "text/html" },
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      return resp.text();
    }).then(function (html) {
      if (seq !== state.seq) return;
      state.controller = null;
      setBusy(false);
      els.results.innerHTML = html; // the server's own template output, escaped there
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (seq !== state.seq) return;
      setBusy(false);
      state.lastQuery = null;
      els.results.innerHTML = "";
      var box = document.createElement("div");
      box.className = "error";
      box.setAttribute("role", "alert");
      box.textContent = els.results.getAttribute("data-error") || "";
      els.results.appendChild(box);
    });
  }

  function scheduleSearch() {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () { runSearch(false); }, SEARCH_DEBOUNCE_MS);
  }

  // ------------------------------------------------------------------ popular questions

  function fillTypeahead(list) {
    while (els.datalist.firstChild) els.datalist.removeChild(els.datalist.firstChild);
    list.forEach(function (text) {
      var option = document.createElement("option");
      option.value = String(text);
      els.datalist.appendChild(option);
    });
  }

  function scheduleTypeahead() {
    window.clearTimeout(state.aheadTimer);
    state.aheadTimer = window.setTimeout(function () {
      var q = els.q.value.trim();
      if (!q) { fillTypeahead([]); return; }
      fetch(ROOT + "/v1/typeahead?" + new URLSearchParams({ q: q, limit: "6" }).toString(), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (resp) { return resp.ok ? resp.json() : { suggestions: [] }; })
        .then(function (data) {
          if (els.q.value.trim() === q) fillTypeahead(data.suggestions || []);
        })
        .catch(function () { /* suggestions are optional */ });
    }, TYPEAHEAD_DEBOUNCE_MS);
  }

  // ------------------------------------------------------------------ votes

  function field(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    return input ? input.value : "";
  }

  function showVoteResult(form, helpful, eventId) {
    var fieldset = form.querySelector(".feedback-fieldset");
    var result = form.querySelector(".feedback-result");
    if (fieldset) fieldset.hidden = true;
    if (!result) return;
    result.textContent = form.getAttribute(helpful ? "data-thanks" : "data-sorry") || "";
    if (!helpful) {
      var params = new URLSearchParams({ q: field(form, "q"), e: eventId, lang: lang() });
      var link = document.createElement("a");
      link.className = "contact-link feedback-contact";
      link.href = ROOT + "/help/contact?" + params.toString();
      link.textContent = form.getAttribute("data-contact") || "";
      result.appendChild(document.createTextNode(" "));
      result.appendChild(link);
      link.focus();
    }
  }

  function onFeedbackSubmit(ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[data-feedback]")) return;
    var button = ev.submitter;
    if (!button || button.name !== "helpful") return;
    ev.preventDefault();
    state.touched = true;
    var helpful = button.value === "yes";
    var payload = { helpful: helpful, event_id: field(form, "event_id"),
                    doc_id: field(form, "doc_id") };
    fetch(ROOT + "/v1/feedback/vote", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (data) {
      showVoteResult(form, helpful, data.event_id || payload.event_id);
    }).catch(function () {
      // Fall back to the plain form post (it works without JavaScript too).
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "helpful";
      hidden.value = button.value;
      form.appendChild(hidden);
      form.submit();
    });
  }

  // ------------------------------------------------------------------ start

  function init() {
    els.form = document.getElementById("help-form");
    els.q = document.getElementById("q");
    els.results = document.getElementById("help-results");
    els.datalist = document.getElementById("popular-questions");
    document.addEventListener("submit", onFeedbackSubmit);
    document.addEventListener("click", function (ev) {
      if (ev.target.closest && ev.target.closest("#help-results a")) state.touched = true;
    });
    if (!els.form || !els.q || !els.results || typeof window.fetch !== "function") return;
    document.documentElement.classList.add("js");
    state.lastQuery = els.q.value.trim();

    els.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      runSearch(true);
      els.results.focus();
    });
    els.q.addEventListener("input", function (ev) {
      if (ev.isComposing) return; // wait for the IME to commit
      scheduleSearch();
      scheduleTypeahead();
    });
    els.q.addEventListener("compositionend", function () {
      scheduleSearch();
      scheduleTypeahead();
    });
    els.q.addEventListener("keydown", function (ev) {
      if (ev.isComposing || ev.keyCode === 229) return;
      if (ev.key === "Escape" && els.q.value) {
        ev.preventDefault();
        els.q.value = "";
        runSearch(false);
      } else if (ev.key === "ArrowDown" && !els.datalist.options.length) {
        var first = els.results.querySelector("a");
        if (first) { ev.preventDefault(); first.focus(); }
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
