// Step 3's masks: find them on the chosen frame, draw them over the keyframe the server
// returned, and choose one by pointer (hover highlights, click selects) or by keyboard
// (the legend is a radio group).

import { MaskView, PALETTE } from "./masks.js";
import { hooks, state } from "./state.js";
import { $, capitalize, credits, el, say } from "./ui.js";

const view = new MaskView($("mask-canvas"), { onHover: hover, onPick: pick });

export function clearSelection() {
  state.selection = null;
  state.mask = -1;
  state.labels = [];
  $("mask-list").hidden = true;
  $("mask-options").replaceChildren();
  $("mask-canvas").hidden = true;
  $("stage-tip").hidden = true;
  $("stage-badge").hidden = true;
  const preview = $("scrub-video");
  if (preview.getAttribute("src")) preview.hidden = false;
}

export async function findMasks() {
  const n = Number($("frame").value);
  state.busy.add("masks");
  hooks.updateSteps();
  say($("masks-msg"), `Finding masks on frame ${n}…`, "info");
  const video = state.video;
  try {
    const body = { video_media_id: video.media.media_id, keyframe_id: n };
    const sel = await state.api.post("/video/mask/selection", body);
    if (state.video !== video) return; // another video was chosen meanwhile
    const shares = await view.show(sel.keyframe_url, sel.mask_info);
    state.selection = sel;
    state.mask = -1;
    $("scrub-video").hidden = true;
    $("stage-empty").hidden = true;
    $("mask-canvas").hidden = false;
    $("stage-badge").textContent = `Keyframe ${sel.keyframe_id}`;
    $("stage-badge").hidden = false;
    legend(sel.mask_info, shares);
    $("find-masks").textContent = `Masks of frame ${sel.keyframe_id} shown`;
    const found = sel.mask_info.length === 1 ? "1 mask" : `${sel.mask_info.length} masks`;
    say($("masks-msg"), `Found ${found} on frame ${sel.keyframe_id} (${credits(sel.credits)}). Point at the picture to see each one; click it, or pick it in the list.`, "ok");
    hooks.refreshBalance();
  } catch (err) {
    hooks.apiTrouble(err);
    say($("masks-msg"), `Could not find masks: ${err.message}`, "error");
  } finally {
    state.busy.delete("masks");
    hooks.updateSteps();
  }
}

/** "Person", or "Person 1", "Person 2" when there are several. */
function labels(infos) {
  const totals = {};
  for (const m of infos) totals[m.mask_name] = (totals[m.mask_name] || 0) + 1;
  const seen = {};
  return infos.map((m) => {
    seen[m.mask_name] = (seen[m.mask_name] || 0) + 1;
    return capitalize(m.mask_name) + (totals[m.mask_name] > 1 ? ` ${seen[m.mask_name]}` : "");
  });
}

function legend(infos, shares) {
  state.labels = labels(infos);
  const options = infos.map((m, k) => {
    const id = `mask-${k}`;
    const pct = shares[k] < 0.01 ? "<1%" : `${Math.round(shares[k] * 100)}%`;
    const input = el("input", { type: "radio", name: "mask", id, value: m.mask_id, "data-name": m.mask_name });
    input.addEventListener("change", () => pick(k));
    input.addEventListener("focus", () => hover(k, null, true));
    input.addEventListener("blur", () => hover(-1, null, true));
    const wrap = el("div", { class: "mask-option", "data-index": String(k) }, input,
      el("label", { for: id },
        el("span", { class: "swatch", style: `background:${PALETTE[k % PALETTE.length]}` }),
        el("span", { class: "mask-name", text: state.labels[k] }),
        el("span", { class: "mask-area", text: pct, title: "Share of the frame" })));
    wrap.addEventListener("pointerenter", () => hover(k, null, true));
    wrap.addEventListener("pointerleave", () => hover(-1, null, true));
    return wrap;
  });
  $("mask-options").replaceChildren(...options);
  $("mask-list").hidden = false;
}

/** Highlight mask `k` (-1: none) in the picture and the legend; a tip follows the pointer. */
function hover(k, event, fromLegend = false) {
  if (fromLegend) view.setHover(k);
  for (const opt of $("mask-options").children) opt.classList.toggle("hover", Number(opt.dataset.index) === k);
  const tip = $("stage-tip");
  if (k < 0 || !event) {
    tip.hidden = true;
    return;
  }
  const box = $("stage").getBoundingClientRect();
  tip.textContent = state.labels[k];
  tip.style.left = `${event.clientX - box.left}px`;
  tip.style.top = `${event.clientY - box.top}px`;
  tip.hidden = false;
}

function pick(k) {
  if (!state.selection) return;
  state.mask = k;
  view.setSelected(k);
  const input = $(`mask-${k}`);
  if (input && !input.checked) input.checked = true;
  say($("masks-msg"), `${state.labels[k]} selected on frame ${state.selection.keyframe_id}: the image goes there.`, "ok");
  hooks.updateSteps();
}
