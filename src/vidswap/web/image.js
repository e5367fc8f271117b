// Step 4: the target image (checked, previewed, uploaded with progress) and the quality.

import { IMAGE_EXT, hooks, state, typeProblem } from "./state.js";
import { $, bytes, credits, el, imageSize, say, setProgress } from "./ui.js";

export function clearImage() {
  const img = $("image-preview");
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.removeAttribute("src");
  img.hidden = true;
  $("image-empty").hidden = false;
  $("image-progress").hidden = true;
  $("image-file").value = "";
}

export async function chooseImage(file) {
  if (!file || state.busy.has("image")) return;
  const { cfg } = state;
  const msg = $("image-msg");
  const problem = typeProblem(file, cfg.image_types, IMAGE_EXT, "image");
  if (problem) return say(msg, problem, "error");
  if (file.size > cfg.image_max_bytes) {
    return say(msg, `“${file.name}” is ${bytes(file.size)}; images may be at most ${bytes(cfg.image_max_bytes)}.`, "error");
  }
  const url = URL.createObjectURL(file);
  const size = await imageSize(url);
  if (size && Math.max(size.width, size.height) > cfg.image_max_side) {
    URL.revokeObjectURL(url);
    return say(msg, `“${file.name}” is ${size.width}×${size.height}; each side may be at most ${cfg.image_max_side} pixels.`, "error");
  }
  clearImage();
  state.image = null;
  const img = $("image-preview");
  img.src = url;
  img.alt = `Preview of ${file.name}`;
  img.hidden = false;
  $("image-empty").hidden = true;
  await upload(file, size);
}

async function upload(file, size) {
  const msg = $("image-msg");
  const bar = $("image-progress");
  bar.hidden = false;
  bar.className = "progress thin";
  setProgress(bar, 0);
  say(msg, `Uploading ${file.name}…`, "info");
  state.busy.add("image");
  hooks.updateSteps();
  try {
    const up = await state.api.upload("/image/upload", "image", file, (f) => setProgress(bar, f));
    if (!state.api) return; // signed out meanwhile
    state.image = { file, img_id: up.img_id, ...size };
    bar.hidden = true;
    const dims = size ? ` · ${size.width}×${size.height}` : "";
    say(msg, `Image ready: ${file.name} · ${bytes(file.size)}${dims}.`, "ok");
  } catch (err) {
    hooks.apiTrouble(err);
    clearImage();
    say(msg, `The server did not accept this image: ${err.message}`, "error");
  } finally {
    state.busy.delete("image");
    $("image-file").value = "";
    hooks.updateSteps();
  }
}

/** Quality radios (a segmented control) and the side card's price table. */
export function buildQualities(onChange) {
  const { qualities, prices } = state.cfg;
  state.quality = qualities.includes("720p") ? "720p" : qualities.at(-1);
  const opts = qualities.map((q) => {
    const input = el("input", { type: "radio", name: "quality", id: `quality-${q}`, value: q, checked: q === state.quality });
    input.addEventListener("change", () => {
      state.quality = q;
      onChange();
    });
    return el("div", { class: "opt" }, input,
      el("label", { for: `quality-${q}` }, q, el("small", { text: `${prices[q]} / s` })));
  });
  $("quality-options").replaceChildren(...opts);
  const rows = qualities.map((q) => el("tr", {}, el("td", { text: q }), el("td", { text: `${credits(prices[q])} / s` })));
  $("price-table").tBodies[0].replaceChildren(...rows);
  $("mask-price").textContent = String(state.cfg.mask_selection_credits);
}
