// The server's API as the app uses it: the session token, authorised fetches, errors as text.

const BASE = "/api/v1";
const SESSION = "app.session";

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

export const saveSession = (value) => localStorage.setItem(SESSION, JSON.stringify(value));
export const dropSession = () => localStorage.removeItem(SESSION);

/** The API's refusal as one line: {detail, field}, or FastAPI's 422 list of {loc, msg}. */
export async function errorText(res) {
  try {
    const body = await res.json();
    if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    if (body.detail) return body.field ? `${body.detail} (${body.field})` : String(body.detail);
  } catch { /* not JSON */ }
  return `HTTP ${res.status}`;
}

/** fetch with the bearer token; `body` objects go as JSON, FormData as multipart. */
export async function request(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  const token = session()?.access_token;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(`${BASE}${path}`, init);
}

/** GET `path` as JSON; throws HttpError (with the status) when the server refuses. */
export async function getJSON(path) {
  const res = await request("GET", path);
  if (!res.ok) throw new HttpError(res.status, await errorText(res));
  return res.json();
}

export async function login(username, password) {
  const res = await fetch(`${BASE}/auth/login`, {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new HttpError(res.status, await errorText(res));
  return res.json();
}

export const streamUrl = () => `${BASE}/stream?access_token=${encodeURIComponent(session()?.access_token || "")}`;
export const photoUrl = (url) => `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(session()?.access_token || "")}`;
