/*
 * Parts of a page that fold behind a button on a phone: the header's menu, the search filters.
 *
 * Markup: a button with [data-collapse], aria-controls naming the part and aria-expanded="false", and the
 * `hidden` attribute (so that without this script there is no dead button); the part has the class
 * .collapsible. portal.css folds a .collapsible on narrow screens only while <html> has the class
 * "js-collapsible", which this script sets at once (it is loaded in <head>, without defer, so a phone never
 * shows the part unfolded first); on wider screens the part is always shown and the button is not.
 * Escape closes an open part from inside it and gives the focus back to its button.
 */
(function () {
    "use strict";
    document.documentElement.classList.add("js-collapsible");

    function setOpen(button, part, open) {
        button.setAttribute("aria-expanded", open ? "true" : "false");
        part.classList.toggle("collapsible--open", open);
    }

    function bind(button) {
        var part = document.getElementById(button.getAttribute("aria-controls"));
        if (!part) {
            return;
        }
        button.hidden = false;
        setOpen(button, part, false);
        button.addEventListener("click", function () {
            setOpen(button, part, button.getAttribute("aria-expanded") !== "true");
        });
        part.addEventListener("keydown", function (event) {
            if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" && button.offsetParent) {
                setOpen(button, part, false);
                button.focus();
            }
        });
    }

    function start() {
        Array.prototype.forEach.call(document.querySelectorAll("[data-collapse]"), bind);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
