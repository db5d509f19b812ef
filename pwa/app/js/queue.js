// The outbox: every action is stored in IndexedDB with an Idempotency-Key first, then sent in
// order. A network error, a 5xx, 408 or 429 stops the run and it is retried (the server answers
// a replayed key with its first answer, so nothing is applied twice); a 401 waits for a new
// sign-in; any other 4xx is dropped with the server's reason shown.

import { errorText, request, session } from "./api.js";
import * as store from "./store.js";

const RETRY_MS = 5000;
export const events = new EventTarget();
let running = null;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));

/** Store an action (kind, ticketId, path, body or form) and try to send what is waiting. */
export async function add(action) {
  const stored = { ...action, key: uuid(), user: session()?.username, createdAt: new Date().toISOString() };
  await store.enqueue(stored);
  emit("change", await count());
  flush();
  return stored;
}

// Only the signed-in technician's actions are sent (and shown): another account's wait for it.
const mine = async () => (await store.pending()).filter((a) => a.user === session()?.username);
export const count = async () => (await mine()).length;
export const waiting = () => mine();

function body(action) {
  if (!action.form) return action.body ?? {};
  const form = new FormData();
  for (const [k, v] of Object.entries(action.form.fields || {})) form.append(k, v);
  if (action.form.blob) form.append("file", action.form.blob, action.form.filename || "photo.jpg");
  return form;
}

// One attempt: "done" (remove it), "drop" (remove it, say why), "stop" (keep it, retry later).
async function send(action) {
  let res;
  try {
    res = await request("POST", action.path, { body: body(action), headers: { "Idempotency-Key": action.key } });
  } catch {
    return { outcome: "stop" };
  }
  if (res.ok) return { outcome: "done", answer: await res.json().catch(() => null) };
  if (res.status === 401) return { outcome: "stop", auth: true };
  const retry = res.status >= 500 || [408, 429].includes(res.status)
    || (res.status === 409 && res.headers.get("content-type")?.includes("json") && (await res.clone().json()).field === "Idempotency-Key");
  if (retry) return { outcome: "stop" };
  return { outcome: "drop", status: res.status, message: await errorText(res) };
}

/** Send waiting actions in order until one must wait; one run at a time. */
export function flush() {
  running ??= (async () => {
    try {
      for (const action of await mine()) {
        const result = await send(action);
        if (result.outcome === "stop") {
          if (result.auth) emit("auth", action);
          break;
        }
        await store.remove(action.seq);
        emit(result.outcome === "done" ? "applied" : "dropped", { action, ...result });
        emit("change", await count());
      }
    } finally {
      running = null;
    }
  })();
  return running;
}

export function start() {
  addEventListener("online", () => flush());
  setInterval(async () => { if (await count()) flush(); }, RETRY_MS);
  count().then((n) => emit("change", n));
  flush();
}
