// The survey audience: a filter box over the team checkboxes and a count of the chosen ones.
// Progressive: without JavaScript the checkboxes work as they are.
(function () {
  "use strict";
  function setUp(container) {
    var boxes = Array.prototype.slice.call(container.querySelectorAll("input[type=checkbox]"));
    if (!boxes.length) { return; }
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "form-control form-control-sm mb-2";
    filter.placeholder = container.getAttribute("data-filter-label");
    filter.setAttribute("aria-label", container.getAttribute("data-filter-label"));
    var count = document.createElement("p");
    count.className = "small text-body-secondary mb-1";
    count.setAttribute("aria-live", "polite");
    function update() {
      var chosen = boxes.filter(function (b) { return b.checked; }).length;
      var label = chosen === 1 ? "data-one-label" : chosen ? "data-count-label" : "data-none-label";
      count.textContent = container.getAttribute(label).replace("{n}", chosen);
    }
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      boxes.forEach(function (b) {
        var row = b.closest(".form-check") || b.parentNode;
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    var list = container.querySelector("#id_audience") || boxes[0].parentNode;
    list.parentNode.insertBefore(filter, list);
    list.parentNode.insertBefore(count, list);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-team-picker]").forEach(setUp);
  });
})();
