// Live progress on /imagine/ID. Without it the page reloads itself every few seconds (noscript).
// Text from the server goes in with textContent and attributes, never as HTML.
"use strict";
(() => {
  const job = document.getElementById("job");
  if (!job || !("EventSource" in window)) return;
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const source = new EventSource(job.dataset.events);
  const show = (percent, words) => {
    bar.value = percent;
    bar.textContent = `${percent}%`;
    text.textContent = words;
  };
  source.addEventListener("progress", (event) => {
    const data = JSON.parse(event.data);
    if (data.state === "queued") show(0, "Waiting for the GPU…");
    else show(data.percent, `${data.percent}%`);
  });
  source.addEventListener("done", (event) => {
    source.close();
    const data = JSON.parse(event.data);
    show(100, "100%");
    const image = document.createElement("img");
    image.src = data.url;
    image.alt = document.getElementById("description").value;
    if (data.width) image.width = data.width;
    if (data.height) image.height = data.height;
    document.getElementById("preview").replaceChildren(image);
    document.getElementById("cancel")?.remove();
    document.getElementById("publish").hidden = false;
    job.dataset.state = "done";
  });
  source.addEventListener("failed", (event) => {
    source.close();
    show(bar.value, JSON.parse(event.data).error);
    document.getElementById("cancel")?.remove();
    document.getElementById("publish")?.remove();
    job.dataset.state = "failed";
  });
})();
