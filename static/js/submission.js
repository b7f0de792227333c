// The write-up form: after a refused save, move the keyboard and screen-reader focus to the list of problems.
(function () {
    "use strict";
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
        summary.focus();
    }
})();
