/*
 * The recording player of a training page (markup: templates/media/player.html).
 *
 * Plain JavaScript, no build step. Plays HLS with hls.js where Media Source Extensions exist
 * (Chromium, Firefox, Edge) and natively where they do not but HLS is built in (Safari on iOS).
 * Everything it needs comes from the markup: each part's sources in [data-part-source], chapters
 * from their links, labels (already translated by the server) from data-label-* attributes.
 *
 * Resume: the position of each part is read from the server before the part loads, and saved every
 * SAVE_EVERY_MS while playing, on pause, on switching part and, when the page goes away, with
 * navigator.sendBeacon (form-encoded, CSRF token in the body: a beacon cannot carry headers).
 *
 * Captions: a part with a transcript gets a <track kind="captions" default> (WebVTT from a permission-checked
 * address) that the C key and the CC button switch; the choice is remembered. Its transcript panel lists
 * the lines, follows playback without taking focus or scrolling the page (and not at all while the viewer
 * scrolls it to read elsewhere, until "Back to the current line"), filters as one types, ignoring
 * diacritics, and seeks when a line is clicked. Its lines are one tab stop: arrows move between them.
 */
(function () {
  "use strict";

  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var SAVE_EVERY_MS = 10000;
  var SEEK_STEP = 5;
  var SKIP_STEP = 10;
  var VOLUME_STEP = 0.1;
  // Before the first play only one segment is fetched; while playing, a minute ahead is plenty for
  // a lecture and spares the slow links of regional units.
  var IDLE_BUFFER_SECONDS = 6;
  var PLAYING_BUFFER_SECONDS = 60;
  var STORAGE_KEY = "vksnd.player";

  /* ---- small pure helpers ------------------------------------------------------------------- */

  /** "754", "12:34", "1:02:03", "754s" or "12m34s" → seconds; null for anything else. */
  function parseTime(text) {
    if (text === null || text === undefined) return null;
    var value = String(text).trim().toLowerCase();
    if (/^\d+(\.\d+)?s?$/.test(value)) return parseFloat(value);
    if (/^\d+(:[0-5]?\d){1,2}(\.\d+)?$/.test(value)) {
      return value.split(":").reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
    }
    var match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
    if (match && value) {
      return (parseInt(match[1] || "0", 10) * 3600) + (parseInt(match[2] || "0", 10) * 60) + parseInt(match[3] || "0", 10);
    }
    return null;
  }

  /** Seconds → "4:05", or "1:02:03" past an hour. */
  function formatTime(seconds) {
    var total = Math.max(0, Math.floor(isFinite(seconds) ? seconds : 0));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return hours ? hours + ":" + pad(minutes) + ":" + pad(secs) : minutes + ":" + pad(secs);
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  /** WebVTT storyboard → [{start, end, url, x, y, w, h}]; image paths are relative to the VTT. */
  function parseStoryboard(text, baseUrl) {
    var cues = [];
    var stamp = function (t) {
      var parts = t.trim().split(":");
      return parts.reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
    };
    var lines = text.split(/\r?\n/);
    for (var i = 0; i < lines.length; i++) {
      var timing = /^([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
      if (!timing || i + 1 >= lines.length) continue;
      var target = lines[i + 1].trim();
      var hash = target.indexOf("#xywh=");
      if (hash < 0) continue;
      var box = target.slice(hash + 6).split(",").map(Number);
      if (box.length !== 4 || box.some(isNaN)) continue;
      cues.push({
        start: stamp(timing[1]),
        end: stamp(timing[2]),
        url: new URL(target.slice(0, hash), baseUrl).href,
        x: box[0], y: box[1], w: box[2], h: box[3],
      });
    }
    return cues;
  }

  /** Text for matching without diacritics: "Điều tra viên" → "dieu tra vien" (NFD, marks dropped, đ → d). */
  function foldText(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase();
  }

  /** `text` folded character by character, with where each folded character came from, to mark matches. */
  function foldWithMap(text) {
    var folded = "";
    var origin = [];
    for (var i = 0; i < text.length; i++) {
      var piece = foldText(text[i]);
      for (var j = 0; j < piece.length; j++) {
        folded += piece[j];
        origin.push(i);
      }
    }
    return { text: folded, origin: origin };
  }

  /** The words of a search, folded; a line matches when it contains every one. */
  function searchWords(query) {
    return foldText(query).split(/\s+/).filter(Boolean);
  }

  /** [start, end) stretches of `text` matching any of `words` (folded), merged and in order. */
  function matchRanges(text, words) {
    var map = foldWithMap(text);
    var ranges = [];
    words.forEach(function (word) {
      var from = 0;
      var at;
      while ((at = map.text.indexOf(word, from)) >= 0) {
        ranges.push([map.origin[at], map.origin[at + word.length - 1] + 1]);
        from = at + word.length;
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    ranges.forEach(function (range) {
      var last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push(range.slice());
    });
    return merged;
  }

  /** Index of the line being said at `seconds`: the last one started (-1 before the first). */
  function lineAt(segments, seconds) {
    var low = 0;
    var high = segments.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (segments[middle].start <= seconds + 0.01) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function readSettings() {
    try { return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}") || {}; } catch (e) { return {}; }
  }

  function writeSettings(values) {
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(values)); } catch (e) { /* private mode */ }
  }

  /* ---- the player --------------------------------------------------------------------------- */

  function Player(root) {
    this.root = root;
    this.labels = root.dataset;
    this.csrfToken = root.dataset.csrfToken || "";
    this.video = root.querySelector("[data-video]");
    this.screen = root.querySelector("[data-screen]");
    this.stage = root.querySelector("[data-stage]");
    this.el = {};
    var names = ["message", "audioBadge", "bigPlay", "resume", "resumeText", "startOver", "next", "nextButton",
      "toast", "status", "seek", "buffered", "played", "markers", "range", "preview", "previewImage",
      "previewChapter", "previewTime", "play", "mute", "volume", "current", "duration", "speedLabel",
      "quality", "qualityLabel", "fullscreen", "controls", "captions", "layout", "side", "transcript", "transcriptList",
      "transcriptScroll", "transcriptFilter", "transcriptCount", "transcriptStatus", "transcriptFollow",
      "transcriptDownloadText", "transcriptDownloadVtt"];
    for (var i = 0; i < names.length; i++) {
      var attr = "data-" + names[i].replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
      this.el[names[i]] = root.querySelector("[" + attr + "]");
    }
    this.menus = {
      speed: { button: root.querySelector('[data-menu-button="speed"]'), list: root.querySelector('[data-menu="speed"]') },
      quality: { button: root.querySelector('[data-menu-button="quality"]'), list: root.querySelector('[data-menu="quality"]') },
    };
    this.parts = Array.prototype.map.call(root.querySelectorAll("[data-part-source]"), function (node) {
      var data = node.dataset;
      return {
        number: parseInt(data.partSource, 10),
        title: data.partTitle || "",
        ready: data.partReady === "true",
        message: data.partMessage || "",
        master: data.partMaster || "",
        audio: data.partAudio || "",
        audioSource: data.partAudioSource === "true",
        poster: data.partPoster || "",
        storyboard: data.partStoryboard || "",
        duration: parseFloat(data.partDuration) || 0,
        positionUrl: data.partPositionUrl,
        signatureUrl: data.partSignatureUrl || "",
        captions: data.partCaptions || "",
        captionsLang: data.partCaptionsLang || "",
        captionsLabel: data.partCaptionsLabel || "",
        transcriptUrl: data.partTranscript || "",
        transcriptText: data.partTranscriptText || "",
        segments: null,
        rungs: (data.partRungs || "").trim().split(/\s+/).filter(Boolean).map(function (token) {
          var pieces = token.split(":");
          return { name: pieces[0], height: parseInt(pieces[1], 10) };
        }),
      };
    });
    this.chapterLinks = Array.prototype.slice.call(root.querySelectorAll("[data-chapter]"));
    this.chapters = this.chapterLinks.map(function (link) {
      return {
        part: parseInt(link.dataset.part, 10) || 1,
        start: parseFloat(link.dataset.start) || 0,
        title: (link.querySelector(".player-chapters__title") || link).textContent.trim(),
        link: link,
      };
    });
    this.partLinks = Array.prototype.slice.call(root.querySelectorAll("[data-part-link]"));
    this.hls = null;
    this.part = null;
    this.quality = "auto";
    this.audioMode = false;
    this.scrubbing = false;
    this.started = false;
    this.restored = false;
    this.lastSaved = 0;
    this.lastSavedSeconds = null;
    this.storyboard = null;
    this.storyboardFor = null;
    this.loadToken = 0;
    this.attachToken = 0;
    this.pendingReady = null;
    this.settings = readSettings();
    this.language = document.documentElement.lang || "vi";
    this.captionsOn = this.settings.captions !== false;
    this.captionTrack = null;
    this.lines = [];
    this.currentLine = -1;
    this.following = true;
    this.hasSide = !!(this.el.layout && this.el.layout.classList.contains("player__layout--with-chapters"));

    if (!this.parts.length) return;
    this.mode = this.detectMode();
    this.bind();
    this.bindShare();
    this.applySettings();
    this.buildSpeedMenu();
    this.updateFullscreenSupport();

    var params = new URLSearchParams(window.location.search);
    var number = parseInt(params.get("part") || "1", 10);
    var index = clamp(isNaN(number) ? 0 : number - 1, 0, this.parts.length - 1);
    var start = parseTime(params.get("t"));
    this.loadPart(index, { startAt: start, autoplay: false });
  }

  Player.prototype.detectMode = function () {
    if (window.Hls && window.Hls.isSupported()) return "hls";
    if (this.video.canPlayType("application/vnd.apple.mpegurl")) return "native";
    return "none";
  };

  Player.prototype.label = function (name, fallback) {
    return this.labels["label" + name] || fallback || "";
  };

  /* ---- loading a part ------------------------------------------------------------------------ */

  Player.prototype.loadPart = function (index, options) {
    var self = this;
    var part = this.parts[index];
    if (this.part && this.part !== part) this.savePosition({ force: true });
    this.teardown();
    this.part = part;
    this.partIndex = index;
    this.restored = false;
    this.started = false;
    this.quality = "auto";
    this.audioMode = false;
    this.storyboard = null;
    this.root.dataset.state = "loading";
    this.root.dataset.part = String(part.number);
    this.hideNotices();
    this.markCurrentPart();
    this.drawMarkers();
    this.setCaptionTrack(part);
    this.loadTranscript(part);
    this.updateTime(0);
    var token = ++this.loadToken;

    if (!part.ready) {
      this.showMessage(part.message);
      this.root.dataset.state = "unavailable";
      return Promise.resolve();
    }
    if (this.mode === "none") {
      this.showMessage(this.label("Unsupported"));
      this.root.dataset.state = "unavailable";
      return Promise.resolve();
    }
    this.showMessage("");
    this.video.poster = part.poster;
    this.buildQualityMenu();
    this.updatePlayState();

    var deepLink = options.startAt !== null && options.startAt !== undefined;
    var ask = deepLink ? Promise.resolve(null) : this.fetchPosition(part);
    return ask.then(function (saved) {
      if (token !== self.loadToken) return;
      var start = deepLink ? options.startAt : 0;
      if (!deepLink && saved && self.worthResuming(saved, part.duration)) {
        start = saved;
        self.showResumeNotice(saved);
      }
      if (part.duration) start = Math.min(start, part.duration);
      self.attach(part.master, start, options.autoplay);
    });
  };

  Player.prototype.worthResuming = function (seconds, duration) {
    if (seconds < 1) return false;
    if (!duration) return true;
    return seconds < duration - Math.min(10, duration * 0.05);
  };

  Player.prototype.fetchPosition = function (part) {
    return fetch(part.positionUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { return data && typeof data.seconds === "number" ? data.seconds : null; })
      .catch(function () { return null; });
  };

  /** Point the <video> at `url`, start at `start` seconds, and play if asked. */
  Player.prototype.attach = function (url, start, autoplay) {
    var self = this;
    var video = this.video;
    this.teardown();
    this.root.dataset.state = "loading";
    var token = ++this.attachToken;
    var rate = this.speed || 1;
    // Until the new source stands at `start`, the element reports 0: saving that would lose the place.
    this.restored = false;

    if (this.pendingReady) video.removeEventListener("loadedmetadata", this.pendingReady);
    var onReady = function () {
      video.removeEventListener("loadedmetadata", onReady);
      self.pendingReady = null;
      if (token !== self.attachToken) return;
      self.networkRetried = false;
      self.mediaRecovered = false;
      if (start && Math.abs(video.currentTime - start) > 0.25) video.currentTime = start;
      video.defaultPlaybackRate = rate;
      video.playbackRate = rate;
      self.restored = true;
      self.lastSaved = Date.now();
      self.lastSavedSeconds = start || 0;
      self.root.dataset.state = "ready";
      self.updateTime();
      self.updateQualityLabel();
      self.updatePlayState();
      self.loadStoryboard();
      if (autoplay) self.play();
    };
    this.pendingReady = onReady;
    video.addEventListener("loadedmetadata", onReady);

    if (this.mode === "hls") {
      var Hls = window.Hls;
      // Renditions and segments come from signed addresses that expire: the signer renews them as playback goes
      // on (media/static/media/player/hls-signing.js), and reports a viewer who lost access.
      var signer = window.VksndHlsSigning && this.part && this.part.signatureUrl ? window.VksndHlsSigning.forMaster(url, {
        signatureUrl: this.part.signatureUrl,
        onLost: function () { if (self.signer === signer) self.accessLost(); },
        isPlaying: function () { return !video.paused; },
      }) : null;
      this.signer = signer;
      this.signatureRetried = false;
      var hls = new Hls({
        startPosition: start || -1,
        capLevelToPlayerSize: true,
        maxBufferLength: 30,
        maxMaxBufferLength: this.started ? PLAYING_BUFFER_SECONDS : IDLE_BUFFER_SECONDS,
        xhrSetup: signer ? signer.xhrSetup : undefined,
      });
      this.hls = hls;
      hls.on(Hls.Events.FRAG_LOADED, function () { self.signatureRetried = false; });
      hls.on(Hls.Events.MANIFEST_PARSED, function () {
        if (self.quality !== "auto") self.applyQualityToLevels();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, function () { self.updateQualityLabel(); });
      hls.on(Hls.Events.ERROR, function (event, data) { self.onHlsError(data); });
      hls.loadSource(url);
      hls.attachMedia(video);
      if (signer) signer.start();
    } else {
      video.src = url;
      video.load();
    }
  };

  Player.prototype.teardown = function () {
    if (this.signer) {
      this.signer.stop();
      this.signer = null;
    }
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.mode === "native" && this.video.getAttribute("src")) {
      this.video.removeAttribute("src");
      this.video.load();
    }
  };

  Player.prototype.onHlsError = function (data) {
    if (!this.hls) return;
    var self = this;
    var Hls = window.Hls;
    // 403 or 410 from /hls/: the signature expired (a long pause, a sleeping laptop) or the session changed. Ask
    // for a fresh one once and go on; a refusal there means access is gone (accessLost, through the signer).
    if (this.signer && !this.signatureRetried && window.VksndHlsSigning.isSignatureRefusal(data)) {
      this.signatureRetried = true;
      var hls = this.hls;
      this.signer.recover().then(function (renewed) {
        if (renewed && data.fatal && hls === self.hls) hls.startLoad();
      });
      return;
    }
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && !this.networkRetried) {
      this.networkRetried = true;
      this.hls.startLoad();
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !this.mediaRecovered) {
      this.mediaRecovered = true;
      this.hls.recoverMediaError();
    } else {
      this.teardown();
      this.root.dataset.state = "error";
      this.showMessage(this.label("PlaybackError"));
    }
  };

  /** The portal refused a fresh signature: the viewer may no longer watch (or the session ended). */
  Player.prototype.accessLost = function () {
    this.teardown();
    this.root.dataset.state = "error";
    this.updatePlayState();
    this.showMessage(this.label("AccessLost"));
  };

  /* ---- quality ------------------------------------------------------------------------------- */

  Player.prototype.qualityChoices = function () {
    var part = this.part;
    var choices = [];
    if (!part || part.audioSource) return choices;
    // Picking a rung needs hls.js; Safari's own player only knows "auto" and the audio source.
    choices.push({ value: "auto", label: this.label("Auto") });
    if (this.mode === "hls") {
      part.rungs.forEach(function (rung) { choices.push({ value: rung.name, label: rung.name }); });
    }
    if (part.audio) choices.push({ value: "audio", label: this.label("AudioOnly") });
    return choices.length > 1 ? choices : [];
  };

  Player.prototype.buildQualityMenu = function () {
    var choices = this.qualityChoices();
    this.el.quality.hidden = choices.length === 0;
    this.el.audioBadge.hidden = !(this.part && this.part.audioSource);
    this.fillMenu("quality", choices, this.quality);
    this.updateQualityLabel();
  };

  Player.prototype.levelIndexFor = function (name) {
    if (!this.hls) return -1;
    var levels = this.hls.levels || [];
    var rung = this.part.rungs.filter(function (r) { return r.name === name; })[0];
    for (var i = 0; i < levels.length; i++) {
      var url = String(levels[i].url || levels[i].uri || "");
      if (url.indexOf("/" + name + "/") >= 0) return i;
    }
    for (var j = 0; j < levels.length; j++) {
      if (rung && levels[j].height === rung.height) return j;
    }
    return -1;
  };

  Player.prototype.setQuality = function (value) {
    var previous = this.quality;
    this.quality = value;
    this.fillMenu("quality", this.qualityChoices(), value);
    var wasPlaying = !this.video.paused;
    var at = this.video.currentTime;
    if (value === "audio") {
      if (!this.audioMode) {
        this.audioMode = true;
        this.el.audioBadge.hidden = false;
        this.attach(this.part.audio, at, wasPlaying);
      }
    } else if (this.audioMode) {
      this.audioMode = false;
      this.el.audioBadge.hidden = true;
      this.attach(this.part.master, at, wasPlaying);
    } else {
      this.applyQualityToLevels();
    }
    this.updateQualityLabel();
    if (previous !== value) this.announce(this.qualityLabelText());
  };

  Player.prototype.applyQualityToLevels = function () {
    if (!this.hls || this.audioMode) return;
    if (this.quality === "auto") {
      this.hls.nextLevel = -1; // back to automatic choice, without throwing away what is buffered
      return;
    }
    var index = this.levelIndexFor(this.quality);
    // currentLevel switches at once (the buffer is flushed): someone who picks 360p wants it now.
    if (index >= 0) this.hls.currentLevel = index;
  };

  Player.prototype.qualityLabelText = function () {
    if (this.audioMode) return this.label("AudioOnly");
    if (this.quality !== "auto") return this.quality;
    var auto = this.label("Auto");
    if (this.hls && this.hls.currentLevel >= 0 && this.hls.levels[this.hls.currentLevel]) {
      var level = this.hls.levels[this.hls.currentLevel];
      var rung = this.part.rungs.filter(function (r) {
        return String(level.url || "").indexOf("/" + r.name + "/") >= 0 || r.height === level.height;
      })[0];
      if (rung) return auto + " (" + rung.name + ")";
    }
    return auto;
  };

  Player.prototype.updateQualityLabel = function () {
    if (this.el.qualityLabel) this.el.qualityLabel.textContent = this.qualityLabelText();
  };

  /* ---- speed --------------------------------------------------------------------------------- */

  Player.prototype.speedText = function (rate) {
    return rate.toLocaleString(this.language) + "×";
  };

  Player.prototype.buildSpeedMenu = function () {
    var self = this;
    var choices = SPEEDS.map(function (rate) {
      var text = self.speedText(rate);
      return { value: String(rate), label: rate === 1 ? text + " · " + self.label("NormalSpeed") : text };
    });
    this.fillMenu("speed", choices, String(this.speed || 1));
    this.el.speedLabel.textContent = this.speedText(this.speed || 1);
  };

  Player.prototype.setSpeed = function (rate) {
    this.speed = rate;
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
    this.settings.speed = rate;
    writeSettings(this.settings);
    this.buildSpeedMenu();
    this.announce(this.label("Speed") + " " + this.speedText(rate));
  };

  Player.prototype.stepSpeed = function (direction) {
    var current = SPEEDS.indexOf(this.speed || 1);
    if (current < 0) current = SPEEDS.indexOf(1);
    this.setSpeed(SPEEDS[clamp(current + direction, 0, SPEEDS.length - 1)]);
  };

  /* ---- menus (menu button pattern: arrows move, Enter/Space pick, Escape closes) --------------- */

  Player.prototype.fillMenu = function (name, choices, selected) {
    var list = this.menus[name].list;
    list.textContent = "";
    choices.forEach(function (choice) {
      var item = document.createElement("li");
      item.setAttribute("role", "none");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "player__menu-item";
      button.setAttribute("role", "menuitemradio");
      button.setAttribute("aria-checked", String(choice.value === selected));
      button.tabIndex = -1;
      button.dataset.value = choice.value;
      button.textContent = choice.label;
      item.appendChild(button);
      list.appendChild(item);
    });
  };

  Player.prototype.openMenu = function (name) {
    this.closeMenus(name);
    var menu = this.menus[name];
    menu.list.hidden = false;
    menu.button.setAttribute("aria-expanded", "true");
    var items = this.menuItems(name);
    var checked = items.filter(function (item) { return item.getAttribute("aria-checked") === "true"; })[0];
    (checked || items[0]).focus();
    this.openMenuName = name;
  };

  Player.prototype.closeMenus = function (except, returnFocus) {
    var self = this;
    Object.keys(this.menus).forEach(function (name) {
      if (name === except) return;
      var menu = self.menus[name];
      if (menu.list.hidden) return;
      menu.list.hidden = true;
      menu.button.setAttribute("aria-expanded", "false");
      if (returnFocus) menu.button.focus();
      if (self.openMenuName === name) self.openMenuName = null;
    });
  };

  Player.prototype.menuItems = function (name) {
    return Array.prototype.slice.call(this.menus[name].list.querySelectorAll("[role=menuitemradio]"));
  };

  Player.prototype.onMenuKey = function (name, event) {
    var items = this.menuItems(name);
    var index = items.indexOf(document.activeElement);
    var move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (move) {
      items[(index + move + items.length) % items.length].focus();
    } else if (event.key === "Home") {
      items[0].focus();
    } else if (event.key === "End") {
      items[items.length - 1].focus();
    } else if (event.key === "Escape") {
      this.closeMenus(null, true);
    } else if (event.key === "Tab") {
      this.closeMenus(null, false);
      return;
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  Player.prototype.pickFromMenu = function (name, value) {
    this.closeMenus(null, true);
    if (name === "speed") this.setSpeed(parseFloat(value));
    else this.setQuality(value);
  };

  /* ---- playback ------------------------------------------------------------------------------ */

  Player.prototype.play = function () {
    if (!this.part || !this.part.ready) return;
    var promise = this.video.play();
    if (promise && promise.catch) promise.catch(function () { /* blocked autoplay: the button stays */ });
  };

  Player.prototype.togglePlay = function () {
    if (this.video.paused || this.video.ended) this.play();
    else this.video.pause();
  };

  Player.prototype.seekTo = function (seconds) {
    var duration = this.duration();
    var target = duration ? clamp(seconds, 0, Math.max(0, duration - 0.05)) : Math.max(0, seconds);
    this.video.currentTime = target;
    this.hideResumeNotice();
    this.updateTime(target);
  };

  Player.prototype.seekBy = function (delta) {
    this.seekTo(this.video.currentTime + delta);
  };

  Player.prototype.duration = function () {
    var own = this.video.duration;
    if (isFinite(own) && own > 0) return own;
    return this.part ? this.part.duration : 0;
  };

  Player.prototype.setVolume = function (volume) {
    this.video.volume = clamp(Math.round(volume * 100) / 100, 0, 1);
    if (this.video.volume > 0) this.video.muted = false;
  };

  Player.prototype.toggleMute = function () {
    this.video.muted = !this.video.muted;
    if (!this.video.muted && this.video.volume === 0) this.video.volume = 0.5;
  };

  /* ---- fullscreen ---------------------------------------------------------------------------- */

  Player.prototype.fullscreenElement = function () {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  };

  Player.prototype.updateFullscreenSupport = function () {
    var screen = this.screen;
    var supported = !!(screen.requestFullscreen || screen.webkitRequestFullscreen || this.video.webkitEnterFullscreen);
    this.el.fullscreen.hidden = !supported;
  };

  Player.prototype.toggleFullscreen = function () {
    var screen = this.screen;
    if (this.fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (screen.requestFullscreen) {
      screen.requestFullscreen().catch(function () {});
    } else if (screen.webkitRequestFullscreen) {
      screen.webkitRequestFullscreen();
    } else if (this.video.webkitEnterFullscreen) {
      this.video.webkitEnterFullscreen(); // iPhone: only the video itself can go full screen
    }
  };

  Player.prototype.onFullscreenChange = function () {
    var active = this.fullscreenElement() === this.screen;
    this.root.classList.toggle("player--fullscreen", active);
    this.el.fullscreen.setAttribute("aria-label", active ? this.label("ExitFullscreen") : this.label("Fullscreen"));
  };

  /* ---- position on the server ---------------------------------------------------------------- */

  Player.prototype.positionBody = function (seconds) {
    var body = new URLSearchParams();
    body.set("seconds", seconds.toFixed(2));
    body.set("csrfmiddlewaretoken", this.csrfToken);
    return body;
  };

  /**
   * Save where the viewer is. `beacon` when the page is going away (fetch may be cancelled then);
   * `force` to save even if the position has not changed much.
   */
  Player.prototype.savePosition = function (options) {
    options = options || {};
    var part = this.part;
    if (!part || !part.ready || !this.restored) return;
    var seconds = options.seconds !== undefined ? options.seconds : this.video.currentTime;
    if (!isFinite(seconds)) return;
    if (!options.force && this.lastSavedSeconds !== null && Math.abs(seconds - this.lastSavedSeconds) < 0.5) return;
    this.lastSaved = Date.now();
    this.lastSavedSeconds = seconds;
    var body = this.positionBody(seconds);
    if (options.beacon && navigator.sendBeacon && navigator.sendBeacon(part.positionUrl, body)) return;
    fetch(part.positionUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": this.csrfToken, Accept: "application/json" },
    }).catch(function () { /* the next save will try again */ });
  };

  /* ---- a link to this moment ----------------------------------------------------------------- */

  /** This page's address opening the current part at the current whole second (read back at start-up). */
  Player.prototype.momentUrl = function () {
    var seconds = this.part && this.part.ready ? Math.floor(this.video.currentTime || 0) : 0;
    var number = this.part ? this.part.number : 1;
    return window.location.origin + window.location.pathname + "?part=" + number + "&t=" + seconds;
  };

  /**
   * "Copy a link to this moment": the clipboard API where the page may use it (HTTPS or localhost); otherwise,
   * or if it refuses, the link in a selected text box, copied the old way when the browser still allows it.
   */
  Player.prototype.bindShare = function () {
    var self = this;
    var box = this.root.querySelector("[data-share]");
    if (!box) return;
    var button = box.querySelector("[data-share-button]");
    var field = box.querySelector("[data-share-field]");
    var input = box.querySelector("[data-share-url]");
    var status = box.querySelector("[data-share-status]");
    var timer = null;
    function say(text) {
      status.textContent = text;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { status.textContent = ""; }, 4000);
    }
    function byHand(url) {
      input.value = url;
      field.hidden = false;
      input.focus();
      input.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      say(copied ? self.label("LinkCopied") : self.label("LinkCopyByHand"));
    }
    box.hidden = false;
    button.addEventListener("click", function () {
      var url = self.momentUrl();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () {
          field.hidden = true;
          say(self.label("LinkCopied"));
        }, function () { byHand(url); });
      } else {
        byHand(url);
      }
    });
  };

  /* ---- drawing ------------------------------------------------------------------------------- */

  Player.prototype.updateTime = function (at) {
    var duration = this.duration();
    var current = at !== undefined ? at : (this.part && this.part.ready ? this.video.currentTime : 0);
    var range = this.el.range;
    range.max = String(duration || 0);
    if (!this.scrubbing) range.value = String(current);
    range.setAttribute("aria-valuetext", formatTime(current) + " / " + formatTime(duration));
    this.el.current.textContent = formatTime(current);
    this.el.duration.textContent = formatTime(duration);
    var percent = duration ? (100 * current) / duration : 0;
    this.el.played.style.width = clamp(percent, 0, 100) + "%";
    this.updateBuffered();
    this.markCurrentChapter(current);
    this.markCurrentLine(current);
  };

  Player.prototype.updateBuffered = function () {
    var duration = this.duration();
    var buffered = this.video.buffered;
    var current = this.video.currentTime;
    var start = 0;
    var end = 0;
    // The buffered stretch the playhead is in (or the next one ahead of it).
    for (var i = 0; i < buffered.length; i++) {
      if (buffered.end(i) >= current) {
        start = Math.min(buffered.start(i), current);
        end = buffered.end(i);
        break;
      }
    }
    if (!duration || end <= start) {
      this.el.buffered.style.width = "0";
      return;
    }
    this.el.buffered.style.left = (100 * start) / duration + "%";
    this.el.buffered.style.width = (100 * (end - start)) / duration + "%";
  };

  Player.prototype.partChapters = function () {
    var number = this.part ? this.part.number : 0;
    return this.chapters.filter(function (chapter) { return chapter.part === number; });
  };

  Player.prototype.chapterAt = function (seconds) {
    var found = null;
    this.partChapters().forEach(function (chapter) {
      if (chapter.start <= seconds + 0.25) found = chapter;
    });
    return found;
  };

  Player.prototype.markCurrentChapter = function (seconds) {
    var current = this.part && this.part.ready ? this.chapterAt(seconds) : null;
    if (current === this.currentChapter) return;
    this.currentChapter = current;
    this.chapters.forEach(function (chapter) {
      if (chapter === current) chapter.link.setAttribute("aria-current", "true");
      else chapter.link.removeAttribute("aria-current");
    });
  };

  Player.prototype.drawMarkers = function () {
    var markers = this.el.markers;
    markers.textContent = "";
    var duration = this.part ? this.part.duration : 0;
    if (!duration) return;
    this.partChapters().forEach(function (chapter) {
      if (chapter.start <= 0 || chapter.start >= duration) return;
      var mark = document.createElement("span");
      mark.className = "player__marker";
      mark.style.left = (100 * chapter.start) / duration + "%";
      markers.appendChild(mark);
    });
  };

  Player.prototype.markCurrentPart = function () {
    var number = this.part.number;
    this.partLinks.forEach(function (link) {
      if (parseInt(link.dataset.partLink, 10) === number) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    var self = this;
    this.partLinks.forEach(function (link) {
      var part = self.parts[parseInt(link.dataset.partLink, 10) - 1];
      var meta = link.querySelector("[data-part-meta]");
      if (part && part.ready && part.duration && meta) meta.textContent = formatTime(part.duration);
    });
  };

  Player.prototype.showMessage = function (text) {
    this.el.message.textContent = text;
    this.el.message.hidden = !text;
    this.root.classList.toggle("player--unavailable", !!text);
    this.el.controls.hidden = !!text;
    this.video.hidden = !!text;
    if (text) this.el.bigPlay.hidden = true;
  };

  Player.prototype.showResumeNotice = function (seconds) {
    this.el.resumeText.textContent = this.label("Resumed") + " " + formatTime(seconds);
    this.el.resume.hidden = false;
  };

  Player.prototype.hideResumeNotice = function () {
    this.el.resume.hidden = true;
  };

  Player.prototype.hideNotices = function () {
    this.el.resume.hidden = true;
    this.el.next.hidden = true;
  };

  Player.prototype.announce = function (text) {
    var toast = this.el.toast;
    toast.textContent = text;
    toast.classList.add("player__toast--visible");
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(function () { toast.classList.remove("player__toast--visible"); }, 1200);
    this.el.status.textContent = text;
  };

  Player.prototype.updatePlayState = function () {
    var playing = !this.video.paused && !this.video.ended;
    this.root.classList.toggle("player--playing", playing);
    this.el.play.setAttribute("aria-label", playing ? this.label("Pause") : this.label("Play"));
    this.el.bigPlay.hidden = playing || this.started || !this.part || !this.part.ready;
  };

  Player.prototype.updateVolume = function () {
    var muted = this.video.muted || this.video.volume === 0;
    this.root.classList.toggle("player--muted", muted);
    this.el.mute.setAttribute("aria-label", muted ? this.label("Unmute") : this.label("Mute"));
    this.el.volume.value = String(this.video.muted ? 0 : this.video.volume);
    this.el.volume.setAttribute("aria-valuetext", Math.round((this.video.muted ? 0 : this.video.volume) * 100) + " %");
    this.settings.volume = this.video.volume;
    this.settings.muted = this.video.muted;
    writeSettings(this.settings);
  };

  Player.prototype.applySettings = function () {
    var saved = this.settings;
    if (typeof saved.volume === "number") this.video.volume = clamp(saved.volume, 0, 1);
    if (saved.muted) this.video.muted = true;
    if (SPEEDS.indexOf(saved.speed) >= 0) this.speed = saved.speed;
    this.updateVolume();
  };

  /* ---- storyboard previews ------------------------------------------------------------------- */

  Player.prototype.loadStoryboard = function () {
    var self = this;
    var part = this.part;
    if (!part || !part.storyboard || this.storyboardFor === part) return;
    this.storyboardFor = part;
    fetch(part.storyboard, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) {
        if (self.part !== part) return;
        self.storyboard = parseStoryboard(text, new URL(part.storyboard, window.location.href).href);
        // The pointer may be resting on the seek bar while the storyboard arrived.
        if (!self.el.preview.hidden && self.previewAt) self.showPreview(self.previewAt.seconds, self.previewAt.clientX);
      })
      .catch(function () { self.storyboardFor = null; });
  };

  Player.prototype.showPreview = function (seconds, clientX) {
    var duration = this.duration();
    if (!duration || !this.part || !this.part.ready) return;
    this.loadStoryboard();
    seconds = clamp(seconds, 0, duration);
    this.previewAt = { seconds: seconds, clientX: clientX };
    var preview = this.el.preview;
    var image = this.el.previewImage;
    var cue = null;
    if (this.storyboard) {
      for (var i = 0; i < this.storyboard.length; i++) {
        if (seconds >= this.storyboard[i].start && seconds < this.storyboard[i].end) { cue = this.storyboard[i]; break; }
      }
      if (!cue && this.storyboard.length) cue = this.storyboard[this.storyboard.length - 1];
    }
    if (cue && !this.audioMode) {
      image.hidden = false;
      image.style.width = cue.w + "px";
      image.style.height = cue.h + "px";
      image.style.backgroundImage = 'url("' + cue.url + '")';
      image.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
    } else {
      image.hidden = true;
    }
    var chapter = this.chapterAt(seconds);
    this.el.previewChapter.textContent = chapter ? chapter.title : "";
    this.el.previewTime.textContent = formatTime(seconds);
    preview.hidden = false;
    var bar = this.el.seek.getBoundingClientRect();
    var x = clientX !== undefined ? clientX - bar.left : (bar.width * seconds) / duration;
    var half = preview.offsetWidth / 2;
    preview.style.left = clamp(x, half, Math.max(half, bar.width - half)) - half + "px";
  };

  Player.prototype.hidePreview = function () {
    this.el.preview.hidden = true;
  };

  Player.prototype.secondsAtPointer = function (clientX) {
    var bar = this.el.range.getBoundingClientRect();
    return (clamp(clientX - bar.left, 0, bar.width) / (bar.width || 1)) * this.duration();
  };

  /* ---- keyboard ------------------------------------------------------------------------------ */

  Player.prototype.onKey = function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!this.part || !this.part.ready) return;
    var target = event.target;
    var onButton = target.tagName === "BUTTON";
    var onVolume = target === this.el.volume;
    var key = event.key;
    var handled = true;
    switch (key) {
      case " ":
      case "Spacebar":
        if (onButton) return;
        this.togglePlay();
        break;
      case "k": case "K": this.togglePlay(); break;
      case "j": case "J": this.seekBy(-SKIP_STEP); break;
      case "l": case "L": this.seekBy(SKIP_STEP); break;
      case "ArrowLeft": if (onVolume) return; this.seekBy(-SEEK_STEP); break;
      case "ArrowRight": if (onVolume) return; this.seekBy(SEEK_STEP); break;
      case "ArrowUp":
        this.setVolume(this.video.volume + VOLUME_STEP);
        this.announce(this.label("Volume") + " " + Math.round(this.video.volume * 100) + " %");
        break;
      case "ArrowDown":
        this.setVolume(this.video.volume - VOLUME_STEP);
        this.announce(this.label("Volume") + " " + Math.round(this.video.volume * 100) + " %");
        break;
      case "m": case "M":
        this.toggleMute();
        this.announce(this.video.muted ? this.label("Muted") : this.label("Volume") + " " + Math.round(this.video.volume * 100) + " %");
        break;
      case "f": case "F": this.toggleFullscreen(); break;
      case "c": case "C":
        if (!this.captionTrack) return;
        this.toggleCaptions();
        break;
      case "<": this.stepSpeed(-1); break;
      case ">": this.stepSpeed(1); break;
      case "Home": if (onVolume) return; this.seekTo(0); break;
      case "End": if (onVolume) return; this.seekTo(this.duration()); break;
      default:
        if (/^[0-9]$/.test(key)) this.seekTo((this.duration() * parseInt(key, 10)) / 10);
        else handled = false;
    }
    if (handled) event.preventDefault();
  };

  /* ---- events -------------------------------------------------------------------------------- */

  Player.prototype.bind = function () {
    var self = this;
    var video = this.video;
    var el = this.el;

    video.addEventListener("play", function () {
      if (!self.started) {
        self.started = true;
        if (self.hls) self.hls.config.maxMaxBufferLength = PLAYING_BUFFER_SECONDS;
      }
      self.hideNotices();
      self.updatePlayState();
    });
    video.addEventListener("pause", function () {
      self.updatePlayState();
      if (!video.ended && !video.seeking) self.savePosition({ force: true });
    });
    video.addEventListener("ended", function () {
      self.updatePlayState();
      // Finished: saved at the end, so lists show the part as watched; worthResuming starts the next visit
      // from the beginning.
      self.savePosition({ force: true, seconds: self.duration() || video.currentTime });
      self.offerNextPart();
    });
    video.addEventListener("timeupdate", function () {
      self.updateTime();
      if (!video.paused && Date.now() - self.lastSaved >= SAVE_EVERY_MS) self.savePosition();
    });
    video.addEventListener("durationchange", function () { self.updateTime(); self.drawMarkersFromVideo(); });
    video.addEventListener("progress", function () { self.updateBuffered(); });
    video.addEventListener("seeked", function () { self.updateTime(); });
    video.addEventListener("waiting", function () { self.root.classList.add("player--waiting"); });
    ["playing", "canplay", "seeked", "pause", "error"].forEach(function (name) {
      video.addEventListener(name, function () { self.root.classList.remove("player--waiting"); });
    });
    video.addEventListener("volumechange", function () { self.updateVolume(); });
    video.addEventListener("ratechange", function () {
      if (video.playbackRate !== (self.speed || 1) && SPEEDS.indexOf(video.playbackRate) >= 0) self.setSpeed(video.playbackRate);
    });
    video.addEventListener("error", function () {
      if (self.mode === "native" && video.getAttribute("src")) {
        // Safari's own player cannot renew signed addresses: past their expiry, ask whether the viewer may still
        // watch and load the master again (freshly signed) where playback was; at most once a minute.
        var part = self.part;
        if (part && part.signatureUrl && window.VksndHlsSigning &&
            (!self.nativeReloadedAt || Date.now() - self.nativeReloadedAt > 60000)) {
          self.nativeReloadedAt = Date.now();
          var at = video.currentTime;
          var signer = window.VksndHlsSigning.forMaster(part.master, {
            signatureUrl: part.signatureUrl,
            onLost: function () { if (self.part === part) self.accessLost(); },
          });
          signer.renew().then(function () {
            if (self.part === part) self.attach(self.audioMode ? part.audio : part.master, at, true);
          }, function () {});
          return;
        }
        self.root.dataset.state = "error";
        self.showMessage(self.label("PlaybackError"));
      }
    });
    video.addEventListener("click", function () { self.togglePlay(); self.stage.focus({ preventScroll: true }); });
    video.addEventListener("dblclick", function () { self.toggleFullscreen(); });

    el.bigPlay.addEventListener("click", function () { self.play(); self.stage.focus({ preventScroll: true }); });
    el.play.addEventListener("click", function () { self.togglePlay(); });
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-skip]"), function (button) {
      button.addEventListener("click", function () { self.seekBy(parseFloat(button.dataset.skip)); });
    });
    el.mute.addEventListener("click", function () { self.toggleMute(); });
    el.volume.addEventListener("input", function () { self.setVolume(parseFloat(el.volume.value)); });
    el.fullscreen.addEventListener("click", function () { self.toggleFullscreen(); });
    el.captions.addEventListener("click", function () { self.toggleCaptions(); });
    // Only this script sets caption modes (the player has no native controls): anything else that
    // changes them (hls.js handling its own subtitle tracks) is put back to the viewer's choice.
    if (video.textTracks && video.textTracks.addEventListener) {
      video.textTracks.addEventListener("change", function () { self.applyCaptionMode(); });
    }
    this.bindTranscript();
    el.startOver.addEventListener("click", function () { self.seekTo(0); self.play(); });
    el.nextButton.addEventListener("click", function () {
      self.loadPart(self.partIndex + 1, { startAt: null, autoplay: true });
    });
    document.addEventListener("fullscreenchange", function () { self.onFullscreenChange(); });
    document.addEventListener("webkitfullscreenchange", function () { self.onFullscreenChange(); });

    // Seek bar: dragging previews and moves the time display; the video seeks when it is let go.
    var range = el.range;
    range.addEventListener("input", function () {
      self.scrubbing = true;
      var seconds = parseFloat(range.value);
      self.updateTime(seconds);
      self.showPreview(seconds);
    });
    var commit = function () {
      self.scrubbing = false;
      var seconds = parseFloat(range.value);
      if (Math.abs(video.currentTime - seconds) > 0.01) self.seekTo(seconds);
    };
    range.addEventListener("change", function () {
      commit();
      self.hidePreview();
    });
    // Let go without a change event (dropped where it was picked up): stop scrubbing all the same.
    range.addEventListener("pointerup", function () { if (self.scrubbing) commit(); });
    range.addEventListener("pointermove", function (event) { self.showPreview(self.secondsAtPointer(event.clientX), event.clientX); });
    range.addEventListener("pointerleave", function () { if (!self.scrubbing) self.hidePreview(); });
    range.addEventListener("blur", function () { self.hidePreview(); });

    // Menus.
    Object.keys(this.menus).forEach(function (name) {
      var menu = self.menus[name];
      menu.button.addEventListener("click", function () {
        if (menu.list.hidden) self.openMenu(name);
        else self.closeMenus(null, true);
      });
      menu.button.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          event.stopPropagation();
          self.openMenu(name);
        }
      });
      menu.list.addEventListener("keydown", function (event) { self.onMenuKey(name, event); });
      menu.list.addEventListener("click", function (event) {
        var item = event.target.closest("[role=menuitemradio]");
        if (item) self.pickFromMenu(name, item.dataset.value);
      });
    });
    document.addEventListener("click", function (event) {
      if (self.openMenuName && !event.target.closest(".player__menu")) self.closeMenus(null, false);
    });

    this.screen.addEventListener("keydown", function (event) {
      if (event.target.closest("[role=menu]")) return;
      self.onKey(event);
    });

    // Parts and chapters: links that also work without the script; with it, no page reload.
    this.partLinks.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(link.dataset.partLink, 10) - 1;
        if (index === self.partIndex) return;
        self.rememberPartInAddress(index);
        self.loadPart(index, { startAt: null, autoplay: self.started });
      });
    });
    this.chapters.forEach(function (chapter) {
      chapter.link.addEventListener("click", function (event) {
        event.preventDefault();
        var index = chapter.part - 1;
        if (!self.parts[index]) return;
        if (index !== self.partIndex) {
          self.rememberPartInAddress(index);
          self.loadPart(index, { startAt: chapter.start, autoplay: true });
        } else if (self.part.ready) {
          self.seekTo(chapter.start);
          self.play();
        }
        if (self.stage.getBoundingClientRect().top < 0) self.stage.scrollIntoView({ block: "start" });
      });
    });

    // Leaving the page (closing, navigating, switching app on a phone): a beacon survives it.
    window.addEventListener("pagehide", function () { self.savePosition({ beacon: true }); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") self.savePosition({ beacon: true });
    });

    // In full screen the controls make way for the picture when the mouse rests.
    this.screen.addEventListener("pointermove", function () { self.wake(); });
    this.screen.addEventListener("focusin", function () { self.wake(); });
  };

  Player.prototype.drawMarkersFromVideo = function () {
    if (this.part && !this.part.duration && isFinite(this.video.duration)) {
      this.part.duration = this.video.duration;
      this.drawMarkers();
    }
  };

  Player.prototype.wake = function () {
    var self = this;
    this.root.classList.remove("player--idle");
    window.clearTimeout(this.idleTimer);
    this.idleTimer = window.setTimeout(function () {
      if (!self.video.paused && !self.openMenuName) self.root.classList.add("player--idle");
    }, 3000);
  };

  Player.prototype.rememberPartInAddress = function (index) {
    var url = new URL(window.location.href);
    url.searchParams.delete("t");
    if (index === 0) url.searchParams.delete("part");
    else url.searchParams.set("part", String(index + 1));
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  };

  Player.prototype.offerNextPart = function () {
    var next = this.parts[this.partIndex + 1];
    if (!next || !next.ready) return;
    this.el.nextButton.textContent = this.label("NextPart") + " " + next.title;
    this.el.next.hidden = false;
  };

  /* ---- captions ------------------------------------------------------------------------------ */

  Player.prototype.setCaptionTrack = function (part) {
    Array.prototype.forEach.call(this.video.querySelectorAll("track[data-caption-track]"), function (old) {
      old.parentNode.removeChild(old);
    });
    this.captionTrack = null;
    this.el.captions.hidden = !(part.ready && part.captions);
    if (!part.ready || !part.captions) return;
    var track = document.createElement("track");
    track.kind = "captions";
    track.srclang = part.captionsLang || "vi";
    track.label = part.captionsLabel || "";
    track.src = part.captions;
    track.default = true;
    track.setAttribute("data-caption-track", "");
    this.video.appendChild(track);
    this.captionTrack = track;
    this.applyCaptionMode();
  };

  Player.prototype.applyCaptionMode = function () {
    var track = this.captionTrack;
    this.el.captions.setAttribute("aria-pressed", String(!!(track && this.captionsOn)));
    if (!track || !track.track) return;
    // "hidden" rather than "disabled": the cues stay loaded, so switching back on is instant.
    var mode = this.captionsOn ? "showing" : "hidden";
    if (track.track.mode !== mode) track.track.mode = mode;
  };

  Player.prototype.toggleCaptions = function () {
    this.captionsOn = !this.captionsOn;
    this.settings.captions = this.captionsOn;
    writeSettings(this.settings);
    this.applyCaptionMode();
    this.announce(this.captionsOn ? this.label("CaptionsOn") : this.label("CaptionsOff"));
  };

  /* ---- transcript panel ---------------------------------------------------------------------- */

  Player.prototype.bindTranscript = function () {
    var self = this;
    var el = this.el;
    if (!el.transcript) return;
    var scroller = el.transcriptScroll;
    var reading = function () { self.stopFollowing(); };
    // Signs that the viewer moves the list themselves; scrolls this script makes fire none of these.
    scroller.addEventListener("wheel", reading, { passive: true });
    scroller.addEventListener("touchmove", reading, { passive: true });
    scroller.addEventListener("pointerdown", function (event) {
      if (event.target === scroller) reading(); // the scroll bar
    });
    el.transcriptList.addEventListener("click", function (event) {
      var line = event.target.closest("[data-line]");
      if (line) self.seekToLine(parseInt(line.dataset.line, 10));
    });
    el.transcriptList.addEventListener("keydown", function (event) { self.onLineKey(event); });
    scroller.addEventListener("keydown", function (event) {
      if (event.key === "PageUp" || event.key === "PageDown") reading();
    });
    el.transcriptFilter.addEventListener("input", function () { self.filterLines(el.transcriptFilter.value); });
    el.transcriptFilter.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && el.transcriptFilter.value) {
        event.preventDefault();
        el.transcriptFilter.value = "";
        self.filterLines("");
      }
    });
    el.transcriptFollow.addEventListener("click", function () {
      self.following = true;
      el.transcriptFollow.hidden = true;
      self.scrollToLine(self.currentLine, true);
    });
  };

  Player.prototype.loadTranscript = function (part) {
    var self = this;
    var el = this.el;
    if (!el.transcript) return;
    this.lines = [];
    this.lineSegments = [];
    this.currentLine = -1;
    this.following = true;
    el.transcriptFollow.hidden = true;
    el.transcriptList.textContent = "";
    var available = part.ready && !!part.transcriptUrl;
    el.transcript.hidden = !available;
    this.root.classList.toggle("player--with-transcript", available);
    if (el.layout) el.layout.classList.toggle("player__layout--with-side", available || this.hasSide);
    if (el.side) el.side.hidden = !(available || this.hasSide);
    if (!available) return;
    el.transcriptDownloadText.href = part.transcriptText;
    el.transcriptDownloadVtt.href = part.captions + (part.captions.indexOf("?") >= 0 ? "&" : "?") + "download=1";
    if (part.segments) {
      this.drawLines(part.segments);
      return;
    }
    this.showTranscriptStatus(this.label("TranscriptLoading"));
    fetch(part.transcriptUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        part.segments = (data.segments || []).map(function (segment) {
          return { start: segment.start, end: segment.end, text: segment.text, folded: foldText(segment.text) };
        });
        if (self.part === part) self.drawLines(part.segments);
      })
      .catch(function () {
        if (self.part === part) self.showTranscriptStatus(self.label("TranscriptError"));
      });
  };

  Player.prototype.showTranscriptStatus = function (text) {
    this.el.transcriptStatus.textContent = text;
    this.el.transcriptStatus.hidden = !text;
  };

  Player.prototype.drawLines = function (segments) {
    var list = this.el.transcriptList;
    var fragment = document.createDocumentFragment();
    this.lineSegments = segments;
    this.lines = segments.map(function (segment, index) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "player-transcript__line";
      button.dataset.line = String(index);
      button.dataset.start = String(segment.start);
      button.tabIndex = index === 0 ? 0 : -1;
      var time = document.createElement("span");
      time.className = "player-transcript__time";
      time.textContent = formatTime(segment.start);
      var text = document.createElement("span");
      text.className = "player-transcript__text";
      text.textContent = segment.text;
      button.appendChild(time);
      button.appendChild(document.createTextNode(" "));
      button.appendChild(text);
      item.appendChild(button);
      fragment.appendChild(item);
      return { segment: segment, item: item, button: button, text: text };
    });
    list.textContent = "";
    list.appendChild(fragment);
    this.showTranscriptStatus("");
    this.currentLine = -1;
    this.filterLines(this.el.transcriptFilter.value);
    this.markCurrentLine(this.part && this.part.ready ? this.video.currentTime : 0);
  };

  Player.prototype.filterLines = function (query) {
    var words = searchWords(query);
    var shown = 0;
    this.lines.forEach(function (line) {
      var matches = words.every(function (word) { return line.segment.folded.indexOf(word) >= 0; });
      line.item.hidden = !matches;
      if (matches) shown++;
      var text = line.segment.text;
      if (!words.length || !matches) {
        line.text.textContent = text;
        return;
      }
      line.text.textContent = "";
      var at = 0;
      matchRanges(text, words).forEach(function (range) {
        if (range[0] > at) line.text.appendChild(document.createTextNode(text.slice(at, range[0])));
        var mark = document.createElement("mark");
        mark.textContent = text.slice(range[0], range[1]);
        line.text.appendChild(mark);
        at = range[1];
      });
      if (at < text.length) line.text.appendChild(document.createTextNode(text.slice(at)));
    });
    var count = this.el.transcriptCount;
    if (!words.length) count.textContent = "";
    else if (!shown) count.textContent = this.label("TranscriptNoMatches");
    else count.textContent = this.label("TranscriptMatches") + " " + shown;
    this.updateTabStop();
    if (!words.length) this.scrollToLine(this.currentLine, true);
  };

  Player.prototype.markCurrentLine = function (seconds) {
    if (!this.lines.length) return;
    var index = lineAt(this.lineSegments, seconds);
    if (index === this.currentLine) return;
    var previous = this.lines[this.currentLine];
    if (previous) previous.button.removeAttribute("aria-current");
    this.currentLine = index;
    var line = this.lines[index];
    if (!line) return;
    line.button.setAttribute("aria-current", "true");
    this.updateTabStop();
    if (this.following) this.scrollToLine(index, false);
  };

  /** Keep the current line in view inside the panel: only the panel scrolls, never the page. */
  Player.prototype.scrollToLine = function (index, always) {
    var line = this.lines[index];
    var scroller = this.el.transcriptScroll;
    if (!line || line.item.hidden || !scroller || this.el.transcript.hidden) return;
    var top = line.button.offsetTop;
    var bottom = top + line.button.offsetHeight;
    var visibleTop = scroller.scrollTop;
    var visibleBottom = visibleTop + scroller.clientHeight;
    if (!always && top >= visibleTop + 8 && bottom <= visibleBottom - scroller.clientHeight / 3) return;
    var target = Math.max(0, top - scroller.clientHeight / 3);
    var smooth = !always && !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
    if (scroller.scrollTo) scroller.scrollTo({ top: target, behavior: smooth ? "smooth" : "auto" });
    else scroller.scrollTop = target;
  };

  Player.prototype.stopFollowing = function () {
    if (!this.following || !this.lines.length) return;
    this.following = false;
    this.el.transcriptFollow.hidden = false;
  };

  /** The one line reachable with Tab: the focused one while the viewer is in the list, else the current one. */
  Player.prototype.updateTabStop = function () {
    if (!this.lines.length) return;
    var list = this.el.transcriptList;
    if (list.contains(document.activeElement)) return;
    var visible = this.lines.filter(function (line) { return !line.item.hidden; });
    var current = this.lines[this.currentLine];
    var stop = current && !current.item.hidden ? current : visible[0];
    this.lines.forEach(function (line) { line.button.tabIndex = line === stop ? 0 : -1; });
  };

  Player.prototype.onLineKey = function (event) {
    var visible = this.lines.filter(function (line) { return !line.item.hidden; });
    var index = -1;
    for (var i = 0; i < visible.length; i++) {
      if (visible[i].button === document.activeElement) index = i;
    }
    if (index < 0) return;
    var target = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: visible.length - 1 }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    var line = visible[clamp(target, 0, visible.length - 1)];
    visible.forEach(function (other) { other.button.tabIndex = other === line ? 0 : -1; });
    this.stopFollowing();
    line.button.focus(); // the browser scrolls the panel to it
  };

  Player.prototype.seekToLine = function (index) {
    var line = this.lines[index];
    if (!line || !this.part || !this.part.ready) return;
    this.following = true;
    this.el.transcriptFollow.hidden = true;
    this.seekTo(line.segment.start);
    this.markCurrentLine(line.segment.start);
    this.play();
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-player]"), function (root) {
      if (!root.playerInstance) root.playerInstance = new Player(root);
    });
  }

  window.VksndPlayer = {
    parseTime: parseTime,
    formatTime: formatTime,
    parseStoryboard: parseStoryboard,
    foldText: foldText,
    matchRanges: matchRanges,
    lineAt: lineAt,
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
