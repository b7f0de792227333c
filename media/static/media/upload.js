/*
 * Resumable upload of recordings, for the admin page templates/media/upload.html.
 *
 * Each file is sent in chunks (PATCH with Upload-Offset and a CRC32 Upload-Checksum; the protocol is
 * described in media/upload.py). The session key is remembered in localStorage under the file's
 * fingerprint (name, size, last change), so choosing the same file again, even after the browser was
 * closed, continues from the server's offset. Network errors are retried with a growing delay; a 409
 * answer tells where to continue. Files are uploaded one after the other.
 *
 * Plain JS, no build step, nothing from outside: every text comes from the template.
 */
(function () {
  'use strict';

  const root = document.querySelector('[data-media-upload]');
  if (!root) {
    return;
  }
  const config = JSON.parse(document.getElementById('media-upload-config').textContent);
  const texts = root.querySelector('[data-texts]').dataset;
  const list = root.querySelector('[data-list]');
  const rowTemplate = root.querySelector('[data-row-template]');
  const live = root.querySelector('[data-live]');
  const input = root.querySelector('[data-file-input]');
  const zone = root.querySelector('[data-drop-zone]');
  const language = document.documentElement.lang || undefined;
  const decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const whole = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });

  const MAX_DELAY_SECONDS = 60;
  const MAX_SERVER_ERRORS = 5;
  const STALL_MS = 90000;
  const SPEED_WINDOW_MS = 20000;
  const items = [];
  let rowCount = 0;

  // --- Small helpers ----------------------------------------------------------------------

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  // The same rule as media/titles.py: "tap_huan-phan_1.mp4" → "tap huan phan 1".
  function titleFromFilename(name) {
    const base = name.normalize('NFC').replace(/\\/g, '/').split('/').pop().trim();
    const dot = base.lastIndexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const title = stem.replace(/[_-]+/g, ' ').split(/\s+/).filter(Boolean).join(' ');
    return (title || base).slice(0, 255);
  }

  function formatBytes(bytes) {
    const gb = 1024 * 1024 * 1024;
    const mb = 1024 * 1024;
    if (bytes >= gb) {
      return `${decimal.format(bytes / gb)} ${texts.unitGb}`;
    }
    if (bytes >= mb) {
      return `${decimal.format(bytes / mb)} ${texts.unitMb}`;
    }
    return `${decimal.format(bytes / 1024)} ${texts.unitKb}`;
  }

  function formatPercent(done, total) {
    const percent = total ? Math.floor((1000 * done) / total) / 10 : 100;
    return `${decimal.format(percent)} %`;
  }

  function formatDuration(seconds) {
    const s = Math.max(1, Math.round(seconds));
    if (s >= 3600) {
      return format(texts.hours, { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) });
    }
    if (s >= 60) {
      return format(texts.minutes, { minutes: Math.floor(s / 60), seconds: s % 60 });
    }
    return format(texts.seconds, { seconds: s });
  }

  const CRC_TABLE = (function () {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i += 1) {
      crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    }
    return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
  }

  /* The token the page was given first: in production the CSRF cookie is HttpOnly, so the script
   * cannot read it. The cookie (then a form's hidden field) only stands in for pages without it. */
  function csrfToken() {
    if (config.csrfToken) {
      return config.csrfToken;
    }
    const pattern = new RegExp(`(?:^|;\\s*)${config.csrfCookieName}=([^;]+)`);
    const match = document.cookie.match(pattern);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    const field = document.querySelector('input[name=csrfmiddlewaretoken]');
    return field ? field.value : '';
  }

  function urlFor(template, key) {
    return template.replace(config.keyPlaceholder, key);
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = window.setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        window.clearTimeout(timer);
        resolve();
      });
    });
  }

  class Stopped extends Error {}

  class Refused extends Error {
    constructor(message) {
      super(message);
      this.name = 'Refused';
    }
  }

  /* One request. XHR rather than fetch: it reports upload progress within a chunk, which matters
   * when an 8 MB chunk takes a minute on a regional unit's link. Resolves with {status, data};
   * status 0 means the network failed; "loggedOut" means the login page answered instead. */
  function send(method, url, { body = null, headers = {}, onProgress = null, item = null } = {}) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader('X-CSRFToken', csrfToken());
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      xhr.setRequestHeader('Accept', 'application/json');
      Object.entries(headers).forEach(([name, value]) => xhr.setRequestHeader(name, value));
      let stallTimer = null;
      let stalled = false;
      const watch = () => {
        window.clearTimeout(stallTimer);
        stallTimer = window.setTimeout(() => {
          stalled = true;
          xhr.abort();
        }, STALL_MS);
      };
      if (onProgress) {
        // A connection can hang without failing: no progress for a while counts as a network error.
        xhr.upload.onprogress = (event) => {
          watch();
          onProgress(event.loaded);
        };
        xhr.upload.onloadstart = watch;
        xhr.upload.onload = () => window.clearTimeout(stallTimer);
      }
      xhr.onloadend = () => window.clearTimeout(stallTimer);
      xhr.onload = () => {
        const type = xhr.getResponseHeader('Content-Type') || '';
        let data = null;
        if (type.includes('application/json')) {
          try {
            data = JSON.parse(xhr.responseText);
          } catch (error) {
            data = null;
          }
        }
        const redirected = xhr.responseURL && new URL(xhr.responseURL).pathname !== new URL(url, window.location.href).pathname;
        const loggedOut = redirected || (xhr.status === 403 && !data);
        resolve({ status: xhr.status, data, loggedOut });
      };
      xhr.onerror = () => resolve({ status: 0, data: null, loggedOut: false });
      xhr.onabort = () => resolve({ status: 0, data: null, loggedOut: false, aborted: !stalled });
      if (item) {
        item.xhr = xhr;
      }
      xhr.send(body);
    });
  }

  // --- One file ---------------------------------------------------------------------------

  class Upload {
    constructor(file) {
      rowCount += 1;
      this.file = file;
      this.fingerprint = `${file.size}-${file.lastModified}-${crc32(new TextEncoder().encode(file.name))}`;
      this.storageKey = `${config.storagePrefix}${this.fingerprint}`;
      this.key = null;
      this.offset = 0;
      this.phase = 'waiting';
      this.controller = new AbortController();
      this.samples = [];
      this.lastAnnounced = -1;
      this.xhr = null;
      this.buildRow(rowCount);
    }

    buildRow(number) {
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      const id = `media-upload-title-${number}`;
      this.row = row;
      this.el = {
        name: row.querySelector('[data-name]'),
        size: row.querySelector('[data-size]'),
        title: row.querySelector('[data-title]'),
        progress: row.querySelector('[data-progress]'),
        numbers: row.querySelector('[data-numbers]'),
        status: row.querySelector('[data-status]'),
        error: row.querySelector('[data-error]'),
        done: row.querySelector('[data-done]'),
        link: row.querySelector('[data-link]'),
        pause: row.querySelector('[data-pause]'),
        cancel: row.querySelector('[data-cancel]'),
      };
      row.querySelector('[data-title-label]').setAttribute('for', id);
      this.el.title.id = id;
      this.el.title.value = titleFromFilename(this.file.name);
      this.el.name.textContent = this.file.name;
      this.el.size.textContent = `(${formatBytes(this.file.size)})`;
      this.el.progress.setAttribute('aria-label', format(texts.progressLabel, { name: this.file.name }));
      this.el.pause.addEventListener('click', () => (this.phase === 'paused' ? this.resume() : this.pause()));
      this.el.cancel.addEventListener('click', () => this.cancel());
      this.setStatus(texts.waiting);
      list.appendChild(row);
    }

    setPhase(phase) {
      this.phase = phase;
      this.row.dataset.phase = phase;
      this.el.pause.textContent = phase === 'paused' ? texts.resume : texts.pause;
      this.el.pause.disabled = !['waiting', 'active', 'paused'].includes(phase);
    }

    setStatus(text) {
      this.el.status.textContent = text;
    }

    // "Uploaded. Processing: <state>", the state a cell that the admin's status.js keeps up to date (being saved
    // to storage, waiting, 56 %, ready), so that an editor who stays on this page sees the conversion end here.
    showState(video) {
      const marker = '\u2063';
      const [before, after] = format(texts.done, { state: marker }).split(marker);
      const cell = document.createElement('span');
      cell.dataset.videoId = String(video.id);
      cell.dataset.videoState = video.state;
      cell.dataset.videoBar = 'off';
      const label = document.createElement('span');
      label.dataset.videoLabel = '';
      label.textContent = video.state_label;
      cell.appendChild(label);
      this.el.status.replaceChildren(before || '', cell, after || '');
    }

    announce(text) {
      live.textContent = text;
    }

    showError(message) {
      this.el.error.textContent = message;
      this.el.error.hidden = !message;
    }

    get title() {
      return this.el.title.value.trim();
    }

    remember() {
      try {
        window.localStorage.setItem(this.storageKey, JSON.stringify({ key: this.key, name: this.file.name }));
      } catch (error) {
        // Private windows may refuse storage: the server still finds the session by fingerprint.
      }
    }

    forget() {
      try {
        window.localStorage.removeItem(this.storageKey);
      } catch (error) {
        // nothing to forget
      }
      forgetUnfinished(this.key);
    }

    remembered() {
      try {
        const stored = JSON.parse(window.localStorage.getItem(this.storageKey) || 'null');
        return stored && stored.key ? stored.key : null;
      } catch (error) {
        return null;
      }
    }

    showProgress(sent) {
      const total = this.file.size;
      const now = Date.now();
      this.samples.push([now, sent]);
      while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) {
        this.samples.shift();
      }
      this.el.progress.value = total ? (100 * sent) / total : 100;
      const parts = [format(texts.numbers, { percent: formatPercent(sent, total), sent: formatBytes(sent), total: formatBytes(total) })];
      const [firstTime, firstBytes] = this.samples[0];
      const seconds = (now - firstTime) / 1000;
      if (seconds >= 2 && sent > firstBytes) {
        const speed = (sent - firstBytes) / seconds;
        parts.push(format(texts.speed, { speed: formatBytes(speed) }));
        if (sent < total) {
          parts.push(format(texts.timeLeft, { time: formatDuration((total - sent) / speed) }));
        }
      }
      this.el.numbers.textContent = parts.join(' · ');
      const tenth = Math.floor((10 * sent) / (total || 1));
      if (tenth !== this.lastAnnounced) {
        this.lastAnnounced = tenth;
        this.announce(format(texts.announce, { name: this.file.name, percent: formatPercent(sent, total) }));
      }
    }

    // Wait before retrying, growing the delay; "online" cuts the wait short.
    async backoff(attempt, signal) {
      const seconds = Math.min(MAX_DELAY_SECONDS, 2 ** Math.min(attempt, 6)) * (0.75 + Math.random() / 2);
      const waited = new AbortController();
      const wake = () => waited.abort();
      signal.addEventListener('abort', wake);
      window.addEventListener('online', wake, { once: true });
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until && !waited.signal.aborted) {
        this.setStatus(format(texts.retrying, { seconds: Math.ceil((until - Date.now()) / 1000) }));
        await sleep(1000, waited.signal);
      }
      window.removeEventListener('online', wake);
      this.checkStopped(signal);
    }

    // Each run has its own signal: a run paused and resumed at once must not go on beside the new one.
    checkStopped(signal) {
      if (signal.aborted) {
        throw new Stopped();
      }
    }

    /* Send a request until the server answers something other than a network failure or a 5xx.
     * A server that keeps failing (MAX_SERVER_ERRORS 5xx answers in a row) is not waited for: its
     * answer goes to the caller, which stops with the server's own message. */
    async request(signal, method, url, options = {}) {
      let serverErrors = 0;
      for (let attempt = 0; ; attempt += 1) {
        this.checkStopped(signal);
        const answer = await send(method, url, { ...options, item: this });
        this.checkStopped(signal);
        if (answer.loggedOut) {
          this.pause();
          this.showError(texts.loggedOut);
          throw new Stopped();
        }
        const transient = answer.status === 0 || answer.status >= 500 || [408, 423, 429].includes(answer.status);
        serverErrors = answer.status >= 500 ? serverErrors + 1 : 0;
        if (!transient || answer.status === 507 || serverErrors >= MAX_SERVER_ERRORS) {
          return answer;
        }
        await this.backoff(attempt, signal);
        this.setStatus(texts.uploading);
      }
    }

    refuse(answer) {
      const message = answer.data && answer.data.error ? answer.data.error : format(texts.serverError, { status: answer.status });
      throw new Refused(message);
    }

    async open(signal) {
      const known = this.remembered();
      if (known) {
        const answer = await this.request(signal, 'GET', urlFor(config.sessionUrl, known));
        if (answer.status === 200 && answer.data && !answer.data.error) {
          this.key = known;
          return answer.data;
        }
        this.forget();
      }
      const body = JSON.stringify({ filename: this.file.name, size: this.file.size, title: this.title, fingerprint: this.fingerprint });
      const answer = await this.request(signal, 'POST', config.createUrl, { body, headers: { 'Content-Type': 'application/json' } });
      if (answer.status !== 200 && answer.status !== 201) {
        this.refuse(answer);
      }
      this.key = answer.data.key;
      this.remember();
      return answer.data;
    }

    async sendChunks(signal) {
      const size = this.file.size;
      let failures = 0;
      while (this.offset < size) {
        this.checkStopped(signal);
        const end = Math.min(size, this.offset + config.chunkSize);
        let bytes;
        try {
          bytes = new Uint8Array(await this.file.slice(this.offset, end).arrayBuffer());
        } catch (error) {
          throw new Refused(texts.unreadable);
        }
        const start = this.offset;
        const answer = await this.request(signal, 'PATCH', urlFor(config.sessionUrl, this.key), {
          body: bytes,
          headers: {
            'Content-Type': 'application/offset+octet-stream',
            'Upload-Offset': String(start),
            'Upload-Checksum': `crc32 ${crc32(bytes)}`,
          },
          onProgress: (loaded) => this.showProgress(start + Math.min(loaded, bytes.length)),
        });
        if (answer.status === 200) {
          failures = 0;
          if (answer.data.checked && !this.wasChecked) {
            this.wasChecked = true;
            this.setStatus(texts.checked);
          }
          this.offset = answer.data.offset;
        } else if (answer.status === 409 && answer.data && typeof answer.data.offset === 'number') {
          this.offset = answer.data.offset;
        } else if (answer.status === 460) {
          failures += 1;
          if (failures > 5) {
            this.refuse(answer);
          }
          await this.backoff(failures, signal);
          this.setStatus(texts.uploading);
        } else {
          this.refuse(answer);
        }
        this.showProgress(this.offset);
      }
    }

    async finish(signal) {
      this.setStatus(texts.finishing);
      const body = JSON.stringify({ title: this.title });
      const answer = await this.request(signal, 'POST', urlFor(config.completeUrl, this.key), {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      if (answer.status !== 200 || !answer.data || !answer.data.video) {
        this.refuse(answer);
      }
      this.showDone(answer.data.video);
    }

    showDone(video) {
      this.forget();
      this.setPhase('done');
      this.el.title.readOnly = true;
      this.el.progress.value = 100;
      this.showState(video);
      this.el.link.href = video.admin_url;
      this.el.done.hidden = false;
      this.showError(video.state === 'failed' ? video.error : '');
      this.announce(format(texts.done, { state: video.state_label }));
    }

    async run() {
      this.setPhase('active');
      this.controller = new AbortController();
      const { signal } = this.controller;
      this.showError('');
      this.setStatus(texts.starting);
      try {
        const session = await this.open(signal);
        if (session.video) {
          this.showDone(session.video);
          return;
        }
        this.offset = session.offset;
        this.wasChecked = session.checked;
        this.samples = [];
        this.showProgress(this.offset);
        this.setStatus(this.offset > 0 ? format(texts.resuming, { percent: formatPercent(this.offset, this.file.size) }) : texts.uploading);
        await this.sendChunks(signal);
        await this.finish(signal);
      } catch (error) {
        if (error instanceof Stopped) {
          return;
        }
        this.setPhase('failed');
        this.el.title.readOnly = true;
        this.setStatus(texts.failed);
        this.showError(error instanceof Refused ? error.message : String(error));
        this.announce(`${this.file.name}: ${texts.failed} ${error.message || ''}`);
        this.forget();
      }
    }

    pause() {
      if (!['waiting', 'active'].includes(this.phase)) {
        return;
      }
      this.controller.abort();
      if (this.xhr) {
        this.xhr.abort();
      }
      this.setPhase('paused');
      this.setStatus(texts.paused);
      this.announce(`${this.file.name}: ${texts.paused}`);
      pump();
    }

    resume() {
      this.setPhase('waiting');
      this.showError('');
      this.setStatus(texts.waiting);
      pump();
    }

    async cancel() {
      if (!window.confirm(format(texts.confirmCancel, { name: this.file.name }))) {
        return;
      }
      const before = { phase: this.phase, status: this.el.status.textContent };
      this.controller.abort();
      if (this.xhr) {
        this.xhr.abort();
      }
      this.setPhase('cancelled');
      this.setStatus(texts.cancelled);
      this.announce(`${this.file.name}: ${texts.cancelled}`);
      const key = this.key || this.remembered();
      this.key = key;
      this.forget();
      pump();
      if (key) {
        const answer = await send('DELETE', urlFor(config.sessionUrl, key));
        if (answer.status === 409) {
          // Uploaded, its original still being stored: the server keeps it, and says so.
          const message = (answer.data && answer.data.error) || format(texts.serverError, { status: answer.status });
          this.setPhase(before.phase);
          this.setStatus(before.status);
          this.showError(message);
          this.announce(`${this.file.name}: ${message}`);
        }
      }
    }
  }

  // The list of unfinished uploads was drawn when the page loaded: keep it true.
  function forgetUnfinished(key) {
    const section = root.querySelector('[data-unfinished]');
    if (!section || !key) {
      return;
    }
    section.querySelectorAll('[data-unfinished-key]').forEach((entry) => {
      if (entry.dataset.unfinishedKey === key) {
        entry.remove();
      }
    });
    if (!section.querySelector('[data-unfinished-key]')) {
      section.remove();
    }
  }

  // --- The queue: one file at a time ------------------------------------------------------

  function pump() {
    if (items.some((item) => item.phase === 'active')) {
      return;
    }
    const next = items.find((item) => item.phase === 'waiting');
    if (next) {
      next.run().finally(pump);
    }
  }

  function add(files) {
    Array.from(files).forEach((file) => {
      const item = new Upload(file);
      const same = items.find((other) => other.fingerprint === item.fingerprint && ['waiting', 'active', 'paused'].includes(other.phase));
      if (same) {
        item.row.remove();
        same.el.title.focus();
        return;
      }
      items.push(item);
    });
    pump();
  }

  input.addEventListener('change', () => {
    add(input.files);
    input.value = '';
  });

  ['dragenter', 'dragover'].forEach((name) =>
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add('hovered');
    }),
  );
  ['dragleave', 'dragend', 'drop'].forEach((name) =>
    zone.addEventListener(name, () => zone.classList.remove('hovered')),
  );
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      add(event.dataTransfer.files);
    }
  });
  // A file dropped next to the zone would otherwise replace the page (and stop the uploads).
  ['dragover', 'drop'].forEach((name) => document.addEventListener(name, (event) => event.preventDefault()));

  window.addEventListener('beforeunload', (event) => {
    if (items.some((item) => item.phase === 'active')) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
})();
