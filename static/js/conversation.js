// Keep a private conversation link in this browser only (never sent anywhere), on request.
(function () {
  "use strict";
  var KEY = "relhealth.conversations";
  function kept() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "[]");
    } catch (e) {
      return [];
    }
  }
  var button = document.getElementById("conversation-keep");
  if (button) {
    button.addEventListener("click", function () {
      var path = button.getAttribute("data-path");
      var list = kept();
      if (list.indexOf(path) === -1) list.push(path);
      try {
        window.localStorage.setItem(KEY, JSON.stringify(list));
        document.getElementById("conversation-kept").textContent = button.getAttribute("data-kept");
        button.disabled = true;
      } catch (e) {
        /* storage refused: the link stays on the page to copy */
      }
    });
  }
  var forget = document.getElementById("conversation-forget");
  if (forget) {
    forget.addEventListener("submit", function () {
      var path = forget.getAttribute("data-path");
      try {
        window.localStorage.setItem(
          KEY,
          JSON.stringify(kept().filter(function (p) { return p !== path; }))
        );
      } catch (e) {
        /* nothing kept */
      }
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
      list.appendChild(item);
    });
    if (list.children.length) home.hidden = false;
  }
})();
