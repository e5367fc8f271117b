// Step 2 (upload a video: checks before sending, progress, the server's verdict) and the
// keyframe scrubber of step 3 (a range over frame numbers, previewed in a <video>).

import { clearSelection } from "./maskstep.js";
import { VIDEO_EXT, hooks, state, typeProblem } from "./state.js";
import { $, bytes, credits, el, say, seconds, setProgress, videoMetadata } from "./ui.js";

export function clearVideo() {
  if (state.video?.objectUrl) URL.revokeObjectURL(state.video.objectUrl);
  state.video = null;
  clearSelection();
  $("video-card").hidden = true;
  $("video-drop").classList.remove("slim");
  $("video-file").value = "";
  const v = $("scrub-video");
  v.removeAttribute("src");
  v.load();
  v.hidden = true;
  $("stage-empty").hidden = false;
  $("stage-empty").textContent = "Upload a video to choose its keyframe.";
  $("stage").style.aspectRatio = "";
  $("frame").max = "1";
  $("frame").value = "1";
  $("frame-out").textContent = "Frame –";
  $("find-masks").textContent = "Find masks";
  say($("video-msg"), "");
  say($("masks-msg"), "");
}

/** Checks that need no upload (type, size, then duration and size read by the browser);
 * a file the browser cannot read is sent anyway, and the server says what is wrong. */
export async function chooseVideo(file) {
  if (!file || state.busy.has("video")) return;
  const { cfg } = state;
  const msg = $("video-msg");
  clearVideo();
  hooks.updateSteps();
  const problem = typeProblem(file, cfg.media_types, VIDEO_EXT, "video");
  if (problem) return say(msg, problem, "error");
  if (file.size === 0) return say(msg, `“${file.name}” is empty.`, "error");
  if (file.size > cfg.media_max_bytes) {
    return say(msg, `“${file.name}” is ${bytes(file.size)}; videos may be at most ${bytes(cfg.media_max_bytes)}.`, "error");
  }
  const objectUrl = URL.createObjectURL(file);
  say(msg, "Reading the video…", "info");
  const meta = await videoMetadata(objectUrl);
  let refusal = "";
  if (meta && Number.isFinite(meta.duration) && meta.duration > cfg.media_max_seconds + 0.05) {
    refusal = `“${file.name}” is ${seconds(meta.duration)} long; videos may be at most ${seconds(cfg.media_max_seconds)}. Trim it and try again.`;
  } else if (meta && Math.max(meta.width, meta.height) > cfg.video_max_side) {
    refusal = `“${file.name}” is ${meta.width}×${meta.height}; the larger side may be at most ${cfg.video_max_side} pixels.`;
  }
  if (refusal) {
    URL.revokeObjectURL(objectUrl);
    return say(msg, refusal, "error");
  }
  state.video = { file, objectUrl, meta };
  await upload(file);
}

async function upload(file) {
  const bar = $("video-progress");
  $("video-card").hidden = false;
  bar.className = "progress";
  setProgress(bar, 0);
  $("video-name").textContent = file.name;
  $("video-meta").textContent = `${bytes(file.size)} · uploading 0%`;
  say($("video-msg"), "");
  state.busy.add("video");
  hooks.updateSteps();
  try {
    const media = await state.api.upload("/media/upload", "file", file, (f) => {
      $("video-meta").textContent = `${bytes(file.size)} · uploading ${setProgress(bar, f)}%`;
    });
    if (state.video?.file !== file) return; // signed out meanwhile
    if (media.media_type !== "video") throw new Error("This file holds only sound; a swap needs a video.");
    setProgress(bar, 1);
    bar.classList.add("done");
    ready(media);
  } catch (err) {
    hooks.apiTrouble(err);
    setProgress(bar, 1);
    bar.classList.add("failed");
    $("video-meta").textContent = `${bytes(file.size)} · not uploaded`;
    say($("video-msg"), `The server did not accept this video: ${err.message}`, "error");
    if (state.video?.objectUrl) URL.revokeObjectURL(state.video.objectUrl);
    state.video = null;
  } finally {
    state.busy.delete("video");
    $("video-file").value = "";
    hooks.updateSteps();
  }
}

/** The server's numbers (display size, fps, frame count) drive the scrubber. */
function ready(media) {
  const v = state.video;
  v.media = media;
  v.duration = media.duration ?? v.meta?.duration ?? 1;
  v.fps = media.fps || (media.frames && v.duration ? media.frames / v.duration : 25);
  v.frames = media.frames || Math.max(1, Math.round(v.duration * v.fps));
  const w = media.width || v.meta?.width;
  const h = media.height || v.meta?.height;
  const facts = [bytes(v.file.size), seconds(v.duration)];
  if (w && h) facts.push(`${w}×${h}`);
  facts.push(`${Math.round(v.fps * 100) / 100} fps`, `${v.frames} frames`);
  $("video-meta").textContent = facts.join(" · ");
  $("video-drop").classList.add("slim");
  say($("video-msg"), "Uploaded. Now choose the keyframe in step 3.", "ok");
  if (w && h) $("stage").style.aspectRatio = `${w} / ${h}`;
  const range = $("frame");
  range.max = String(v.frames);
  range.value = "1";
  const preview = $("scrub-video");
  if (v.meta) {
    preview.src = v.objectUrl;
    preview.hidden = false;
    $("stage-empty").hidden = true;
  } else {
    $("stage-empty").textContent = "This browser cannot preview this video; the keyframe appears once you find masks.";
  }
  showFrame();
}

export function frameNumber() {
  return Number($("frame").value);
}

export function showFrame() {
  const v = state.video;
  if (!v?.frames) return;
  const n = frameNumber();
  const t = (n - 0.5) / v.fps;
  $("frame-out").replaceChildren("Frame ", el("strong", { text: String(n) }), ` of ${v.frames} · ${t.toFixed(2)} s`);
  $("frame").setAttribute("aria-valuetext", `Frame ${n} of ${v.frames}`);
  const preview = $("scrub-video");
  if (!preview.hidden && preview.src) preview.currentTime = Math.min(t, Math.max(0, v.duration - 0.001));
  const find = $("find-masks");
  const shown = state.selection?.keyframe_id === n;
  find.textContent = shown ? `Masks of frame ${n} shown` : `Find masks on frame ${n} · ${credits(state.cfg.mask_selection_credits)}`;
}

/** Moving to another frame drops masks found on the old one (a mask belongs to its keyframe). */
export function onFrameInput() {
  if (state.selection && state.selection.keyframe_id !== frameNumber()) {
    const old = state.selection.keyframe_id;
    clearSelection();
    say($("masks-msg"), `The masks belonged to frame ${old}; find masks again for this frame.`, "info");
  }
  showFrame();
  hooks.updateSteps();
}

export function stepFrame(delta) {
  const range = $("frame");
  const n = Math.min(Number(range.max), Math.max(1, frameNumber() + delta));
  if (n === frameNumber()) return;
  range.value = String(n);
  onFrameInput();
}
