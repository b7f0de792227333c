// Keep the state and progress of recordings up to date on admin pages without reloading.
(function () {
  "use strict";
  const cells = () => Array.from(document.querySelectorAll("[data-video-id]"));
  const busy = (state) => state === "queued" || state === "processing" || state === "uploaded";

  function refresh() {
    const waiting = cells().filter((cell) => busy(cell.dataset.videoState));
    if (!waiting.length) return;
    const query = waiting.map((cell) => "id=" + encodeURIComponent(cell.dataset.videoId)).join("&");
    fetch((window.MEDIA_STATUS_URL || "/admin/media/videos/status/") + "?" + query, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { videos: [] }))
      .then((data) => {
        data.videos.forEach((video) => {
          document.querySelectorAll('[data-video-id="' + video.id + '"]').forEach((cell) => {
            cell.dataset.videoState = video.state;
            const label = cell.querySelector("[data-video-label]");
            if (label) label.textContent = video.label;
            let bar = cell.querySelector("progress");
            if (video.state === "processing") {
              if (!bar) {
                bar = document.createElement("progress");
                bar.max = 100;
                cell.appendChild(bar);
              }
              bar.value = video.progress;
            } else if (bar) {
              bar.remove();
            }
          });
        });
      })
      .catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (cells().length) window.setInterval(refresh, 3000);
  });
})();
