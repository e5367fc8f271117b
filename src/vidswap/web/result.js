// Step 5: follow one swap job (poll its result every second while it runs), then play the
// result beside its source with a download link and how many frames were swapped (a warning
// when the subject was found in under half of them), or say why it failed and that the
// credits were refunded.

import { $, bytes, credits, el, say, setProgress } from "./ui.js";

const METHOD = {
  background: "background replaced",
  object: "object replaced",
  face: "face replaced",
  subject: "person replaced",
};

/** "45 of 90 frames swapped (50%)", or "" for a result without counts (older swaps). */
export function coverage(result) {
  const { swapped_frames: swapped, total_frames: total } = result;
  if (swapped == null || !total) return "";
  return `${swapped} of ${total} frames swapped (${Math.floor((100 * swapped) / total)}%)`;
}

/** The reason, and that the credits came back (unless the server's reason says so already). */
export function refunded(why, spent) {
  return /refund/i.test(why) ? why : `${why} The ${credits(spent)} were refunded to your balance.`;
}

const ENDINGS = {
  6: ["This video was deleted.", "It is no longer stored on the server."],
  7: ["This video was refused by content moderation.", "The video did not pass content moderation."],
  8: ["This swap failed.", "The swap could not be generated."],
};

export class ResultView {
  /** `api()` gives the current Api; `onFinished(result)` runs once when a job ends. */
  constructor({ api, onFinished, onError }) {
    this.api = api;
    this.onFinished = onFinished;
    this.onError = onError;
    this.token = 0;
    this.section = $("step-result");
  }

  reset() {
    this.token++;
    this.jobId = null;
    for (const id of ["job-progress", "result-error", "compare", "result-actions"]) $(id).hidden = true;
    for (const id of ["source-video", "result-video"]) {
      const v = $(id);
      v.pause();
      v.removeAttribute("src");
      v.load();
    }
    say($("result-msg"), "");
    $("result-sub").textContent = "Your new video appears here.";
    this.section.dataset.state = "locked";
  }

  /** Follow job `id`; `source` is a URL of its source video ("" when unknown). */
  follow(id, source) {
    this.reset();
    const token = this.token;
    this.jobId = id;
    this.source = source;
    this.section.dataset.state = "active";
    $("result-sub").textContent = `Swap #${id}`;
    $("job-progress").hidden = false;
    $("job-progress").classList.remove("finished");
    $("job-bar").className = "progress";
    this.status("Waiting for a worker…", 0);
    this.poll(token, 0);
  }

  status(text, progress) {
    $("job-status-text").textContent = text;
    $("job-percent").textContent = `${setProgress($("job-bar"), progress / 100)}%`;
  }

  async poll(token, failures) {
    if (token !== this.token) return;
    let result;
    try {
      result = await this.api().get(`/video/result/${this.jobId}`);
    } catch (err) {
      if (token !== this.token) return;
      if (err.badKey || err.code > 0) {
        this.onError(err);
        say($("result-msg"), err.message, "error");
        return;
      }
      say($("result-msg"), "Lost contact with the server; trying again…", "info");
      setTimeout(() => this.poll(token, failures + 1), Math.min(10000, 1000 * 2 ** failures));
      return;
    }
    if (token !== this.token) return;
    say($("result-msg"), "");
    if (result.status === 5) {
      const p = result.progress || 0;
      this.status(p > 0 ? `Generating… ${p}% done` : "Waiting for a worker…", p);
      setTimeout(() => this.poll(token, 0), 1000);
      return;
    }
    this.finish(result);
    this.onFinished(result);
  }

  finish(result) {
    $("job-progress").classList.add("finished");
    if (result.status === 1) return this.done(result);
    $("job-progress").hidden = true;
    const box = $("result-error");
    const lines = ENDINGS[result.status] || ENDINGS[8];
    const why = result.err_msg || lines[1];
    box.replaceChildren(
      el("strong", { text: lines[0] }),
      el("span", { text: result.status === 6 ? why : refunded(why, result.credits) }),
      el("span", { text: "You can change the mask, the image or the quality above and swap again." }),
    );
    box.hidden = false;
    this.section.dataset.state = "active";
  }

  done(result) {
    $("job-bar").classList.add("done");
    this.status("Done", 100);
    $("job-progress").hidden = true;
    const src = $("source-video");
    const out = $("result-video");
    src.hidden = !this.source;
    src.parentElement.hidden = !this.source;
    if (this.source) src.src = this.source;
    out.src = result.url;
    if (result.outputWidth && result.outputHeight) {
      $("compare").style.setProperty("--ratio", `${result.outputWidth} / ${result.outputHeight}`);
    }
    $("compare").hidden = false;
    for (const v of [src, out]) if (v.src) v.play().catch(() => {});
    const link = $("download");
    link.href = result.url;
    link.setAttribute("download", `vidswap-${result.id}.mp4`);
    const parts = [`${result.outputWidth}×${result.outputHeight}`];
    if (result.size) parts.push(bytes(result.size));
    if (result.method) parts.push(METHOD[result.method] || result.method);
    if (coverage(result)) parts.push(coverage(result));
    parts.push(credits(result.credits));
    $("result-meta").textContent = parts.join(" · ");
    $("result-actions").hidden = false;
    $("result-sub").textContent = `Swap #${result.id} is ready.`;
    if (result.coverage_note) say($("result-msg"), result.coverage_note, "warn");
    else say($("result-msg"), "Your video is ready.", "ok");
    this.section.dataset.state = "done";
  }
}
