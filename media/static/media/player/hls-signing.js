/*
 * Signed HLS addresses for hls.js: keeps a recording playing across signature renewal.
 *
 * The portal checks permission for a master playlist and lists its renditions at signed addresses,
 * /hls/<token>/<expires>/<output folder>/<file>, good for one session and a few minutes (media/signing.py);
 * segments inherit the prefix. Before the signature runs out, a Signer asks the portal for a fresh prefix
 * (media:hls_signature, next to the master: /media/v/<key>/dia-chi-phat/), which checks permission again, and
 * hls.js's xhrSetup sends every later request to the current prefix. A refusal there (404, 403, or the log-in
 * page: the session ended) means the viewer lost access: `onLost` is called once and nothing is renewed again.
 *
 * Used by the player (player.js) and the admin previews (admin/preview.js, admin/caption_editor.js):
 *   var signer = VksndHlsSigning.forMaster(masterUrl, { onLost: fn, isPlaying: fn });
 *   new Hls({ xhrSetup: signer.xhrSetup, ... });  signer.start();  ...  signer.stop();
 */
(function () {
  "use strict";

  // The scheme and host (if any) up to /hls/, the token, the expiry, the output folder, the rest.
  var SIGNED = /^(.*?\/hls\/)([A-Za-z0-9_-]+)\/(\d+)\/(videos\/[^\/]+\/[^\/]+\/)(.*)$/;
  // Renew when this share of the signature's life has passed (while playing), and never use one this close to
  // its end without renewing first.
  var RENEW_AT = 0.5;
  var SAFETY_MS = 2000;
  var PAUSED_CHECK_MS = 5000;

  function Refused(message) {
    this.name = "Refused";
    this.message = message;
  }
  Refused.prototype = Object.create(Error.prototype);

  function signatureUrlFor(masterUrl) {
    return masterUrl.replace(/master\.m3u8(?:[?#].*)?$/, "dia-chi-phat/");
  }

  function Signer(options) {
    this.url = options.signatureUrl;
    this.onLost = options.onLost || function () {};
    this.isPlaying = options.isPlaying || function () { return true; };
    this.current = null; // { token, expires, dir, renewAt, usableUntil } (times on this browser's clock)
    this.pending = null;
    this.lost = false;
    this.stopped = false;
    this.timer = null;
    this.xhrSetup = this.xhrSetup.bind(this);
  }

  /** Learn the current signature's life now (the master was just signed, so requests go out meanwhile). */
  Signer.prototype.start = function () {
    this.stopped = false;
    this.renew().catch(function () {});
    return this;
  };

  Signer.prototype.stop = function () {
    this.stopped = true;
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = null;
  };

  /** A fresh prefix from the portal. Resolves with it; rejects with Refused when access is gone (and calls
   * onLost once), or with another error when the portal could not be reached (the current prefix stays). */
  Signer.prototype.renew = function () {
    var self = this;
    if (this.lost) return Promise.reject(new Refused("access lost"));
    if (this.pending) return this.pending;
    var asked = Date.now();
    this.pending = window.fetch(this.url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
      redirect: "manual", // a redirect is the log-in page: the session is over
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403 ||
          response.status === 404 || response.status === 410) {
        throw new Refused("refused: " + response.status);
      }
      if (!response.ok) throw new Error("signature: HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      var match = SIGNED.exec(data && data.prefix || "");
      if (!match || typeof data.seconds !== "number") throw new Error("signature: unexpected answer");
      var life = Math.max(1, data.seconds) * 1000;
      self.current = {
        token: match[2],
        expires: match[3],
        dir: match[4],
        renewAt: asked + life * RENEW_AT,
        usableUntil: asked + life - SAFETY_MS,
      };
      self.pending = null;
      self.schedule();
      return self.current;
    }).catch(function (error) {
      self.pending = null;
      if (error instanceof Refused) {
        if (!self.lost) {
          self.lost = true;
          self.stop();
          self.onLost();
        }
      } else if (!self.stopped) {
        // The portal could not be reached: try again a little later, keeping the prefix we have.
        self.arm(PAUSED_CHECK_MS);
      }
      throw error;
    });
    return this.pending;
  };

  Signer.prototype.arm = function (delay) {
    var self = this;
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.timer = null;
      if (self.stopped || self.lost) return;
      // While paused nothing is fetched, so nothing is renewed: the next request (or playing again) does it.
      if (!self.isPlaying()) {
        self.arm(PAUSED_CHECK_MS);
        return;
      }
      if (!self.current || Date.now() >= self.current.renewAt) self.renew().catch(function () {});
      else self.schedule();
    }, Math.max(0, delay));
  };

  Signer.prototype.schedule = function () {
    if (this.stopped || this.lost || !this.current) return;
    this.arm(this.current.renewAt - Date.now());
  };

  /** `url` at the current prefix, when it is a signed address of the same output folder. */
  Signer.prototype.rewrite = function (url) {
    var match = SIGNED.exec(url);
    var current = this.current;
    if (!match || !current || match[4] !== current.dir) return url;
    return match[1] + current.token + "/" + current.expires + "/" + match[4] + match[5];
  };

  /** hls.js's xhrSetup: may return a promise, and opens the request itself when it changes the address. */
  Signer.prototype.xhrSetup = function (xhr, url) {
    var self = this;
    if (!SIGNED.test(url)) return undefined;
    var ready = Promise.resolve(this.current);
    if (this.current && Date.now() >= this.current.renewAt) {
      // Past half its life: renew first if it is nearly over, otherwise renew alongside.
      var renewal = this.renew().catch(function () { return self.current; });
      if (Date.now() >= this.current.usableUntil) ready = renewal;
    }
    return ready.then(function () {
      xhr.open("GET", self.rewrite(url), true);
    });
  };

  /** After a 403/410 from /hls/: renew once; resolves true when a fresh prefix was obtained. */
  Signer.prototype.recover = function () {
    return this.renew().then(function () { return true; }, function () { return false; });
  };

  function forMaster(masterUrl, options) {
    var settings = options || {};
    return new Signer({
      signatureUrl: settings.signatureUrl || signatureUrlFor(masterUrl),
      onLost: settings.onLost,
      isPlaying: settings.isPlaying,
    });
  }

  function isSignatureRefusal(data) {
    var code = data && data.response && data.response.code;
    return code === 403 || code === 410;
  }

  window.VksndHlsSigning = {
    Signer: Signer,
    forMaster: forMaster,
    signatureUrlFor: signatureUrlFor,
    isSignatureRefusal: isSignatureRefusal,
  };
})();
