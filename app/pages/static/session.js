/* kotae pages' login: the API key is sent once to v1/session, which checks it and sets an
 * HttpOnly session cookie (12 hours). The key itself is never kept in the browser.
 *
 * No framework, no build step. window.kotaeSession:
 *   status(), login(key), logout()  Promise of {role, name, via}
 *   request(method, path, body)     Promise of the Response; rejects with err.status unless ok
 *                                   (0 when the server cannot be reached)
 *   fetch(path, init)               window.fetch with the session cookie and X-Requested-With
 *   allows(role, needed)            public < agent < editor < admin
 *   panel(options)                  wires the page's login form (#key-panel, #key-form,
 *                                   #api-key, #key-login, #key-error, #session-who,
 *                                   #who-text, #key-logout); options: onChange(info),
 *                                   onLoginFailed(err), text(name, vars),
 *                                   openWhenPublic (default true)
 * Paths are relative ("v1/…"): the pages are also served under /kb/NAME/.
 */
(function () {
  "use strict";

  var ROLES = ["public", "agent", "editor", "admin"];
  var PUBLIC = { role: "public", name: "", via: "anonymous" };
  var TEXTS = window.kotae.words("session", "ja"); // the default words (/ui/messages.js)

  // Before logging in existed the pages kept the key here: never leave it behind.
  try { window.localStorage.removeItem("kotae.apiKey"); } catch (e) { /* storage disabled */ }

  function defaultText(name, vars) {
    var text = Object.prototype.hasOwnProperty.call(TEXTS, name) ? TEXTS[name] : name;
    return text.replace(/\{(\w+)\}/g, function (m, k) {
      return vars && Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
    });
  }

  function sessionFetch(path, init) {
    var options = {};
    var headers = {};
    Object.keys(init || {}).forEach(function (k) { options[k] = init[k]; });
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    // A cookie-authenticated write must send it (the server answers 403 otherwise).
    headers["X-Requested-With"] = "kotae";
    options.headers = headers;
    options.credentials = "same-origin";
    return window.fetch(path, options);
  }

  function request(method, path, body) {
    var headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return sessionFetch(path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) return res;
      return res.json().catch(function () { return {}; }).then(function (data) {
        var err = new Error(typeof data.detail === "string" ? data.detail : "HTTP " + res.status);
        err.status = res.status;
        throw err;
      });
    }, function (cause) {
      var err = new Error(cause && cause.message ? cause.message : "network error");
      err.status = 0;
      throw err;
    });
  }

  function info(data) {
    data = data || {};
    return {
      role: ROLES.indexOf(data.role) >= 0 ? data.role : "public",
      name: typeof data.name === "string" ? data.name : "",
      via: typeof data.via === "string" ? data.via : "anonymous"
    };
  }

  function call(method, body) {
    return request(method, "v1/session", body)
      .then(function (res) { return res.json(); })
      .then(info);
  }

  function allows(role, needed) {
    return ROLES.indexOf(role) >= ROLES.indexOf(needed) && ROLES.indexOf(needed) >= 0;
  }

  function panel(options) {
    options = options || {};
    var text = options.text || defaultText;
    var onChange = options.onChange || function () {};
    var onLoginFailed = options.onLoginFailed || function () {};
    var openWhenPublic = options.openWhenPublic !== false;
    function $(id) { return document.getElementById(id); }
    var els = {
      panel: $("key-panel"), form: $("key-form"), input: $("api-key"), button: $("key-login"),
      error: $("key-error"), who: $("session-who"), whoText: $("who-text"), logout: $("key-logout")
    };
    var current = null; // unknown until the server has answered
    // Bumped by every login and logout: the answer to a "who is logged in?" asked before one
    // of them is stale (on a slow network the page load's question can be answered after a
    // refused login, and would wipe out that refusal).
    var epoch = 0;
    var message = null; // {name, vars} of the last login problem, shown until the next try

    function render() {
      var signedIn = !!current && current.role !== "public";
      els.who.hidden = !signedIn;
      els.whoText.textContent = signedIn
        ? text("sessionWho", { name: current.name || current.role, role: current.role }) : "";
      els.error.textContent = message ? text(message.name, message.vars) : "";
      els.error.hidden = !message;
    }

    function set(next) {
      current = next;
      els.panel.open = next.role === "public" && (openWhenPublic || els.panel.open);
      render();
      onChange(next);
      return next;
    }

    function loginFailed(err) {
      message = err.status === 401 ? { name: "loginErr401" }
        : err.status === 429 ? { name: "loginErr429" }
        : err.status === 0 ? { name: "loginErrNetwork" }
        : err.status === 422 ? { name: "loginEmpty" }
        : { name: "loginErrOther", vars: { code: err.status } };
      render();
      els.input.focus();
      onLoginFailed(err);
    }

    els.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var key = els.input.value.trim();
      els.input.value = ""; // the key stays nowhere in the page
      if (!key) { message = { name: "loginEmpty" }; render(); els.input.focus(); return; }
      epoch += 1;
      message = null;
      els.button.disabled = true;
      render();
      call("POST", { key: key }).then(function (next) {
        message = null;
        set(next);
      }, loginFailed).then(function () { els.button.disabled = false; });
    });

    els.logout.addEventListener("click", function () {
      epoch += 1;
      els.logout.disabled = true;
      call("DELETE").then(function () {
        message = null;
        set(PUBLIC);
      }, function () {
        message = { name: "logoutFailed" };
        render();
      }).then(function () { els.logout.disabled = false; });
    });

    return {
      /** Ask the server who is logged in (on load, or after a 401 from another call). */
      refresh: function () {
        var asked = epoch;
        return call("GET").then(function (next) {
          return asked === epoch ? set(next) : current;
        }, function () { return asked === epoch ? set(PUBLIC) : current; });
      },
      /** The last known state, or null before the server has answered. */
      info: function () { return current; },
      /** Redraw the texts (after the page switched its language). */
      render: render
    };
  }

  window.kotaeSession = {
    status: function () { return call("GET"); },
    login: function (key) { return call("POST", { key: key }); },
    logout: function () { return call("DELETE"); },
    request: request,
    fetch: sessionFetch,
    allows: allows,
    panel: panel
  };
})();
