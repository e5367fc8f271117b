// The account's recent swaps (GET /openapi/v2/video/list, a vidswap extension), newest
// first, refreshed while any of them is still running.

import { refunded } from "./result.js";
import { $, ago, bytes, capitalize, credits, el } from "./ui.js";

const PAGE = 10;
export const STATUS = {
  1: ["done", "Done"],
  5: ["running", "Running"],
  6: ["failed", "Deleted"],
  7: ["moderated", "Refused"],
  8: ["failed", "Failed"],
};

export function title(job) {
  const what = job.mask_name ? capitalize(job.mask_name) : "Swap";
  return job.quality ? `${what} · ${job.quality}` : what;
}

export class JobList {
  /** `api()` returns the current Api or null; `onView(job)` opens a job in step 5. */
  constructor({ api, onView, onError }) {
    this.api = api;
    this.onView = onView;
    this.onError = onError;
    this.list = $("jobs-list");
    this.empty = $("jobs-empty");
    this.more = $("jobs-more");
    this.refreshButton = $("jobs-refresh");
    this.jobs = [];
    this.total = 0;
    this.current = null;
    this.timer = 0;
    this.refreshButton.addEventListener("click", () => this.load());
    this.more.addEventListener("click", () => this.load(this.jobs.length + PAGE));
  }

  clear(text = "Connect with your API key to see your jobs.") {
    clearTimeout(this.timer);
    this.jobs = [];
    this.list.replaceChildren();
    this.empty.textContent = text;
    this.empty.hidden = false;
    this.more.hidden = true;
    this.refreshButton.disabled = true;
  }

  async load(count = Math.max(PAGE, this.jobs.length)) {
    const api = this.api();
    if (!api) return;
    clearTimeout(this.timer);
    this.refreshButton.disabled = false;
    this.list.setAttribute("aria-busy", "true");
    try {
      const resp = await api.get(`/video/list?limit=${Math.min(100, count)}&offset=0`);
      this.jobs = resp.videos;
      this.total = resp.total;
      this.render();
    } catch (err) {
      this.onError(err);
      this.empty.textContent = `Could not load your jobs: ${err.message}`;
      this.empty.hidden = false;
    } finally {
      this.list.removeAttribute("aria-busy");
    }
    if (this.jobs.some((j) => j.status === 5)) {
      this.timer = setTimeout(() => this.load(), 3000);
    }
  }

  highlight(id) {
    this.current = id;
    for (const item of this.list.children) {
      item.classList.toggle("current", item.dataset.id === String(id));
    }
  }

  render() {
    this.empty.hidden = this.jobs.length > 0;
    this.empty.textContent = "No swaps yet. Your finished videos will be listed here.";
    this.more.hidden = this.jobs.length >= this.total;
    this.list.replaceChildren(...this.jobs.map((job) => this.item(job)));
  }

  item(job) {
    const [kind, label] = STATUS[job.status] || ["running", `Status ${job.status}`];
    const li = el("li", { class: `job${job.id === this.current ? " current" : ""}`, "data-id": String(job.id), "data-status": String(job.status) });
    li.append(
      el("div", { class: "job-top" },
        el("span", { class: "job-title", text: title(job) }),
        el("span", { class: `badge ${kind}`, text: label })),
      el("span", { class: "job-when", text: `${ago(job.create_time)} · ${credits(job.credits)}` }),
    );
    if (job.status === 5) {
      const bar = el("div", { class: "progress", role: "progressbar", "aria-label": `${title(job)} progress`, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(job.progress) }, el("span"));
      bar.firstElementChild.style.width = `${job.progress}%`;
      li.append(bar);
    } else if (job.status === 7 || job.status === 8) {
      const why = job.err_msg || (job.status === 7 ? "Refused by content moderation." : "The swap failed.");
      li.append(el("p", { class: "job-note error", text: refunded(why, job.credits) }));
    } else if (job.status === 1) {
      const size = job.size ? ` · ${bytes(job.size)}` : "";
      li.append(el("p", { class: "job-note", text: `${job.outputWidth}×${job.outputHeight}${size}` }));
    }
    const actions = el("div", { class: "job-actions" },
      el("button", { type: "button", class: "secondary small", text: job.status === 5 ? "Follow" : "View", "aria-label": `View ${title(job)}, ${label.toLowerCase()}`, onclick: () => this.onView(job) }));
    if (job.status === 1 && job.url) {
      actions.append(el("a", { class: "button secondary small", href: job.url, download: `vidswap-${job.id}.mp4`, text: "Download", "aria-label": `Download ${title(job)}` }));
    }
    li.append(actions);
    return li;
  }
}
