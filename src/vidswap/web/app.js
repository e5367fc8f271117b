// The Swap flow, step by step: 1 key, 2 video, 3 keyframe and masks, 4 image and quality,
// 5 result, beside the account's recent jobs. Vanilla ES modules, no build step; every
// request goes to the server this page came from.

import { Api, loadConfig } from "./api.js";
import { buildQualities, chooseImage, clearImage } from "./image.js";
import { JobList } from "./jobs.js";
import { findMasks } from "./maskstep.js";
import { ResultView } from "./result.js";
import { describe, dropZone, hooks, state } from "./state.js";
import { $, billableSeconds, bytes, credits, reveal, say, seconds } from "./ui.js";
import { chooseVideo, clearVideo, onFrameInput, stepFrame } from "./video.js";

const KEY_STORE = "vidswap.apiKey";

const result = new ResultView({ api: () => state.api, onFinished: jobFinished, onError: apiTrouble });
const jobs = new JobList({ api: () => state.api, onView: viewJob, onError: apiTrouble });

// ---------------------------------------------------------------- steps and prices

function updateSteps() {
  const connected = state.api !== null;
  const video = state.video?.media ? state.video : null;
  const set = (id, s) => ($(id).dataset.state = s);
  set("step-key", connected ? "done" : "active");
  set("step-video", !connected ? "locked" : video ? "done" : "active");
  set("step-masks", !video ? "locked" : state.mask >= 0 ? "done" : "active");
  set("step-image", !video ? "locked" : state.mask >= 0 && state.image ? "done" : "active");
  $("video-fs").disabled = !connected || state.busy.has("video");
  $("masks-fs").disabled = !video;
  $("image-fs").disabled = !video;
  const busyMasks = state.busy.has("masks");
  const shown = state.selection !== null && state.selection.keyframe_id === Number($("frame").value);
  $("find-masks").disabled = busyMasks || shown;
  $("find-masks").classList.toggle("busy", busyMasks);
  for (const id of ["frame", "frame-prev", "frame-next"]) $(id).disabled = busyMasks;
  $("image-file").disabled = state.busy.has("image");
  updatePrice();
}

function price() {
  if (!state.video?.media || !state.quality) return null;
  const secs = billableSeconds(state.video.duration);
  const rate = state.cfg.prices[state.quality];
  return { secs, rate, total: secs * rate };
}

function updatePrice() {
  const p = price();
  const billed = p && p.secs !== state.video.duration ? ` · ${p.secs} s billed` : "";
  $("price-seconds").textContent = p ? seconds(state.video.duration) + billed : "–";
  $("price-rate").textContent = p ? `${credits(p.rate)} / s` : "–";
  $("price-total").textContent = p ? credits(p.total) : "–";
  const after = p && state.balance !== null ? state.balance - p.total : null;
  $("price-after").textContent = after === null ? "–" : credits(after);
  for (const q of state.cfg?.qualities || []) {
    const small = document.querySelector(`label[for="quality-${q}"] small`);
    const rate = state.cfg.prices[q];
    if (small) small.textContent = p ? credits(p.secs * rate) : `${rate} / s`;
  }
  const swap = $("swap");
  swap.textContent = p ? `Swap video · ${credits(p.total)}` : "Swap video";
  let missing = "";
  if (!state.video?.media) missing = "Upload a video first.";
  else if (state.mask < 0) missing = "Choose a mask in step 3.";
  else if (!state.image) missing = "Add an image.";
  else if (after !== null && after < 0) missing = `Not enough credits: this swap costs ${p.total}, you have ${state.balance}.`;
  $("swap-hint").textContent = missing;
  swap.disabled = Boolean(missing) || state.busy.has("swap") || state.busy.has("image");
  if (swap.disabled) $("confirm").hidden = true;
}

async function refreshBalance() {
  if (!state.api) return;
  try {
    showBalance(await state.api.balance());
  } catch (err) {
    apiTrouble(err);
  }
}

function showBalance(b) {
  state.balance = b.credit_monthly + b.credit_package;
  $("balance-value").textContent = state.balance.toLocaleString("en-US");
  $("balance").title = `Monthly credits ${b.credit_monthly}, package credits ${b.credit_package}`;
  $("account-id").textContent = `#${b.account_id}`;
  updatePrice();
}

/** A key refused later (revoked while the page is open) sends the user back to step 1. */
function apiTrouble(err) {
  if (err?.badKey && state.api) {
    signOut();
    say($("key-msg"), `Your API key was refused: ${err.message}`, "error");
  }
}

// ---------------------------------------------------------------- 1 key

async function connect(key, { remembered = false } = {}) {
  const api = new Api(key);
  const button = $("key-connect");
  button.classList.add("busy");
  button.disabled = true;
  say($("key-msg"), "Checking your key…", "info");
  try {
    const b = await api.balance();
    state.api = api;
    localStorage.setItem(KEY_STORE, key);
    say($("key-msg"), "");
    $("api-key").removeAttribute("aria-invalid");
    $("key-form").hidden = true;
    $("key-done").hidden = false;
    $("account").hidden = false;
    $("key-hint").textContent = key.length > 12 ? `${key.slice(0, 5)}…${key.slice(-4)}` : "••••";
    $("key-sub").textContent = "Connected. Your key is kept in this browser.";
    showBalance(b);
    updateSteps();
    jobs.load();
  } catch (err) {
    if (remembered && err.badKey) localStorage.removeItem(KEY_STORE);
    const text = err.badKey ? `This API key was refused: ${err.message}` : err.message;
    say($("key-msg"), text, "error");
    $("api-key").setAttribute("aria-invalid", "true");
    $("api-key").focus();
  } finally {
    button.classList.remove("busy");
    button.disabled = false;
  }
}

function signOut() {
  localStorage.removeItem(KEY_STORE);
  state.api = null;
  state.balance = null;
  state.image = null;
  clearImage();
  clearVideo();
  result.reset();
  jobs.clear();
  $("key-form").hidden = false;
  $("key-done").hidden = true;
  $("account").hidden = true;
  $("api-key").value = "";
  $("key-sub").textContent = "Enter your key once; it stays in this browser.";
  say($("key-msg"), "");
  say($("image-msg"), "");
  updateSteps();
  $("api-key").focus();
}

// ---------------------------------------------------------------- 4 confirm, 5 result

function askConfirm() {
  const p = price();
  if (!p) return;
  const what = state.labels[state.mask].toLowerCase();
  const after = state.balance - p.total;
  $("confirm-text").textContent =
    `Replace the ${what} from frame ${state.selection.keyframe_id} with “${state.image.file.name}” at ${state.quality}? ` +
    `This costs ${credits(p.total)} (${p.secs} s × ${p.rate}); your balance goes from ${state.balance} to ${after}. ` +
    "A swap that fails is refunded.";
  $("confirm-yes").textContent = `Confirm · ${credits(p.total)}`;
  $("confirm").hidden = false;
  $("confirm-yes").focus();
}

async function swap() {
  const button = $("confirm-yes");
  button.classList.add("busy");
  state.busy.add("swap");
  updateSteps();
  try {
    const job = await state.api.post("/video/swap/generate", {
      video_media_id: state.video.media.media_id,
      img_id: state.image.img_id,
      mask_id: state.selection.mask_info[state.mask].mask_id,
      keyframe_id: state.selection.keyframe_id,
      quality: state.quality,
    });
    $("confirm").hidden = true;
    say($("image-msg"), `Swap #${job.video_id} started (${credits(job.credits)}). Follow it in step 5.`, "ok");
    result.follow(job.video_id, state.video.media.url);
    jobs.highlight(job.video_id);
    reveal($("step-result"));
    refreshBalance();
    jobs.load();
  } catch (err) {
    apiTrouble(err);
    $("confirm").hidden = true;
    say($("image-msg"), `The swap did not start: ${err.message}`, "error");
  } finally {
    button.classList.remove("busy");
    state.busy.delete("swap");
    updateSteps();
  }
}

function jobFinished() {
  refreshBalance();
  jobs.load();
}

function viewJob(job) {
  result.follow(job.id, job.source_url || "");
  jobs.highlight(job.id);
  reveal($("step-result"));
}

// ---------------------------------------------------------------- start

function wire() {
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("api-key").value.trim();
    if (key) connect(key);
  });
  $("forget-key").addEventListener("click", signOut);
  $("change-key").addEventListener("click", signOut);
  dropZone("video-drop", chooseVideo);
  dropZone("image-drop", chooseImage);
  $("frame").addEventListener("input", onFrameInput);
  $("frame-prev").addEventListener("click", () => stepFrame(-1));
  $("frame-next").addEventListener("click", () => stepFrame(1));
  $("find-masks").addEventListener("click", findMasks);
  $("swap").addEventListener("click", askConfirm);
  $("confirm-yes").addEventListener("click", swap);
  $("confirm-no").addEventListener("click", () => {
    $("confirm").hidden = true;
    $("swap").focus();
  });
  $("confirm").addEventListener("keydown", (e) => {
    if (e.key === "Escape") $("confirm-no").click();
  });
  // A file dropped beside a drop zone must not navigate away from the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
}

function showLimits() {
  const { cfg } = state;
  const video = `${describe(cfg.media_types)} · up to ${seconds(cfg.media_max_seconds)}, ${bytes(cfg.media_max_bytes)}, ${cfg.video_max_side} px`;
  $("video-limits").textContent = "The clip to change. Audio is kept.";
  $("video-drop-hint").textContent = video;
  const image = `${describe(cfg.image_types)} · up to ${bytes(cfg.image_max_bytes)}, ${cfg.image_max_side} px a side`;
  $("image-drop-hint").textContent = image;
}

async function main() {
  Object.assign(hooks, { updateSteps, apiTrouble, refreshBalance });
  wire();
  try {
    state.cfg = await loadConfig();
  } catch (err) {
    const banner = $("banner");
    banner.textContent = `This page could not load its settings from the server (${err.message}). Reload to try again.`;
    banner.hidden = false;
    return;
  }
  showLimits();
  buildQualities(updatePrice);
  updateSteps();
  document.body.dataset.ready = "true";
  const stored = localStorage.getItem(KEY_STORE);
  if (stored) {
    $("api-key").value = stored;
    await connect(stored, { remembered: true });
  }
}

main();
