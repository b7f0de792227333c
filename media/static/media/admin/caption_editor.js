/*
 * The caption editor of the admin (markup: templates/media/admin/caption_editor.html, server:
 * media/caption_editor.py).
 *
 * A four-hour lecture has thousands of lines: they live in memory (`rows`, times kept as typed) and only
 * one page of them is in the document at a time. Saving writes every row into the form's "lines" field as
 * JSON ([[start, end, text], ...]) and posts the form; the server checks everything and, when it refuses,
 * sends the page back with what was typed and the problems per line, which are shown on their rows.
 * Split, merge, delete and add change the list and can be undone until the page is left; Undo reverses only
 * the last of those (the rows it removed come back, the rows it added go), so what was typed in other lines
 * since stays.
 * From the first change until a save succeeds, the lines are kept as a draft in localStorage (one per
 * transcript): a save that fails (session expired, transcript deleted, server or network down) loses nothing,
 * and opening the transcript again offers to restore the draft. The page after a successful save names the
 * transcripts whose drafts to drop (data-saved-drafts).
 * With a preview player (recordings that have been converted), ▶ beside a line plays from its start.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-caption-editor]");
  if (!root) return;

  var DRAFT_PREFIX = "caption-editor:draft:";
  var DRAFT_DAYS = 30;

  var PAGE_SIZE = parseInt(root.getAttribute("data-page-size"), 10) || 50;
  var UNDO_LIMIT = 50;
  var list = root.querySelector("[data-list]");
  var form = root.querySelector("[data-form]");
  var select = root.querySelector("[data-page-select]");
  var status = root.querySelector("[data-status]");
  var undoButton = root.querySelector("[data-undo]");
  var video = root.querySelector("[data-preview]");
  var versionField = form.querySelector('[name="version"]');
  var reviewedBox = form.querySelector("[data-reviewed]");
  var draftKey = DRAFT_PREFIX + root.getAttribute("data-transcript");
  var duration = parseFloat(root.getAttribute("data-duration")) || null;
  var draftTimer = null;
  var draftOffered = false; // while the offer to restore is open, the draft is not overwritten

  var rows = JSON.parse(document.getElementById("caption-editor-lines").textContent).map(function (line) {
    return { start: line[0], end: line[1], text: line[2], errors: {} };
  });
  var history = [];
  var page = 0;
  var dirty = false;

  JSON.parse(document.getElementById("caption-editor-errors").textContent).forEach(function (error) {
    var row = rows[error[0] - 1];
    if (!row) return;
    var field = error[1] || "text";
    row.errors[field] = row.errors[field] ? row.errors[field] + " " + error[2] : error[2];
  });

  /* ---- helpers -------------------------------------------------------------------------------- */

  function label(name, values) {
    var text = root.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  /** '0:12:34.500', '12:34', '12:34,5', '754' or '754,5' → seconds (to the ms); null otherwise. */
  function parseTime(text) {
    var parts = String(text || "").trim().split(":").map(function (part) { return part.trim(); });
    if (parts.length < 1 || parts.length > 3) return null;
    var last = parts.pop();
    if (!/^\d+([.,]\d+)?$/.test(last) || !parts.every(function (part) { return /^\d+$/.test(part); })) return null;
    var seconds = parseFloat(last.replace(",", "."));
    if ((parts.length && seconds >= 60) || (parts.length === 2 && parseInt(parts[1], 10) >= 60)) return null;
    var total = parts.reduce(function (sum, part) { return sum * 60 + parseInt(part, 10); }, 0);
    return Math.round((total * 60 + seconds) * 1000) / 1000;
  }

  /** Seconds → '0:12:34.500'. */
  function formatTime(seconds) {
    var total = Math.round(Math.max(0, seconds) * 1000);
    var hours = Math.floor(total / 3600000);
    var minutes = Math.floor((total % 3600000) / 60000);
    var secs = Math.floor((total % 60000) / 1000);
    var millis = total % 1000;
    var pad = function (n, width) { n = String(n); while (n.length < width) n = "0" + n; return n; };
    return hours + ":" + pad(minutes, 2) + ":" + pad(secs, 2) + "." + pad(millis, 3);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pageCount() {
    return Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  }

  function say(text) {
    status.textContent = text;
  }

  function markDirty() {
    dirty = true;
    say(label("unsaved"));
    clearTimeout(draftTimer);
    draftTimer = setTimeout(writeDraft, 400);
  }

  function copy(row) {
    return { start: row.start, end: row.end, text: row.text, errors: Object.assign({}, row.errors) };
  }

  /** Replace `count` rows from `index` with `added`, remembering how to undo just that. */
  function change(index, count, added) {
    history.push({ index: index, removed: rows.slice(index, index + count).map(copy), inserted: added.length });
    if (history.length > UNDO_LIMIT) history.shift();
    undoButton.disabled = false;
    Array.prototype.splice.apply(rows, [index, count].concat(added));
  }

  function undo() {
    var last = history.pop();
    if (!last) return;
    Array.prototype.splice.apply(rows, [last.index, last.inserted].concat(last.removed));
    undoButton.disabled = history.length === 0;
    markDirty();
    showRow(Math.min(last.index, rows.length - 1), "text");
  }

  /* ---- the draft kept in this browser ------------------------------------------------------------ */

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function typedLines() {
    return rows.map(function (row) { return [row.start, row.end, row.text]; });
  }

  function writeDraft() {
    clearTimeout(draftTimer);
    var store = storage();
    if (!store || draftOffered) return;
    var draft = {
      version: versionField.value, kept: Date.now(), reviewed: reviewedBox ? reviewedBox.checked : false,
      lines: typedLines()
    };
    try { store.setItem(draftKey, JSON.stringify(draft)); } catch (error) { /* full or refused: nothing to do */ }
  }

  function readDraft(key) {
    var store = storage();
    try {
      var draft = store && JSON.parse(store.getItem(key));
      return draft && Array.isArray(draft.lines) ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function dropDraft(key) {
    var store = storage();
    try { if (store) store.removeItem(key); } catch (error) { /* nothing to do */ }
  }

  /** Drop the drafts of what was just saved, and drafts nobody came back to within DRAFT_DAYS. */
  function tidyDrafts() {
    (root.getAttribute("data-saved-drafts") || "").split(" ").forEach(function (id) {
      if (id) dropDraft(DRAFT_PREFIX + id);
    });
    var store = storage();
    if (!store) return;
    var old = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(DRAFT_PREFIX) === 0) {
        var draft = readDraft(key);
        if (!draft || !(Date.now() - draft.kept < DRAFT_DAYS * 86400000)) old.push(key);
      }
    }
    old.forEach(dropDraft);
  }

  /** Offer the draft of this transcript when it differs from the lines shown; false when there is none. */
  function offerDraft(refused) {
    var draft = readDraft(draftKey);
    if (!draft) return false;
    if (JSON.stringify(draft.lines) === JSON.stringify(typedLines())) {
      if (draft.version === versionField.value && !refused) dropDraft(draftKey);
      return false;
    }
    draftOffered = true;
    var notice = root.querySelector("[data-draft]");
    var text = label("draft", { moment: new Date(draft.kept).toLocaleString(document.documentElement.lang || undefined) });
    if (draft.version !== versionField.value) text += " " + label("draft-stale");
    notice.querySelector("[data-draft-text]").textContent = text;
    notice.hidden = false;
    notice.querySelector("[data-draft-restore]").addEventListener("click", function () {
      rows = draft.lines.map(function (line) {
        return { start: String(line[0]), end: String(line[1]), text: String(line[2]), errors: {} };
      });
      // Saved meanwhile: post the version the draft was made from, so the server asks before replacing.
      versionField.value = draft.version;
      if (reviewedBox) reviewedBox.checked = Boolean(draft.reviewed);
      history = [];
      undoButton.disabled = true;
      notice.hidden = true;
      draftOffered = false;
      markDirty();
      render();
    });
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      dropDraft(draftKey);
      notice.hidden = true;
      draftOffered = false;
      if (dirty) writeDraft();
    });
    return true;
  }

  /* ---- drawing ---------------------------------------------------------------------------------- */

  function renderRow(row, index) {
    var number = index + 1;
    var item = element("li", { "class": "caption-editor__row", "data-row": index, id: "line-" + number });
    item.appendChild(element("span", { "class": "caption-editor__number" }, label("line", { line: number })));

    var times = element("div", { "class": "caption-editor__times" });
    if (video) {
      times.appendChild(element("button", {
        type: "button", "class": "caption-editor__play", "data-action": "play",
        "aria-label": label("play", { line: number }), title: label("play", { line: number })
      }, "▶"));
    }
    ["start", "end"].forEach(function (field) {
      var input = element("input", {
        type: "text", "class": "caption-editor__time", "data-field": field,
        spellcheck: "false", autocomplete: "off", "aria-label": label(field, { line: number })
      });
      input.value = row[field];
      times.appendChild(input);
    });
    item.appendChild(times);

    var actions = element("div", { "class": "caption-editor__actions" });
    [["split", "split"], ["merge", "merge"], ["insert", "insert"], ["delete", "delete"]].forEach(function (pair) {
      var button = element("button", {
        type: "button", "class": "button button-small button-secondary", "data-action": pair[0]
      }, label(pair[1]));
      if (pair[0] === "merge" && index === rows.length - 1) button.disabled = true;
      actions.appendChild(button);
    });
    item.appendChild(actions);

    var text = element("textarea", {
      "class": "caption-editor__text", "data-field": "text", rows: "2", lang: "vi",
      "aria-label": label("text", { line: number })
    });
    text.value = row.text;
    item.appendChild(text);

    var messages = Object.keys(row.errors).map(function (field) { return row.errors[field]; }).join(" ");
    var error = element("p", { "class": "caption-editor__error", "data-error": "", role: "alert" }, messages);
    if (!messages) error.hidden = true;
    item.appendChild(error);
    Object.keys(row.errors).forEach(function (field) {
      var input = item.querySelector('[data-field="' + field + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    });
    if (Object.keys(row.errors).length) item.classList.add("caption-editor__row--error");
    return item;
  }

  function render() {
    page = Math.min(page, pageCount() - 1);
    var first = page * PAGE_SIZE;
    var fragment = document.createDocumentFragment();
    rows.slice(first, first + PAGE_SIZE).forEach(function (row, offset) {
      fragment.appendChild(renderRow(row, first + offset));
    });
    list.textContent = "";
    list.appendChild(fragment);
    list.setAttribute("start", String(first + 1));
    renderPager();
    root.querySelector("[data-count]").textContent = label("count", { count: rows.length });
  }

  function renderPager() {
    select.textContent = "";
    for (var p = 0; p < pageCount(); p++) {
      var from = p * PAGE_SIZE;
      var to = Math.min(rows.length, from + PAGE_SIZE);
      var text = label("page", { from: from + 1, to: to });
      if (rows[from]) text += " · " + rows[from].start + " – " + rows[to - 1].end;
      var option = element("option", { value: p }, text);
      if (rows.slice(from, to).some(function (row) { return Object.keys(row.errors).length; })) {
        option.textContent = "⚠ " + option.textContent;
      }
      select.appendChild(option);
    }
    select.value = String(page);
    root.querySelector("[data-prev]").disabled = page === 0;
    root.querySelector("[data-next]").disabled = page >= pageCount() - 1;
  }

  function showRow(index, field) {
    page = Math.floor(index / PAGE_SIZE);
    render();
    var item = list.querySelector('[data-row="' + index + '"]');
    if (!item) return;
    var target = item.querySelector('[data-field="' + (field || "text") + '"]') || item.querySelector("textarea");
    item.scrollIntoView({ block: "center" });
    target.focus();
  }

  /* ---- editing ---------------------------------------------------------------------------------- */

  function rowOf(node) {
    var item = node.closest("[data-row]");
    return item ? parseInt(item.getAttribute("data-row"), 10) : -1;
  }

  list.addEventListener("input", function (event) {
    var field = event.target.getAttribute("data-field");
    var index = rowOf(event.target);
    if (!field || index < 0) return;
    var row = rows[index];
    row[field] = event.target.value;
    if (row.errors[field]) {
      delete row.errors[field];
      event.target.removeAttribute("aria-invalid");
    }
    if (field === "text") row.caret = event.target.selectionStart;
    markDirty();
  });

  // Where the editor put the cursor in a line's text: "Split" cuts there.
  ["keyup", "mouseup", "select"].forEach(function (type) {
    list.addEventListener(type, function (event) {
      if (event.target.getAttribute("data-field") !== "text") return;
      var index = rowOf(event.target);
      if (index >= 0) rows[index].caret = event.target.selectionStart;
    });
  });

  /** Where to cut a text: the cursor when it is inside, else the space nearest the middle. */
  function cutPosition(row) {
    var text = row.text;
    if (row.caret > 0 && row.caret < text.length) return row.caret;
    var middle = Math.floor(text.length / 2);
    for (var distance = 0; distance <= middle; distance++) {
      if (text.charAt(middle - distance) === " ") return middle - distance;
      if (text.charAt(middle + distance) === " ") return middle + distance;
    }
    return middle;
  }

  function openSplit(index) {
    var item = list.querySelector('[data-row="' + index + '"]');
    var existing = item.querySelector("[data-split-panel]");
    if (existing) { existing.querySelector("[data-split-time]").focus(); return; }
    var row = rows[index];
    var start = parseTime(row.start);
    var end = parseTime(row.end);
    var position = cutPosition(row);
    var at = "";
    if (start !== null && end !== null && end > start) {
      var chosen = row.caret > 0 && row.caret < row.text.length;
      var moment = chosen ? start + (end - start) * (position / Math.max(1, row.text.length)) : (start + end) / 2;
      if (video && video.paused && video.currentTime > start && video.currentTime < end) moment = video.currentTime;
      at = formatTime(moment);
    }
    var panel = element("div", { "class": "caption-editor__split", "data-split-panel": "" });
    var timeLabel = element("label", {}, label("split-at") + " ");
    var timeInput = element("input", { type: "text", "data-split-time": "", size: "12" });
    timeInput.value = at;
    timeLabel.appendChild(timeInput);
    panel.appendChild(timeLabel);
    [["first", row.text.slice(0, position)], ["second", row.text.slice(position)]].forEach(function (pair) {
      var box = element("label", {}, label("split-" + pair[0]));
      var area = element("textarea", { rows: "2", lang: "vi", "data-split-text": pair[0] });
      area.value = pair[1].trim();
      box.appendChild(area);
      panel.appendChild(box);
    });
    var buttons = element("div", { "class": "caption-editor__actions" });
    buttons.appendChild(element("button", { type: "button", "class": "button button-small", "data-action": "split-confirm" }, label("split-confirm")));
    buttons.appendChild(element("button", { type: "button", "class": "button button-small button-secondary", "data-action": "split-cancel" }, label("cancel")));
    panel.appendChild(buttons);
    panel.appendChild(element("p", { "class": "caption-editor__error", "data-split-error": "", role: "alert", hidden: "" }));
    item.appendChild(panel);
    timeInput.focus();
  }

  function confirmSplit(index) {
    var item = list.querySelector('[data-row="' + index + '"]');
    var panel = item.querySelector("[data-split-panel]");
    var problem = panel.querySelector("[data-split-error]");
    var row = rows[index];
    var start = parseTime(row.start);
    var end = parseTime(row.end);
    var at = parseTime(panel.querySelector("[data-split-time]").value);
    var first = panel.querySelector('[data-split-text="first"]').value.trim();
    var second = panel.querySelector('[data-split-text="second"]').value.trim();
    var message = "";
    if (start === null || end === null || end <= start) message = label("split-bad-line");
    else if (at === null || at <= start || at >= end) message = label("split-bad-time");
    else if (!first || !second) message = label("split-empty");
    if (message) {
      problem.textContent = message;
      problem.hidden = false;
      return;
    }
    change(index, 1, [
      { start: row.start, end: formatTime(at), text: first, errors: {} },
      { start: formatTime(at), end: row.end, text: second, errors: {} }
    ]);
    markDirty();
    render();
    showRow(index + 1, "text");
  }

  function merge(index) {
    var row = rows[index];
    var next = rows[index + 1];
    if (!next) return;
    var rowEnd = parseTime(row.end);
    var nextEnd = parseTime(next.end);
    var end = rowEnd !== null && nextEnd !== null && rowEnd > nextEnd ? row.end : next.end;
    change(index, 2, [{
      start: row.start, end: end, text: (row.text.trim() + " " + next.text.trim()).trim(), errors: {}
    }]);
    markDirty();
    render();
    showRow(index, "text");
  }

  function remove(index) {
    change(index, 1, []);
    markDirty();
    render();
    if (rows.length) showRow(Math.min(index, rows.length - 1), "text");
  }

  /**
   * A new empty line after this one, timed so that it can be saved: the gap before the next line when there
   * is one; else the second half of this line (which then ends half-way); two seconds after the last line.
   */
  function insertAfter(index) {
    var row = rows[index];
    var next = rows[index + 1];
    var start = parseTime(row.start);
    var end = parseTime(row.end);
    var nextStart = next ? parseTime(next.start) : null;
    var replaced = [copy(row)];
    var added = { start: "", end: "", text: "", errors: {} };
    if (end !== null && (!next || nextStart === null)) {
      var stop = duration && duration > end ? Math.min(end + 2, duration) : end + 2;
      added.start = formatTime(end);
      added.end = formatTime(stop);
    } else if (end !== null && nextStart > end) {
      added.start = formatTime(end);
      added.end = formatTime(nextStart);
    } else if (start !== null && end !== null && end > start) {
      var half = Math.round((start + end) / 2 * 1000) / 1000;
      replaced[0].end = formatTime(half);
      added.start = formatTime(half);
      added.end = row.end;
    } else if (end !== null) {
      added.start = added.end = formatTime(end);
    }
    change(index, 1, replaced.concat([added]));
    markDirty();
    render();
    showRow(index + 1, "text");
  }

  function play(index) {
    var start = parseTime(rows[index].start);
    if (!video || start === null) return;
    video.currentTime = start;
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () {});
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var index = rowOf(button);
    if (index < 0) return;
    var action = button.getAttribute("data-action");
    if (action === "split") openSplit(index);
    else if (action === "split-confirm") confirmSplit(index);
    else if (action === "split-cancel") button.closest("[data-split-panel]").remove();
    else if (action === "merge") merge(index);
    else if (action === "delete") remove(index);
    else if (action === "insert") insertAfter(index);
    else if (action === "play") play(index);
  });

  undoButton.addEventListener("click", undo);

  /* ---- moving around ---------------------------------------------------------------------------- */

  select.addEventListener("change", function () {
    page = parseInt(select.value, 10) || 0;
    render();
  });
  root.querySelector("[data-prev]").addEventListener("click", function () { page = Math.max(0, page - 1); render(); });
  root.querySelector("[data-next]").addEventListener("click", function () { page = Math.min(pageCount() - 1, page + 1); render(); });

  function goToTime() {
    var moment = parseTime(root.querySelector("[data-goto-time]").value);
    var index = -1;
    if (moment !== null) {
      for (var i = 0; i < rows.length; i++) {
        var end = parseTime(rows[i].end);
        if (end !== null && end >= moment) { index = i; break; }
      }
    }
    if (index < 0) { say(label("time-not-found")); return; }
    showRow(index, "text");
  }
  root.querySelector("[data-goto]").addEventListener("click", goToTime);
  root.querySelector("[data-goto-time]").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); goToTime(); }
  });

  root.querySelectorAll("[data-goto-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      showRow(parseInt(link.getAttribute("data-goto-line"), 10) - 1, link.getAttribute("data-goto-field"));
    });
  });

  /* ---- saving ----------------------------------------------------------------------------------- */

  form.addEventListener("submit", function () {
    form.querySelector("[data-lines-field]").value = JSON.stringify(typedLines());
    // Kept until the page after a successful save says to drop it: a failed save loses nothing.
    writeDraft();
    dirty = false;
    form.querySelector("[data-save]").disabled = true;
  });
  form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", markDirty);
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = label("leave");
  });

  /* ---- the preview player ----------------------------------------------------------------------- */

  if (video) {
    var source = video.getAttribute("data-src");
    if (window.Hls && window.Hls.isSupported()) {
      // Segments come from signed addresses that expire: renew them while the editor works (player/hls-signing.js).
      var signer = window.VksndHlsSigning ? window.VksndHlsSigning.forMaster(source, {
        onLost: function () { hls.destroy(); },
        isPlaying: function () { return !video.paused; },
      }) : null;
      var hls = new window.Hls({ maxBufferLength: 30, xhrSetup: signer ? signer.xhrSetup : undefined });
      var signatureRetried = false;
      hls.on(window.Hls.Events.FRAG_LOADED, function () { signatureRetried = false; });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (signer && !signatureRetried && window.VksndHlsSigning.isSignatureRefusal(data)) {
          signatureRetried = true;
          signer.recover().then(function (renewed) { if (renewed && data.fatal) hls.startLoad(); });
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
      if (signer) signer.start();
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source;
    }
  }

  /* ---- start ------------------------------------------------------------------------------------ */

  tidyDrafts();
  var refused = root.querySelector("[data-problem], [data-errors]");
  var firstError = rows.findIndex(function (row) { return Object.keys(row.errors).length; });
  if (firstError >= 0) showRow(firstError, Object.keys(rows[firstError].errors)[0]);
  else render();
  offerDraft(Boolean(refused));
  if (refused) markDirty();
}());
