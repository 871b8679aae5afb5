/* kotae pages: what every page script shares.
 *
 * window.kotae:
 *   el(tag, attrs, children)  a new element; attrs.text becomes its text (never HTML), other
 *                             attrs are set as attributes (null / undefined ones skipped)
 *   clear(node)               remove every child
 *   fmt(text, vars)           "{name}" placeholders filled from vars (others left as they are)
 *   words(page, lang)         the page's words in lang (Japanese when lang has none), from
 *                             window.KOTAE_MESSAGES: /ui/messages.js, which the server makes
 *                             from the same source it renders the help center with
 */
(function () {
  "use strict";

  var MESSAGES = window.KOTAE_MESSAGES || {};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var value = attrs[k];
      if (value === null || value === undefined) return;
      if (k === "text") node.textContent = value;
      else node.setAttribute(k, value);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function fmt(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
    });
  }

  function words(page, lang) {
    var forPage = MESSAGES[page] || {};
    return forPage[lang] || forPage.ja || {};
  }

  window.kotae = { el: el, clear: clear, fmt: fmt, words: words };
})();
