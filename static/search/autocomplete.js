/*
 * Suggestions under the search box (templates/search/search_form.html), from /api/v1/search/complete/.
 *
 * The box follows the WAI-ARIA combobox pattern: the input keeps the focus, the arrows move through the
 * suggestions (aria-activedescendant), Enter chooses one and searches for it, Escape closes the list.
 * Requests wait until typing pauses and a newer request cancels an older one. Without this script the
 * form is a plain search form.
 */
(function () {
    "use strict";

    var DELAY_MS = 200;
    var MIN_LENGTH = 2;

    function enhance(form) {
        var input = form.querySelector('input[name="q"]');
        var endpoint = form.getAttribute("data-complete-url");
        if (!input || !endpoint || !window.fetch) {
            return;
        }
        var labels = form.dataset;
        var listId = input.id + "-suggestions";
        var list = document.createElement("ul");
        list.id = listId;
        list.className = "search-suggestions";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", labels.labelSuggestions || "");
        list.hidden = true;
        var status = document.createElement("p");
        status.className = "visually-hidden";
        status.setAttribute("role", "status");
        (input.parentNode || form).appendChild(list);
        form.appendChild(status);

        input.setAttribute("role", "combobox");
        input.setAttribute("aria-autocomplete", "list");
        input.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-controls", listId);
        input.setAttribute("autocomplete", "off");

        var suggestions = [];
        var active = -1;
        var timer = null;
        var controller = null;
        var asked = "";

        function options() {
            return list.querySelectorAll('[role="option"]');
        }

        function close() {
            list.hidden = true;
            input.setAttribute("aria-expanded", "false");
            input.removeAttribute("aria-activedescendant");
            active = -1;
        }

        function open() {
            if (suggestions.length) {
                list.hidden = false;
                input.setAttribute("aria-expanded", "true");
            }
        }

        function highlight(index) {
            var all = options();
            active = index;
            for (var i = 0; i < all.length; i++) {
                all[i].setAttribute("aria-selected", i === index ? "true" : "false");
            }
            if (index >= 0 && all[index]) {
                input.setAttribute("aria-activedescendant", all[index].id);
                all[index].scrollIntoView({ block: "nearest" });
            } else {
                input.removeAttribute("aria-activedescendant");
            }
        }

        function render(items) {
            suggestions = items;
            list.textContent = "";
            items.forEach(function (item, index) {
                var option = document.createElement("li");
                option.id = listId + "-" + index;
                option.setAttribute("role", "option");
                option.setAttribute("aria-selected", "false");
                option.className = "search-suggestions__option";
                option.dataset.index = String(index);
                var text = document.createElement("span");
                text.className = "search-suggestions__text";
                text.textContent = item.text;
                option.appendChild(text);
                var kind = labels["label" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)];
                if (kind) {
                    var tag = document.createElement("span");
                    tag.className = "search-suggestions__kind";
                    tag.textContent = kind;
                    option.appendChild(document.createTextNode(" "));
                    option.appendChild(tag);
                }
                list.appendChild(option);
            });
            active = -1;
            if (items.length) {
                open();
                status.textContent = (labels.labelCount || "{count}").replace("{count}", String(items.length));
            } else {
                close();
                status.textContent = labels.labelNone || "";
            }
        }

        function ask(text) {
            if (controller) {
                controller.abort();
            }
            controller = window.AbortController ? new AbortController() : null;
            asked = text;
            var url = endpoint + "?" + new URLSearchParams({ q: text }).toString();
            fetch(url, {
                headers: { Accept: "application/json" },
                credentials: "same-origin",
                signal: controller ? controller.signal : undefined,
            })
                .then(function (response) {
                    return response.ok ? response.json() : { suggestions: [] };
                })
                .then(function (data) {
                    if (text === asked && input.value.trim() === text) {
                        render(data.suggestions || []);
                    }
                })
                .catch(function () {
                    /* aborted by a newer request, or offline: the form still works */
                });
        }

        function choose(index) {
            var item = suggestions[index];
            if (!item) {
                return;
            }
            input.value = item.value;
            close();
            form.submit();
        }

        input.addEventListener("input", function () {
            window.clearTimeout(timer);
            var text = input.value.trim();
            if (text.length < MIN_LENGTH) {
                asked = "";
                suggestions = [];
                list.textContent = "";
                close();
                return;
            }
            timer = window.setTimeout(function () {
                ask(text);
            }, DELAY_MS);
        });

        input.addEventListener("keydown", function (event) {
            var count = suggestions.length;
            if (event.key === "ArrowDown" || event.key === "Down") {
                if (!count) {
                    return;
                }
                event.preventDefault();
                open();
                highlight(active + 1 >= count ? 0 : active + 1);
            } else if (event.key === "ArrowUp" || event.key === "Up") {
                if (!count) {
                    return;
                }
                event.preventDefault();
                open();
                highlight(active <= 0 ? count - 1 : active - 1);
            } else if (event.key === "Enter") {
                if (!list.hidden && active >= 0) {
                    event.preventDefault();
                    choose(active);
                }
            } else if (event.key === "Escape" || event.key === "Esc") {
                if (!list.hidden) {
                    event.preventDefault();
                    close();
                }
            } else if (event.key === "Tab") {
                close();
            }
        });

        input.addEventListener("blur", function () {
            close();
        });
        input.addEventListener("focus", function () {
            if (suggestions.length && input.value.trim() === asked) {
                open();
            }
        });
        // Keep the focus in the input while a suggestion is clicked, so blur does not close the list first.
        list.addEventListener("mousedown", function (event) {
            event.preventDefault();
        });
        list.addEventListener("click", function (event) {
            var option = event.target.closest('[role="option"]');
            if (option) {
                choose(Number(option.dataset.index));
            }
        });
    }

    document.querySelectorAll("form[data-search-autocomplete]").forEach(enhance);
})();
