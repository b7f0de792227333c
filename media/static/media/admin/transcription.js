// Keep the transcription panel of a recording up to date while its job waits or runs; reload when it ends.
(function () {
  "use strict";
  const busy = (state) => state === "queued" || state === "processing";

  function refresh(panel) {
    const url = panel.dataset.statusUrl + "?id=" + encodeURIComponent(panel.dataset.transcriptionVideo);
    return fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { transcriptions: [] }))
      .then((data) => {
        const job = data.transcriptions[0];
        if (!job) return;
        if (!busy(job.state)) {
          window.location.reload();
          return;
        }
        panel.dataset.transcriptionState = job.state;
        const label = panel.querySelector("[data-transcription-label]");
        if (label) label.textContent = job.label;
        let bar = panel.querySelector("progress");
        if (job.state === "processing") {
          if (!bar) {
            bar = document.createElement("progress");
            bar.max = 100;
            label.after(bar);
          }
          bar.value = job.progress;
        }
      })
      .catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-transcription-video]").forEach((panel) => {
      if (!busy(panel.dataset.transcriptionState)) return;
      const timer = window.setInterval(() => {
        if (busy(panel.dataset.transcriptionState)) refresh(panel);
        else window.clearInterval(timer);
      }, 3000);
    });
  });
})();
