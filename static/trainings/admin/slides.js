/* The slides screen of a training: warn before leaving with times typed but not saved (a link to another
   screen of pages, another PDF's save button, the browser's back button). */
(function () {
  "use strict";
  var dirty = null;
  document.querySelectorAll("form[data-slide-times]").forEach(function (form) {
    if (form.hasAttribute("data-unsaved")) dirty = form; // refused: what was typed is only on the screen
    form.addEventListener("input", function () { dirty = form; });
    form.addEventListener("submit", function () { if (dirty === form) dirty = null; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty === null) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
