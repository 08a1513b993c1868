// The pipeline board: dragging a deal onto another stage submits that deal's own
// "Move to" form (the same Action as the keyboard way). No inline script: the CSP forbids it.
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("li.deal");
    if (!card) { return; }
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });
  document.addEventListener("dragover", function (e) {
    var column = e.target.closest && e.target.closest(".column");
    if (column && dragged) { e.preventDefault(); column.classList.add("over"); }
  });
  document.addEventListener("dragleave", function (e) {
    var column = e.target.closest && e.target.closest(".column");
    if (column) { column.classList.remove("over"); }
  });
  document.addEventListener("drop", function (e) {
    var column = e.target.closest && e.target.closest(".column");
    if (!column || !dragged) { return; }
    e.preventDefault();
    column.classList.remove("over");
    var form = dragged.querySelector("form.move");
    var select = form && form.querySelector("select[name=stage]");
    var stage = column.getAttribute("data-stage");
    dragged = null;
    if (!select || select.value === stage) { return; }
    select.value = stage;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
