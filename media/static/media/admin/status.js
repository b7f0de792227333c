// Keep the state and progress of recordings up to date on admin pages without reloading: every element with
// data-video-id (a list's cells, a recording's page, a finished row of the upload page — added at any time) whose
// recording is still busy is refreshed every few seconds. When a recording stops being busy (ready or failed), the
// elements marked data-video-busy-note="<id>" are hidden and those marked data-video-done-note="<id>" shown: a
// page whose preview and details were drawn while converting says so and offers to reload. A cell marked
// data-video-bar="off" gets no progress bar of its own (its label gives the percentage).
(function () {
  "use strict";
  const cells = () => Array.from(document.querySelectorAll("[data-video-id]"));
  const busy = (state) => state === "queued" || state === "processing" || state === "uploaded";

  function settled(id) {
    document.querySelectorAll('[data-video-busy-note="' + id + '"]').forEach((note) => { note.hidden = true; });
    document.querySelectorAll('[data-video-done-note="' + id + '"]').forEach((note) => { note.hidden = false; });
  }

  function refresh() {
    const waiting = cells().filter((cell) => busy(cell.dataset.videoState));
    if (!waiting.length) return;
    const ids = Array.from(new Set(waiting.map((cell) => cell.dataset.videoId)));
    const query = ids.map((id) => "id=" + encodeURIComponent(id)).join("&");
    fetch((window.MEDIA_STATUS_URL || "/admin/media/videos/status/") + "?" + query, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { videos: [] }))
      .then((data) => {
        data.videos.forEach((video) => {
          let ended = false;
          document.querySelectorAll('[data-video-id="' + video.id + '"]').forEach((cell) => {
            ended = ended || (busy(cell.dataset.videoState) && !busy(video.state));
            cell.dataset.videoState = video.state;
            const label = cell.querySelector("[data-video-label]");
            if (label) label.textContent = video.label;
            let bar = cell.querySelector("progress");
            if (video.state === "processing" && cell.dataset.videoBar !== "off") {
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
          if (ended) settled(video.id);
        });
      })
      .catch(() => {});
  }

  // Always running (it asks nothing while no recording is busy): the upload page adds its cells as uploads finish.
  document.addEventListener("DOMContentLoaded", () => window.setInterval(refresh, 3000));
})();
