// Keep a private conversation link in this browser only, on request, and show on the home page
// whether it was answered: asked from /t/<secret>/status/ without cookies, so the server never
// receives the secret together with the signed-in session (ADR 0037).
(function () {
  "use strict";
  var KEY = "relhealth.conversations";
  var SEEN = "relhealth.conversations.seen"; // path -> replies read on the conversation page
  function read(key, empty) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || empty) || JSON.parse(empty);
    } catch (e) {
      return JSON.parse(empty);
    }
  }
  function kept() {
    return read(KEY, "[]");
  }
  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // storage refused
    }
  }
  var button = document.getElementById("conversation-keep");
  if (button) {
    button.addEventListener("click", function () {
      var path = button.getAttribute("data-path");
      var list = kept();
      if (list.indexOf(path) === -1) list.push(path);
      if (write(KEY, list)) {
        document.getElementById("conversation-kept").textContent = button.getAttribute("data-kept");
        button.disabled = true;
      } // else the link stays on the page to copy
    });
  }
  var forget = document.getElementById("conversation-forget");
  if (forget) {
    forget.addEventListener("submit", function () {
      var path = forget.getAttribute("data-path");
      write(KEY, kept().filter(function (p) { return p !== path; }));
      var seen = read(SEEN, "{}");
      delete seen[path];
      write(SEEN, seen);
    });
  }
  // On a kept conversation's page: remember how many replies were read here (never for a link
  // the author did not choose to keep: that would keep it after all).
  var here = document.getElementById("conversation-seen");
  if (here && kept().indexOf(here.getAttribute("data-path")) !== -1) {
    var readHere = read(SEEN, "{}");
    readHere[here.getAttribute("data-path")] = parseInt(here.getAttribute("data-replies"), 10) || 0;
    write(SEEN, readHere);
  }
  function state(path, status) {
    var seen = read(SEEN, "{}")[path] || 0;
    if (status === null) return ["gone", "text-bg-secondary"];
    if (status.replies > seen) return ["new", "text-bg-success"];
    if (status.replies > 0) return ["answered", "text-bg-primary"];
    if (status.heard) return ["heard", "text-bg-primary"];
    if (status.closed) return ["closed", "text-bg-secondary"];
    return null;
  }
  function show(list, badge, path) {
    // No cookie, no referrer: the request names the conversation and nobody (ADR 0037).
    window
      .fetch(path + "status/", {
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (response.status === 404) return null;
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (status) {
        var found = state(path, status);
        if (!found) return;
        badge.setAttribute("data-state", found[0]);
        badge.textContent = list.getAttribute("data-" + found[0]);
        badge.className = "badge ms-2 " + found[1];
        badge.hidden = false;
      })
      .catch(function () {
        /* offline or limited: the link alone is shown */
      });
  }
  var home = document.getElementById("conversation-kept-links");
  if (home) {
    var list = home.querySelector("ul");
    kept().forEach(function (path, i) {
      if (!/^\/t\/[A-Za-z0-9_-]+\/$/.test(path)) return;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = path;
      link.textContent = list.getAttribute("data-label") + " " + (i + 1);
      item.appendChild(link);
      var badge = document.createElement("span");
      badge.className = "conversation-state";
      badge.hidden = true;
      item.appendChild(badge);
      list.appendChild(item);
      if (window.fetch) show(list, badge, path);
    });
    if (list.children.length) home.hidden = false;
  }
})();
