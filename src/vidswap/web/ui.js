// Small DOM and formatting helpers shared by the page's modules.

export const $ = (id) => document.getElementById(id);

/** Show `text` in a status line; kind is "error", "ok", "info" or "" (clears the style). */
export function say(el, text, kind = "info") {
  el.textContent = text || "";
  el.className = `msg ${text ? kind : ""}`.trim();
}

/** Scroll `node` into view, smoothly unless the user asked for less motion. */
export function reveal(node) {
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  node.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
}

export function setProgress(el, fraction) {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  el.setAttribute("aria-valuenow", String(pct));
  el.firstElementChild.style.width = `${pct}%`;
  return pct;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const trim = (x) => x.toFixed(1).replace(/\.0$/, "");
  if (n < 1024 * 1024) return `${n < 10240 ? trim(n / 1024) : Math.round(n / 1024)} KB`;
  return `${trim(n / 1024 / 1024)} MB`;
}

export function seconds(s) {
  if (!Number.isFinite(s)) return "unknown length";
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1).replace(/\.?0+$/, "")} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s - m * 60)).padStart(2, "0")} min`;
}

/** Billable seconds, as the server counts them: started seconds, milliseconds rounded. */
export function billableSeconds(duration) {
  return Math.max(1, Math.ceil(Math.round(duration * 1000) / 1000));
}

export function credits(n) {
  return `${n.toLocaleString("en-US")} ${n === 1 ? "credit" : "credits"}`;
}

export function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

export function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** "2 min ago" for the API's "YYYY-MM-DD HH:MM:SS" UTC times. */
export function ago(text, now = Date.now()) {
  const t = Date.parse(`${text.replace(" ", "T")}Z`);
  if (!Number.isFinite(t)) return text;
  const s = Math.round((now - t) / 1000);
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (s < 45) return "just now";
  if (s < 3600) return rtf.format(-Math.round(s / 60), "minute");
  if (s < 86400) return rtf.format(-Math.round(s / 3600), "hour");
  return new Date(t).toLocaleDateString("en", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

/** Duration and size of a local video file, or null when this browser cannot read it. */
export function videoMetadata(url, timeoutMs = 8000) {
  return new Promise((resolve) => {
    const v = document.createElement("video");
    v.preload = "metadata";
    v.muted = true;
    let timer = 0;
    const done = (result) => {
      clearTimeout(timer);
      v.onloadedmetadata = v.onerror = null;
      v.removeAttribute("src");
      v.load();
      resolve(result);
    };
    timer = setTimeout(() => done(null), timeoutMs);
    v.onloadedmetadata = () =>
      done({ duration: v.duration, width: v.videoWidth, height: v.videoHeight });
    v.onerror = () => done(null);
    v.src = url;
  });
}

export async function imageSize(url) {
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    return null;
  }
  return { width: img.naturalWidth, height: img.naturalHeight };
}
