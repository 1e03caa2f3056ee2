// Progress and a character counter for the check-in form. The form works without this file.
(function () {
  "use strict";
  var form = document.querySelector("form.checkin-form");
  if (!form) return;
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));
  var bar = document.getElementById("checkin-progress");
  var text = document.getElementById("checkin-progress-text");
  var template = text ? text.getAttribute("data-template") : "";

  function updateProgress() {
    var done = groups.filter(function (g) { return g.querySelector("input:checked"); }).length;
    if (bar) { bar.value = done; }
    if (text) { text.textContent = template.replace("{done}", done).replace("{total}", groups.length); }
  }

  var comment = form.querySelector("textarea[name=comment]");
  var counter = document.getElementById("comment-count");
  function updateCounter() {
    if (!comment || !counter) return;
    var max = parseInt(comment.getAttribute("maxlength"), 10);
    counter.textContent = comment.value.length + " / " + max;
    counter.classList.toggle("text-danger", comment.value.length > max * 0.9);
  }

  form.addEventListener("change", updateProgress);
  if (comment) comment.addEventListener("input", updateCounter);
  var wrap = document.getElementById("checkin-progress-wrap");
  if (wrap) wrap.hidden = false;
  if (counter) counter.hidden = false;
  updateProgress();
  updateCounter();

  // A second click while the first submission travels would only meet "already recorded";
  // disabling the button spares the person that detour.
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
  });
})();
