/* kotae search page: instant search over GET v1/search.
 *
 * No framework, no build step. All text from the API is put into the page as text nodes
 * (never innerHTML), and matched words are wrapped in <mark> from the `highlights`
 * code-point offsets. Agents log in with a key (session.js, v1/session); searches carry the
 * session cookie, never the key.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var RESULT_COUNT = 10;
  var UI_LANG_STORAGE = "kotae.uiLang";
  var KINDS = ["faq", "manual", "ticket"];
  var LANGS = ["ja", "en"];

  // The page's words and the login panel's, in both languages (/ui/messages.js).
  var MESSAGES = {};
  LANGS.forEach(function (lang) {
    MESSAGES[lang] = {};
    [window.kotae.words("search", lang), window.kotae.words("session", lang)].forEach(function (w) {
      Object.keys(w).forEach(function (k) { MESSAGES[lang][k] = w[k]; });
    });
  });


  // ---------------------------------------------------------------- state

  var els = {};
  var state = {
    uiLang: "ja",
    role: null,          // from v1/session: public, agent, editor or admin (null: not known yet)
    loginFailed: false,  // the last login was refused (shown until the next login or logout)
    session: null,       // the login panel (session.js)
    timer: 0,
    controller: null,
    seq: 0,              // id of the newest request sent
    lastKey: null,       // params of the newest request sent (or shown)
    lastResponse: null,  // last successful response, re-rendered on a UI language switch
    lastError: null
  };

  function t(name, vars) {
    var table = MESSAGES[state.uiLang] || MESSAGES.ja;
    var text = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : MESSAGES.ja[name];
    return text == null ? name : window.kotae.fmt(text, vars);
  }

  function storageGet(name) {
    try { return window.localStorage.getItem(name) || ""; } catch (e) { return ""; }
  }

  function storageSet(name, value) {
    try {
      if (value) window.localStorage.setItem(name, value);
      else window.localStorage.removeItem(name);
    } catch (e) { /* storage disabled: keep the value for this page only */ }
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, className, text) {  // this page builds its nodes by class name
    return window.kotae.el(tag, { "class": className, text: text });
  }

  var clear = window.kotae.clear;

  /** Only http(s) and same-site relative links; anything else (javascript:, data:) is dropped. */
  function safeUrl(raw) {
    if (typeof raw !== "string" || !raw.trim()) return null;
    try {
      var u = new URL(raw.trim(), window.location.href);
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  /**
   * Append `text` to `parent`, wrapping the [start, end) code-point ranges in <mark>.
   * Offsets come from Python (code points), so the text is indexed with Array.from, which
   * splits by code point too (a surrogate pair is one element).
   */
  function appendHighlighted(parent, text, ranges) {
    text = text == null ? "" : String(text);
    var chars = Array.from(text);
    var n = chars.length;
    var spans = [];
    if (Array.isArray(ranges)) {
      ranges.forEach(function (r) {
        if (!Array.isArray(r) || r.length < 2) return;
        var s = Math.max(0, Math.min(n, Math.floor(Number(r[0]))));
        var e = Math.max(0, Math.min(n, Math.floor(Number(r[1]))));
        if (isFinite(s) && isFinite(e) && e > s) spans.push([s, e]);
      });
    }
    spans.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    spans.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    var pos = 0;
    merged.forEach(function (r) {
      if (r[0] > pos) parent.appendChild(document.createTextNode(chars.slice(pos, r[0]).join("")));
      parent.appendChild(el("mark", null, chars.slice(r[0], r[1]).join("")));
      pos = r[1];
    });
    if (pos < n) parent.appendChild(document.createTextNode(chars.slice(pos).join("")));
  }

  // ---------------------------------------------------------------- i18n of the static page

  function applyUiLang() {
    document.documentElement.lang = state.uiLang;
    document.title = t("pageTitle");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    els.toggle.textContent = t("toggleLabel");
    els.toggle.setAttribute("lang", t("toggleLang"));
    els.toggle.setAttribute("aria-label", t("toggleAria"));
    updateRole();
    if (state.lastResponse) renderResults(state.lastResponse);
    else if (state.lastError) renderError(state.lastError);
  }

  // ---------------------------------------------------------------- role (from v1/session)

  function isAgent() {
    return !!state.role && !!window.kotaeSession && window.kotaeSession.allows(state.role, "agent");
  }

  function updateRole() {
    var agent = isAgent();
    var shown = agent ? "agent" : (state.loginFailed ? "invalid" : "public");
    els.roleStatus.setAttribute("data-role", shown);
    els.roleText.textContent = t(shown === "agent" ? "roleAgent"
      : shown === "invalid" ? "roleInvalid" : "rolePublic");
    // Past tickets are for agents only (the API answers 403 to a public caller). Until the
    // server has said who is logged in, a ticket filter from a shared address is kept.
    var ticket = els.kind.querySelector('option[value="ticket"]');
    if (ticket && state.role) {
      ticket.disabled = !agent;
      ticket.textContent = t(agent ? "kindTicket" : "kindTicketLocked");
      if (!agent && els.kind.value === "ticket") els.kind.value = "";
    } else if (ticket) {
      ticket.textContent = t("kindTicket");
    }
    if (state.session) state.session.render();
  }

  function onSession(info) {
    var changed = info.role !== state.role;
    state.role = info.role;
    state.loginFailed = false;
    updateRole();
    if (changed && els.q.value.trim()) runSearch(false); // another role sees other articles
  }

  // ---------------------------------------------------------------- searching

  function currentParams() {
    return {
      q: els.q.value.trim(),
      kind: KINDS.indexOf(els.kind.value) >= 0 ? els.kind.value : "",
      lang: LANGS.indexOf(els.lang.value) >= 0 ? els.lang.value : ""
    };
  }

  function paramsKey(p) {
    return [p.q, p.kind, p.lang, state.role || ""].join("\u0000");
  }

  /** Keep the address shareable: /?q=...&kind=...&lang=... (nothing about the login). */
  function updateUrl(p) {
    if (!window.history || !window.history.replaceState) return;
    var search = new URLSearchParams();
    if (p.q) search.set("q", p.q);
    if (p.kind) search.set("kind", p.kind);
    if (p.lang) search.set("lang", p.lang);
    var qs = search.toString();
    var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
    try { window.history.replaceState(null, "", url); } catch (e) { /* file:// etc. */ }
  }

  function scheduleSearch() {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () { runSearch(false); }, DEBOUNCE_MS);
  }

  function abortInFlight() {
    if (state.controller) {
      state.controller.abort();
      state.controller = null;
    }
  }

  function runSearch(force) {
    window.clearTimeout(state.timer);
    var p = currentParams();
    updateUrl(p);
    var key = paramsKey(p);
    if (!force && key === state.lastKey) return;
    state.lastKey = key;

    abortInFlight();
    var seq = ++state.seq;

    if (!p.q) {
      setBusy(false);
      showIdle();
      return;
    }

    var search = new URLSearchParams({ q: p.q, k: String(RESULT_COUNT) });
    if (p.kind) search.set("kind", p.kind);
    if (p.lang) search.set("lang", p.lang);
    var headers = { Accept: "application/json" };
    var send = window.kotaeSession ? window.kotaeSession.fetch : window.fetch.bind(window);

    var controller = typeof AbortController === "function" ? new AbortController() : null;
    state.controller = controller;
    setBusy(true);

    var endpoint = els.form.getAttribute("data-endpoint") || "v1/search";
    send(endpoint + "?" + search.toString(), {
      method: "GET",
      headers: headers,
      signal: controller ? controller.signal : undefined,
      credentials: "same-origin"
    }).then(function (resp) {
      return resp.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        return { status: resp.status, ok: resp.ok, data: data };
      });
    }).then(function (res) {
      if (seq !== state.seq) return; // a newer search has started: drop this answer
      state.controller = null;
      setBusy(false);
      if (res.ok && res.data && Array.isArray(res.data.hits)) {
        state.lastError = null;
        state.lastResponse = res.data;
        renderResults(res.data);
      } else {
        if ((res.status === 401 || res.status === 403) && state.session) {
          state.session.refresh(); // the login may have ended: show it, offer to log in again
        }
        // Let the same query be retried (Enter, or after logging in).
        state.lastKey = null;
        state.lastResponse = null;
        state.lastError = { status: res.ok ? 0 : res.status, detail: res.data && res.data.detail };
        renderError(state.lastError);
      }
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (seq !== state.seq) return;
      state.controller = null;
      state.lastKey = null;
      setBusy(false);
      state.lastResponse = null;
      state.lastError = { status: -1, detail: null };
      renderError(state.lastError);
    });
  }

  function setBusy(busy) {
    els.results.setAttribute("aria-busy", busy ? "true" : "false");
    els.form.classList.toggle("is-busy", busy);
    document.body.classList.toggle("is-searching", busy);
  }

  // ---------------------------------------------------------------- rendering

  function showIdle() {
    state.lastResponse = null;
    state.lastError = null;
    clear(els.results);
    clear(els.status);
    hideError();
    els.snapshot.textContent = "";
  }

  function hideError() {
    clear(els.error);
    els.error.hidden = true;
  }

  function confidenceLevel(c) {
    if (typeof c !== "number" || !isFinite(c)) return null;
    if (c >= 0.7) return "high";
    if (c >= 0.4) return "mid";
    return "low";
  }

  function kindLabel(kind) {
    if (kind === "faq") return t("badgeFaq");
    if (kind === "manual") return t("badgeManual");
    if (kind === "ticket") return t("badgeTicket");
    return kind ? String(kind) : "";
  }

  function formatScore(x) {
    return typeof x === "number" && isFinite(x) ? x.toFixed(2) : "—";
  }

  function renderStatus(data, hits) {
    clear(els.status);
    if (!hits.length) {
      var box = el("div", "empty");
      box.appendChild(el("p", "empty-title", t("empty")));
      var p = currentParams();
      if (p.kind || p.lang) box.appendChild(el("p", "empty-hint", t("emptyFiltered")));
      els.status.appendChild(box);
      return;
    }
    var line = el("p", "status-line");
    line.appendChild(el("span", "result-count", t(hits.length === 1 && state.uiLang === "en" ? "countOne" : "count", { n: hits.length })));
    var level = confidenceLevel(data.confidence);
    if (level) {
      line.appendChild(document.createTextNode(" "));
      var conf = el("span", "confidence confidence-" + level);
      conf.setAttribute("data-confidence", level);
      conf.setAttribute("title", formatScore(data.confidence));
      conf.textContent = t("confidence", {
        c: t(level === "high" ? "confHigh" : level === "mid" ? "confMid" : "confLow")
      });
      line.appendChild(conf);
      if (level === "low") line.appendChild(el("span", "confidence-hint", t("confHintLow")));
    }
    els.status.appendChild(line);
  }

  function renderHit(hit, index) {
    var li = el("li", "result");
    li.setAttribute("data-kind", hit.kind || "");
    li.setAttribute("data-visibility", hit.visibility || "");
    if (hit.doc_id != null) li.setAttribute("data-doc-id", String(hit.doc_id));
    if (hit.chunk_id != null) li.setAttribute("data-chunk-id", String(hit.chunk_id));
    var titleId = "result-title-" + index;

    var meta = el("div", "result-badges");
    if (hit.kind) {
      var kindBadge = el("span", "badge badge-kind badge-" + String(hit.kind).replace(/[^a-z0-9_-]/gi, ""),
        kindLabel(hit.kind));
      meta.appendChild(kindBadge);
    }
    if (hit.visibility === "internal") {
      meta.appendChild(el("span", "badge badge-internal", t("badgeInternal")));
    }
    if (hit.language && hit.language !== state.uiLang) {
      var langName = hit.language === "ja" ? t("langNameJa")
        : hit.language === "en" ? t("langNameEn") : String(hit.language);
      var langBadge = el("span", "badge badge-lang", langName);
      langBadge.setAttribute("lang", String(hit.language));
      meta.appendChild(langBadge);
    }
    li.appendChild(meta);

    var h = el("h3", "result-title");
    h.id = titleId;
    var title = hit.title ? String(hit.title) : t("untitled");
    var href = safeUrl(hit.url);
    var link;
    if (href) {
      link = el("a", "result-link", title);
      link.href = href;
    } else {
      // No address: still reachable with Tab and the arrow keys.
      link = el("span", "result-link result-link-static", title);
      link.tabIndex = 0;
    }
    if (hit.language) link.setAttribute("lang", String(hit.language));
    h.appendChild(link);
    li.appendChild(h);

    if (hit.heading) {
      var parts = String(hit.heading).split(/\s*>\s*/).filter(Boolean);
      // A heading that only repeats the title adds nothing.
      if (parts.length && !(parts.length === 1 && parts[0] === String(hit.title || "").trim())) {
        var path = el("p", "result-heading", parts.join(" › "));
        li.appendChild(path);
      }
    }

    if (hit.snippet) {
      var snippet = el("p", "result-snippet");
      if (hit.language) snippet.setAttribute("lang", String(hit.language));
      appendHighlighted(snippet, hit.snippet, hit.highlights);
      li.appendChild(snippet);
    }

    var foot = el("p", "result-meta");
    var score = el("span", "result-score", t("score", { s: formatScore(hit.score) }));
    var arms = hit.scores || {};
    score.setAttribute("title", t("scoreDetail", {
      b: arms.bm25 == null ? "—" : formatScore(arms.bm25),
      d: arms.dense == null ? "—" : formatScore(arms.dense)
    }));
    foot.appendChild(score);
    if (hit.product) foot.appendChild(el("span", "result-product", t("product", { p: hit.product })));
    li.appendChild(foot);
    return li;
  }

  function renderResults(data) {
    hideError();
    var hits = Array.isArray(data.hits) ? data.hits : [];
    renderStatus(data, hits);
    clear(els.results);
    var frag = document.createDocumentFragment();
    hits.forEach(function (hit, i) {
      if (hit && typeof hit === "object") frag.appendChild(renderHit(hit, i));
    });
    els.results.appendChild(frag);
    els.snapshot.textContent = data.snapshot ? t("snapshot", { s: data.snapshot }) : "";
  }

  function renderError(err) {
    clear(els.results);
    clear(els.status);
    clear(els.error);
    var msg;
    if (err.status === 401) msg = t("err401");
    else if (err.status === 403) msg = t("err403");
    else if (err.status === 422) msg = t("err422");
    else if (err.status === 503) msg = t("err503");
    else if (err.status === -1) msg = t("errNetwork");
    else msg = t("errOther", { code: err.status || "?" });
    els.error.setAttribute("data-status", String(err.status));
    els.error.appendChild(el("p", "error-message", msg));

    var detail = err.detail;
    if (Array.isArray(detail)) {
      detail = detail.map(function (d) { return d && d.msg ? d.msg : ""; }).filter(Boolean).join(" / ");
    }
    if (typeof detail === "string" && detail && err.status !== 401) {
      els.error.appendChild(el("p", "error-detail", t("errDetail", { d: detail })));
    }
    els.error.hidden = false;
  }

  // ---------------------------------------------------------------- keyboard

  function resultLinks() {
    return Array.prototype.slice.call(els.results.querySelectorAll(".result-link"));
  }

  function onInputKeydown(ev) {
    if (ev.isComposing || ev.keyCode === 229) return; // IME conversion in progress
    if (ev.key === "ArrowDown") {
      var links = resultLinks();
      if (links.length) {
        ev.preventDefault();
        links[0].focus();
      }
    } else if (ev.key === "Escape" && els.q.value) {
      ev.preventDefault();
      els.q.value = "";
      runSearch(false);
    }
  }

  function onResultsKeydown(ev) {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp" && ev.key !== "Escape") return;
    var links = resultLinks();
    var i = links.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    if (ev.key === "Escape") { els.q.focus(); return; }
    if (ev.key === "ArrowDown") {
      if (i + 1 < links.length) links[i + 1].focus();
    } else if (i === 0) {
      els.q.focus();
    } else {
      links[i - 1].focus();
    }
  }

  // ---------------------------------------------------------------- start

  function init() {
    els.form = document.getElementById("search-form");
    els.q = document.getElementById("q");
    els.kind = document.getElementById("kind");
    els.lang = document.getElementById("lang");
    els.results = document.getElementById("results");
    els.status = document.getElementById("status");
    els.error = document.getElementById("error");
    els.snapshot = document.getElementById("snapshot");
    els.keyPanel = document.getElementById("key-panel");
    els.roleStatus = document.getElementById("role-status");
    els.roleText = document.getElementById("role-text");
    els.toggle = document.getElementById("ui-lang-toggle");
    if (!els.form || !els.q || !els.results || typeof window.fetch !== "function") return;

    Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (node) {
      node.hidden = false;
    });
    if (!window.kotaeSession) els.keyPanel.hidden = true; // session.js missing: public only
    document.documentElement.classList.add("js");

    state.uiLang = storageGet(UI_LANG_STORAGE) === "en" ? "en" : "ja";

    // Restore a shared search: /?q=...&kind=...&lang=...
    var params = new URLSearchParams(window.location.search);
    var q = params.get("q") || "";
    var kind = params.get("kind") || "";
    var lang = params.get("lang") || "";
    if (q) els.q.value = q;
    if (KINDS.indexOf(kind) >= 0) els.kind.value = kind;
    if (LANGS.indexOf(lang) >= 0) els.lang.value = lang;

    applyUiLang();

    els.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      runSearch(true);
    });
    els.q.addEventListener("input", function (ev) {
      if (ev.isComposing) return; // wait for the IME to commit (compositionend)
      scheduleSearch();
    });
    els.q.addEventListener("compositionend", scheduleSearch);
    els.q.addEventListener("search", function () { // the clear (×) button of type=search
      if (!els.q.value) runSearch(false);
    });
    els.q.addEventListener("keydown", onInputKeydown);
    els.kind.addEventListener("change", function () { runSearch(false); });
    els.lang.addEventListener("change", function () { runSearch(false); });
    els.results.addEventListener("keydown", onResultsKeydown);

    els.toggle.addEventListener("click", function () {
      state.uiLang = state.uiLang === "ja" ? "en" : "ja";
      storageSet(UI_LANG_STORAGE, state.uiLang === "en" ? "en" : "");
      applyUiLang();
    });

    if (!window.kotaeSession) {
      if (els.q.value.trim()) runSearch(true);
      return;
    }
    // A public page: the login form stays folded for customers (openWhenPublic: false).
    state.session = window.kotaeSession.panel({
      text: t,
      openWhenPublic: false,
      onChange: onSession,
      onLoginFailed: function (err) {
        state.loginFailed = err.status === 401;
        updateRole();
      }
    });
    // The first search waits for the login state, so a shared ticket filter survives it.
    state.session.refresh();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
