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
      const hls = new window.Hls({ capLevelToPlayerSize: true });
      hls.on(window.Hls.Events.ERROR, (event, data) => {
        if (data.fatal) {
          hls.destroy();
          showError(video);
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
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
