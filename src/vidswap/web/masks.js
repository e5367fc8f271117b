// The keyframe the server returned, with every candidate mask tinted in its own colour on a
// <canvas>. Masks are PNGs the keyframe's size (255 = in); a pixel lookup finds the mask
// under the pointer (the smallest one wins where masks overlap).

export const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#a855f7", "#ec4899", "#14b8a6", "#84cc16"];

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

async function loadImage(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

function pixelsOf(img, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/** 1 where the mask PNG is set (grey, or alpha for a transparent PNG). */
function membership(data) {
  const out = new Uint8Array(data.length / 4);
  for (let i = 0, j = 0; i < out.length; i++, j += 4) {
    out[i] = data[j] > 127 && data[j + 3] > 127 ? 1 : 0;
  }
  return out;
}

function edgesOf(member, width, height) {
  const out = new Uint8Array(member.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!member[i]) continue;
      const edge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        !member[i - 1] || !member[i + 1] || !member[i - width] || !member[i + width];
      if (edge) out[i] = 1;
    }
  }
  return out;
}

export class MaskView {
  /** `onHover(index)` and `onPick(index)`; index -1 is "no mask". */
  constructor(canvas, { onHover, onPick }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onHover = onHover;
    this.onPick = onPick;
    this.hover = -1;
    this.selected = -1;
    this.masks = [];
    canvas.addEventListener("pointermove", (e) => this.point(e));
    canvas.addEventListener("pointerleave", () => this.setHover(-1, true));
    canvas.addEventListener("click", (e) => {
      const k = this.indexAt(e);
      if (k >= 0) this.onPick(k);
    });
  }

  async show(keyframeUrl, infos) {
    const images = await Promise.all([keyframeUrl, ...infos.map((m) => m.mask_url)].map(loadImage));
    const [frame, ...maskImages] = images;
    const width = frame.naturalWidth;
    const height = frame.naturalHeight;
    this.width = width;
    this.height = height;
    this.base = pixelsOf(frame, width, height);
    this.masks = maskImages.map((img, k) => {
      const member = membership(pixelsOf(img, width, height));
      let area = 0;
      for (let i = 0; i < member.length; i++) area += member[i];
      return { member, area, edges: edgesOf(member, width, height), color: rgb(PALETTE[k % PALETTE.length]) };
    });
    this.top = new Int16Array(width * height).fill(-1);
    const order = this.masks.map((_, k) => k).sort((a, b) => this.masks[b].area - this.masks[a].area);
    for (const k of order) {
      const { member } = this.masks[k];
      for (let i = 0; i < member.length; i++) if (member[i]) this.top[i] = k;
    }
    this.canvas.width = width;
    this.canvas.height = height;
    this.hover = -1;
    this.selected = -1;
    this.render();
    return this.masks.map((m) => m.area / (width * height));
  }

  setHover(k, notify = false) {
    if (k === this.hover) return;
    this.hover = k;
    this.render();
    if (notify) this.onHover(k, null);
  }

  setSelected(k) {
    if (k === this.selected) return;
    this.selected = k;
    this.render();
  }

  point(e) {
    const k = this.indexAt(e);
    this.canvas.classList.toggle("pointing", k >= 0);
    if (k !== this.hover) {
      this.hover = k;
      this.render();
    }
    this.onHover(k, e);
  }

  /** The mask under a pointer event, allowing for the canvas's letterboxing (object-fit). */
  indexAt(e) {
    if (!this.top) return -1;
    const r = this.canvas.getBoundingClientRect();
    const scale = Math.min(r.width / this.width, r.height / this.height);
    const left = r.left + (r.width - this.width * scale) / 2;
    const top = r.top + (r.height - this.height * scale) / 2;
    const x = Math.floor((e.clientX - left) / scale);
    const y = Math.floor((e.clientY - top) / scale);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.top[y * this.width + x];
  }

  render() {
    if (!this.base) return;
    const { width, height, base, masks, top, hover, selected } = this;
    const image = this.ctx.createImageData(width, height);
    const out = image.data;
    const focus = hover >= 0 || selected >= 0;
    for (let i = 0, j = 0; i < width * height; i++, j += 4) {
      let k = top[i];
      if (selected >= 0 && masks[selected].member[i]) k = selected;
      if (hover >= 0 && masks[hover].member[i]) k = hover;
      if (k < 0) {
        out[j] = base[j];
        out[j + 1] = base[j + 1];
        out[j + 2] = base[j + 2];
      } else {
        const lit = k === hover || k === selected;
        let a = lit ? 0.5 : focus ? 0.14 : 0.34;
        if (lit && masks[k].edges[i]) a = 0.95;
        const c = masks[k].color;
        out[j] = base[j] + (c[0] - base[j]) * a;
        out[j + 1] = base[j + 1] + (c[1] - base[j + 1]) * a;
        out[j + 2] = base[j + 2] + (c[2] - base[j + 2]) * a;
      }
      out[j + 3] = 255;
    }
    this.ctx.putImageData(image, 0, 0);
  }
}
