import { signal } from "@preact/signals";
import { t } from "./i18n";

/** The signed-in user's token (localStorage) and the app's toasts. */
export const token = signal<string | null>(localStorage.getItem("chirp.token"));
export const online = signal<boolean>(navigator.onLine);
addEventListener("online", () => (online.value = true));
addEventListener("offline", () => (online.value = false));

export class ApiError extends Error {
  constructor(public status: number, message: string, public retryAfter: number | null = null) {
    super(message);
  }
}

export interface Page<T> { data: T; next: string | null; prev: string | null }
type Body = Record<string, unknown> | FormData | URLSearchParams | undefined;

function links(header: string | null): { next: string | null; prev: string | null } {
  const out = { next: null as string | null, prev: null as string | null };
  for (const part of (header ?? "").split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="(\w+)"/.exec(part);
    if (m && (m[2] === "next" || m[2] === "prev")) out[m[2]] = new URL(m[1]!).pathname + new URL(m[1]!).search;
  }
  return out;
}

/** Turns an HTTP failure into a message a person understands. */
export function errorMessage(status: number, serverMessage: string | null, retryAfter: number | null): string {
  if (status === 0) return t.errors.offline;
  if (status === 429) return t.errors.rateLimited(retryAfter ?? 60);
  if (status >= 500) return t.errors.server;
  return serverMessage || t.errors.generic;
}

export async function request<T>(method: string, path: string, body?: Body, auth: string | null = token.value): Promise<Page<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (auth) headers.Authorization = `Bearer ${auth}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData || body instanceof URLSearchParams) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload ?? null });
  } catch {
    throw new ApiError(0, t.errors.offline);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const retry = Number(response.headers.get("Retry-After")) || null;
    const message = (json as { error?: string } | null)?.error ?? null;
    if (response.status === 401 && auth && auth === token.value && path !== "/oauth/revoke") signedOut();
    throw new ApiError(response.status, errorMessage(response.status, message, retry), retry);
  }
  return { data: json as T, ...links(response.headers.get("Link")) };
}

export const get = async <T>(path: string) => (await request<T>("GET", path)).data;
export const post = async <T>(path: string, body?: Body) => (await request<T>("POST", path, body)).data;

let onSignedOut: () => void = () => {};
export function whenSignedOut(fn: () => void) {
  onSignedOut = fn;
}
function signedOut() {
  onSignedOut();
}

/** Uploads with progress (fetch has none): XHR, resolving to the JSON answer. */
export function upload<T>(path: string, form: FormData, progress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    if (token.value) xhr.setRequestHeader("Authorization", `Bearer ${token.value}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, t.errors.offline));
    xhr.onload = () => {
      let json: unknown = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json as T);
      else {
        const retry = Number(xhr.getResponseHeader("Retry-After")) || null;
        reject(new ApiError(xhr.status, errorMessage(xhr.status, (json as { error?: string } | null)?.error ?? null, retry), retry));
      }
    };
    xhr.send(form);
  });
}
