// The technician app: sign-in, the route, one ticket; live updates, GPS, the outbox badge.

import * as api from "./api.js";
import * as checklist from "./checklist.js";
import { badge, sawServerTime } from "./deadlines.js";
import { $, h } from "./dom.js";
import { currentLang, setLang, t, tr } from "./i18n.js";
import * as queue from "./queue.js";
import { routeView } from "./route.js";
import { adoptIntoRoute, changed, dismiss, loadSavedRoute, notify, saveRoute, state } from "./state.js";
import * as store from "./store.js";
import * as ticket from "./ticket.js";

const GPS_MS = 30000;
const TICK_MS = 30000;
let source = null;
let refreshTimer = null;

// -- views ----------------------------------------------------------------------------------
function loginView() {
  const form = h("form", { class: "card login", id: "login" },
    h("h2", {}, t("login_title")),
    h("label", {}, t("username"), h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none" })),
    h("label", {}, t("password"), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "btn primary" }, t("sign_in")),
    h("p", { class: "msg", id: "login-msg", role: "alert" }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission().catch(() => {});
    try {
      const answer = await api.login(form.username.value.trim(), form.password.value);
      api.saveSession(answer);
      await signedIn();
    } catch (err) {
      $("#login-msg").textContent = err.status === 401 ? t("bad_login") : String(err.message || err);
    }
  });
  return form;
}

function notices() {
  return h("div", { class: "notices", role: "status", "aria-live": "polite" }, state.notices.map((n) =>
    h("div", { class: `notice ${n.kind}` }, h("span", {}, n.text),
      n.kind === "error" ? h("button", { type: "button", class: "btn small secondary", onclick: () => dismiss(n.id) }, t("dismiss")) : null)));
}

function renderHeader() {
  const me = api.session();
  const opened = routeTicketId();
  $("#title").textContent = me && opened !== null ? t("ticket_title", { id: opened }) : t("app_title");
  $("#who").textContent = me ? me.username : "";
  $("#lang").textContent = t("switch_to");
  $("#signout").hidden = !me;
  $("#signout").textContent = t("sign_out");
  const n = state.waiting.length;
  const sync = $("#sync");
  sync.textContent = n ? t("waiting", { n }) : t("synced");
  sync.className = `sync ${n ? "waiting" : "ok"}`;
  sync.dataset.count = String(n);
  const conn = $("#conn");
  conn.textContent = !navigator.onLine ? t("offline") : state.live ? t("live") : t("reconnecting");
  conn.className = `conn ${!navigator.onLine ? "bad" : state.live ? "ok" : "warn"}`;
}

let deferred = false;
function render() {
  document.title = t("app_title");
  renderHeader();
  const view = $("#view");
  // Do not redraw under the technician's thumbs while he types (the drafts keep the text).
  if (view.contains(document.activeElement) && document.activeElement.matches("textarea, input[type=text], input[type=password], input:not([type])")) {
    deferred = true;
    return;
  }
  deferred = false;
  const me = api.session();
  let main;
  if (!me) main = loginView();
  else if (me.role !== "technician") main = h("section", { class: "card" }, h("p", {}, t("for_technicians")), h("a", { class: "btn", href: "/console/" }, t("open_console")));
  else if (routeTicketId() !== null) main = ticket.ticketView();
  else main = routeView();
  view.replaceChildren(notices(), main);
}

const routeTicketId = () => {
  const m = location.hash.match(/^#\/ticket\/(\d+)/);
  return m ? Number(m[1]) : null;
};

// -- data -----------------------------------------------------------------------------------
async function refreshRoute() {
  try {
    const synced = state.synced;
    const route = await api.getJSON("/me/route");
    announceEmergencies(route);
    if (synced === state.synced) await saveRoute(route); // else an action's answer is newer
  } catch (err) {
    if (err.status === 401) return signOut(t("login_again"));
    if (!state.route) await loadSavedRoute();
  }
  if (routeTicketId() !== null && navigator.onLine) await ticket.load(routeTicketId());
  changed();
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshRoute, 50);
}

// A new emergency on the route: vibrate, and a notification if allowed (the first load is quiet).
let knownEmergencies = null;
function announceEmergencies(route) {
  const ids = route.stops.filter((s) => s.urgency === "emergency").map((s) => s.ticket_id);
  const fresh = knownEmergencies ? ids.filter((id) => !knownEmergencies.has(id)) : [];
  knownEmergencies = new Set([...(knownEmergencies || []), ...ids]);
  for (const id of fresh) {
    const stop = route.stops.find((s) => s.ticket_id === id);
    const body = t("emergency_body", { id, category: tr("categories", stop.category), place: [stop.building, stop.unit].filter(Boolean).join(" ") });
    navigator.vibrate?.([300, 120, 300, 120, 300]);
    notify(`${t("new_emergency")}: ${body}`, "warn");
    if ("Notification" in window && Notification.permission === "granted") {
      navigator.serviceWorker?.ready.then((reg) => reg.showNotification(t("new_emergency"), { body, tag: `ticket-${id}`, data: { url: `/app/#/ticket/${id}` } }))
        .catch(() => new Notification(t("new_emergency"), { body }));
    }
  }
}

// The dispatcher needs him for an emergency: on his way (turn round) or at work (leave it).
function preempted({ type, payload }) {
  if (payload?.technician_id !== api.session()?.technician_id) return;
  const key = type === "ticket.interrupted" ? "called_away" : "turned_round";
  notify(t(key, { id: payload.ticket_id, emergency: payload.emergency_id }), "warn");
  navigator.vibrate?.([300, 120, 300]);
  if (routeTicketId() === payload.ticket_id) location.hash = "#/";
}

// A dispatcher's pin or move puts a ticket on his route: say so at once (the plan that follows
// brings the stop, and a new emergency buzzes then, once, as any other). Each override is told
// once, however often it is delivered.
const GIVES = ["pin", "move"];
const toldOverrides = new Set();
function given({ payload }) {
  if (!GIVES.includes(payload?.kind) || payload.technician_id !== api.session()?.technician_id) return;
  if (toldOverrides.has(payload.override_id)) return;
  toldOverrides.add(payload.override_id);
  const id = payload.ticket_id;
  // Coming back to him: an emergency he was told of before is new to him again.
  if (!state.route?.stops.some((s) => s.ticket_id === id)) knownEmergencies?.delete(id);
  notify(payload.position == null ? t("given", { id }) : t("given_at", { id, n: payload.position + 1 }), "warn");
}

function openStream() {
  source?.close();
  source = new EventSource(api.streamUrl());
  source.onopen = () => { state.live = true; changed(); scheduleRefresh(); };
  source.onerror = () => { state.live = false; changed(); };
  source.onmessage = (msg) => {
    let event;
    try { event = JSON.parse(msg.data); } catch { return; }
    if (event.at) sawServerTime(event.at);
    if (event.type === "ticket.diverted" || event.type === "ticket.interrupted") preempted(event);
    if (event.type.startsWith("override.")) given(event);
    if (event.type === "plan.updated" || event.type.startsWith("ticket.")) scheduleRefresh();
  };
}

// GPS every 30 s while on shift and the app is open; a missed fix is simply skipped. The server
// takes a fix at once (202) and writes it with the next batch: the answer is not needed.
async function sendPosition() {
  const me = api.session();
  if (!me?.technician_id || document.visibilityState !== "visible" || !navigator.geolocation) return;
  try {
    state.technician = await api.getJSON(`/technicians/${me.technician_id}`);
  } catch { /* offline: keep the last known shift state */ }
  if (state.technician && !state.technician.on_shift) return;
  navigator.geolocation.getCurrentPosition((pos) => {
    api.request("POST", `/technicians/${me.technician_id}/position`, { body: { lat: pos.coords.latitude, lon: pos.coords.longitude } }).catch(() => {});
  }, () => {}, { enableHighAccuracy: true, timeout: 20000, maximumAge: 15000 });
}

// -- session --------------------------------------------------------------------------------
async function signedIn() {
  if (api.session()?.role !== "technician") return changed();
  location.hash = location.hash || "#/";
  await loadSavedRoute();
  state.waiting = await queue.waiting();
  queue.flush();
  changed();
  openStream();
  refreshRoute();
  sendPosition();
}

async function signOut(message) {
  source?.close();
  state.live = false;
  api.dropSession();
  knownEmergencies = null;
  toldOverrides.clear();
  state.waiting = [];
  state.route = null;
  await store.clearItems();
  const cache = await caches?.open("route").catch(() => null);
  await cache?.keys().then((keys) => Promise.all(keys.map((k) => cache.delete(k))));
  if (message) notify(message, "error");
  changed();
}

// The ticket each action's answer carries, as the server now has it (a photo's is the photo).
const ANSWERED = { accept: (a) => a, start: (a) => a, not_home: (a) => a, check_in: (a) => a.ticket, complete: (a) => a.ticket };

// Take the answer in (screen, stored copy, route) before any download can fail after it.
async function adopt(action, answer) {
  const tk = answer && ANSWERED[action.kind]?.(answer);
  if (!tk?.id) return;
  state.synced += 1;
  await Promise.all([ticket.adopt(tk), adoptIntoRoute(tk, api.session()?.technician_id)]);
  changed();
}

// -- wiring ---------------------------------------------------------------------------------
queue.events.addEventListener("change", async () => { state.waiting = await queue.waiting(); changed(); });
queue.events.addEventListener("applied", async ({ detail }) => {
  const { action, answer } = detail;
  const adopting = adopt(action, answer);
  if (action.kind === "check_in" && answer) {
    state.checkins[action.ticketId] = answer;
    if (answer.inside === false) notify(t("outside", { m: Math.round(answer.distance_m) }), "warn");
  }
  if (action.kind === "complete") {
    if (answer?.follow_up) state.followUps[action.ticketId] = answer.follow_up;
    notify(answer?.follow_up ? t("follow_up", { id: answer.follow_up.id }) : t("completed_msg"));
  }
  if (action.kind === "photo") {
    if (answer && ticket.opened.id === action.ticketId) ticket.opened.photos = [...ticket.opened.photos, answer];
    notify(t("uploaded"));
  }
  if (action.kind === "not_home") notify(t("not_home_msg"));
  if (action.kind === "inspection") await checklist.applied(action, answer);
  await adopting;
  scheduleRefresh();
});
queue.events.addEventListener("dropped", ({ detail }) => {
  notify(`#${detail.action.ticketId} ${tr("actions", detail.action.kind)}: ${t("dropped", { msg: detail.message })}`, "error");
  scheduleRefresh();
});
queue.events.addEventListener("auth", () => signOut(t("login_again")));

document.addEventListener("app:changed", render);
document.addEventListener("app:refresh", () => { queue.flush(); refreshRoute(); });
document.addEventListener("focusout", () => setTimeout(() => { if (deferred) render(); }, 0));
addEventListener("hashchange", () => {
  const id = routeTicketId();
  if (id !== null) ticket.load(id);
  render();
});
addEventListener("online", () => { changed(); refreshRoute(); });
addEventListener("offline", changed);
$("#lang").addEventListener("click", () => { setLang(currentLang() === "zh" ? "en" : "zh"); render(); });
$("#signout").addEventListener("click", () => signOut());
$("#sync").addEventListener("click", () => queue.flush());

// Countdowns tick without redrawing the page.
setInterval(() => {
  for (const el of document.querySelectorAll("[data-deadline]")) {
    const { windowStart: start, windowEnd: end } = el.dataset;
    const { text, level } = badge(el.dataset.kind, el.dataset.deadline, start && end ? { start, end } : null);
    el.textContent = text;
    el.className = `countdown ${level}`;
  }
}, TICK_MS);
setInterval(sendPosition, GPS_MS);

if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((err) => console.warn("service worker", err));
queue.start();
render();
if (api.session()) {
  signedIn();
  if (routeTicketId() !== null) ticket.load(routeTicketId());
}
