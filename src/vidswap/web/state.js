// What the page knows, shared by the step modules, and the checks a file passes before it
// is uploaded. `hooks` are filled in by app.js (so step modules need not import it).

import { $, extension } from "./ui.js";

export const state = {
  cfg: null, // GET /web/config.json
  api: null, // Api once a key is accepted
  balance: null, // credits available
  busy: new Set(), // "video", "masks", "image", "swap"
  video: null, // {file, objectUrl, meta, media (upload Resp), duration, fps, frames}
  selection: null, // mask selection Resp
  labels: [], // a name per mask of the selection ("Person 2")
  mask: -1, // index into selection.mask_info
  image: null, // {file, img_id, width, height}
  quality: null,
};

export const hooks = {
  updateSteps() {},
  apiTrouble(_err) {},
  refreshBalance() {},
};

export const VIDEO_EXT = { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm" };
export const IMAGE_EXT = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp" };
const KIND_NAMES = {
  "video/mp4": "MP4",
  "video/quicktime": "MOV",
  "video/webm": "WebM",
  "image/png": "PNG",
  "image/jpeg": "JPEG",
  "image/webp": "WebP",
};

/** "MP4, MOV or WebM" */
export function describe(types) {
  const names = types.map((t) => KIND_NAMES[t] || t);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names[0];
}

const AN = "AEFHILMNORSX"; // initialisms read with a vowel first: an MP4, an MKV

function article(word) {
  return AN.includes(word[0]?.toUpperCase()) ? `an ${word}` : `a ${word}`;
}

/** Why `file` is the wrong kind for this step ("video" or "image"), or null. The browser's
 * type decides; the extension only when the browser has none. The server checks the
 * content again. */
export function typeProblem(file, allowed, byExt, noun) {
  const ext = extension(file.name);
  if (allowed.includes(file.type)) return null;
  const generic = !file.type || file.type === "application/octet-stream";
  if (generic && allowed.includes(byExt[ext])) return null;
  const type = file.type || byExt[ext] || "";
  const kind = type.split("/")[0];
  const format = KIND_NAMES[type] || ext.toUpperCase();
  const wanted = `Choose ${article(describe(allowed))} ${noun}.`;
  if (kind === noun) {
    return `“${file.name}” is ${format ? article(format) + " " : "a "}${noun} this server does not take. ${wanted}`;
  }
  const is = { image: "an image", video: "a video", audio: "an audio file" }[kind];
  const what = is ? `${is}${format ? ` (${format})` : ""}, not ${article(noun)}` : `not ${article(noun)}`;
  return `“${file.name}” is ${what}. ${wanted}`;
}

/** A file picker that also takes a dropped file. */
export function dropZone(zoneId, onFile) {
  const zone = $(zoneId);
  const input = zone.querySelector("input[type=file]");
  input.addEventListener("change", () => onFile(input.files[0]));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (!input.disabled) zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    if (!input.disabled && e.dataTransfer?.files.length) onFile(e.dataTransfer.files[0]);
  });
}
