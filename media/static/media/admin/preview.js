// The preview on a recording's admin page: a plain <video> playing the HLS ladder through the portal's own
// hls.js (no CDN), or natively where the browser plays HLS itself (Safari).
(function () {
  "use strict";

  function showError(video) {
    const message = video.closest("figure").querySelector("[data-preview-error]");
    if (message) message.hidden = false;
  }

  function attach(video) {
    const source = video.dataset.preview;
    if (window.Hls && window.Hls.isSupported()) {
      // Segments come from signed addresses that expire: renew them as playback goes on (player/hls-signing.js).
      const signer = window.VksndHlsSigning ? window.VksndHlsSigning.forMaster(source, {
        onLost: () => { hls.destroy(); showError(video); },
        isPlaying: () => !video.paused,
      }) : null;
      const hls = new window.Hls({ capLevelToPlayerSize: true, xhrSetup: signer ? signer.xhrSetup : undefined });
      let retried = false;
      hls.on(window.Hls.Events.FRAG_LOADED, () => { retried = false; });
      hls.on(window.Hls.Events.ERROR, (event, data) => {
        if (signer && !retried && window.VksndHlsSigning.isSignatureRefusal(data)) {
          retried = true;
          signer.recover().then((renewed) => { if (renewed && data.fatal) hls.startLoad(); });
          return;
        }
        if (data.fatal) {
          if (signer) signer.stop();
          hls.destroy();
          showError(video);
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
      if (signer) signer.start();
      video.dataset.previewReady = "hls";
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source;
      video.dataset.previewReady = "native";
    } else {
      showError(video);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("video[data-preview]").forEach(attach);
  });
})();
