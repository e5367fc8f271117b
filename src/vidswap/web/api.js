// The PixVerse-compatible API of the server this page came from: the {ErrCode, ErrMsg, Resp}
// envelope, the API-KEY header, a fresh Ai-trace-id on every POST.

const BASE = "/openapi/v2";

export class ApiError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }

  get badKey() {
    return this.code === 400012 || this.status === 401;
  }
}

const UNREACHABLE = "Could not reach the server. Check your connection and try again.";

export function traceId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (plain http on a LAN host) randomUUID is missing.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function unwrap(body, status) {
  if (!body || typeof body.ErrCode !== "number") {
    throw new ApiError(-1, `The server answered HTTP ${status} without an API response.`, status);
  }
  if (body.ErrCode !== 0) {
    throw new ApiError(body.ErrCode, body.ErrMsg || `Error ${body.ErrCode}.`, status);
  }
  return body.Resp;
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, body) {
    const headers = { "API-KEY": this.key };
    if (method === "POST") headers["Ai-trace-id"] = traceId();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new ApiError(-1, UNREACHABLE);
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // handled by unwrap
    }
    return unwrap(parsed, response.status);
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  balance() {
    return this.get("/account/balance");
  }

  /** Multipart upload of `file` as `field`, reporting progress (0..1) as it is sent. */
  upload(path, field, file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", BASE + path);
      xhr.setRequestHeader("API-KEY", this.key);
      xhr.setRequestHeader("Ai-trace-id", traceId());
      xhr.responseType = "json";
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        try {
          resolve(unwrap(xhr.response, xhr.status));
        } catch (err) {
          reject(err);
        }
      };
      xhr.onerror = () => reject(new ApiError(-1, "The upload was interrupted. " + UNREACHABLE));
      xhr.ontimeout = xhr.onerror;
      const form = new FormData();
      form.append(field, file, file.name || "upload");
      xhr.send(form);
    });
  }
}

export async function loadConfig() {
  const response = await fetch("/web/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
