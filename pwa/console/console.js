// Live dispatcher console: the site plan with tickets and technicians, the board, alerts, the
// intake form. Data comes from the API with the dispatcher's token; the event stream
// (/api/v1/stream?access_token=) triggers a refresh, and a slow poll covers a dropped stream.
// All text goes into the page through textContent / attributes, never innerHTML.

import { initBoard, renderBoard } from "./board.js";
import {
  $, api, auth, dropToken, errorText, getJSON, h, hhmm, lang, REASONS, s, saveToken, setLang, t,
  token, tr, URGENCY_COLOR,
} from "./common.js";
import { initComplete } from "./complete.js";
import { duplicateNote } from "./duplicates.js";
import { loadComplaints } from "./complaints.js";
import { loadFollowups } from "./followups.js";
import { initIntake, loadPolicy, place, renderIntake } from "./intake.js";
import { setupAreas } from "./areas.js";
import { setupQrSheet } from "./qrsheet.js";

const API = {
  plan: "/api/v1/plan",
  tickets: "/api/v1/tickets?status=new&status=assigned&status=accepted&status=en_route&status=on_site",
  technicians: "/api/v1/technicians",
  overrides: "/api/v1/overrides",
  sites: "/api/v1/sites",
  alerts: "/api/v1/alerts?state=open",
  stream: "/api/v1/stream",
};
const POLL_MS = 10000;
const ROUTE_COLORS = ["#8e44ad", "#e67e22", "#16a085", "#c0392b", "#2c3e50", "#d4a017", "#7f8c8d", "#e84393"];
const SLA_RANK = { ok: 0, at_risk: 1, predicted_breach: 2, breached: 3 };
const SLA_RING = { at_risk: "#f0a202", predicted_breach: "#d62728", breached: "#111" };

let data = { plan: null, tickets: [], technicians: [], overrides: [], sites: [], alerts: [] };
let online = true;
let source = null;
let pollTimer = null;
let refreshTimer = null;
const ref = () => data.plan?.computed_at;

// -- loading --------------------------------------------------------------------------------
async function refresh() {
  clearTimeout(pollTimer);
  if (!token()) return showLogin();
  try {
    const [plan, tickets, technicians, overrides, sites, alerts] = await Promise.all(
      [API.plan, API.tickets, API.technicians, API.overrides, API.sites, API.alerts].map(getJSON));
    data = { plan, tickets, technicians, overrides, sites, alerts };
    online = true;
  } catch (err) {
    if (err.status === 401) return;
    if (err.status === 403) return showLogin(t("staff_only"));
    online = false;
  }
  render();
  loadFollowups();
  loadComplaints();
  pollTimer = setTimeout(refresh, POLL_MS);
}

function soon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 250);
}

function openStream() {
  source?.close();
  source = new EventSource(`${API.stream}?access_token=${encodeURIComponent(token())}`);
  source.onopen = () => { online = true; renderSummary(); };
  source.onerror = () => { online = false; renderSummary(); };
  source.onmessage = () => soon();
}

// -- sign-in --------------------------------------------------------------------------------
function showLogin(message = "") {
  source?.close();
  $("login-msg").textContent = message;
  if (!$("login-dialog").open) $("login-dialog").showModal();
}

async function signIn(ev) {
  ev.preventDefault();
  const form = $("login-form");
  const res = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.username.value.trim(), password: form.password.value }) });
  if (!res.ok) {
    $("login-msg").textContent = res.status === 401 ? t("bad_login") : await errorText(res);
    return;
  }
  const answer = await res.json();
  if (answer.role === "technician") return showLogin(t("staff_only"));
  saveToken(answer.access_token);
  localStorage.setItem("console.user", answer.username);
  form.password.value = "";
  $("login-dialog").close();
  // Sent here to sign in from another console page (e.g. the KPI page): go back to it.
  const next = new URLSearchParams(location.search).get("next");
  if (next && next.startsWith("/console/")) return void location.assign(next);
  start();
}

function signOut() {
  dropToken();
  source?.close();
  showLogin();
}

// -- drawing --------------------------------------------------------------------------------
function render() {
  renderSummary();
  renderMap();
  if (!boardBusy()) renderBoard(data, slaOf);
  renderAlerts();
  renderTickets();
  renderTechOptions();
  if (!$("intake-form").contains(document.activeElement)) renderIntake(data);
  setupQrSheet(() => data.sites, place);
  setupAreas(() => data.technicians, () => data.sites);
}

const boardBusy = () => $("reason-dialog").open || document.querySelector("#board .dragging");

function renderSummary() {
  const p = data.plan || { objective: {} };
  const o = p.objective || {};
  const num = (x, d = 0) => (x === undefined || x === null ? "–" : Number(x).toFixed(d));
  const items = [
    [t("version"), `v${p.version ?? 0}`], [t("solve"), `${num(p.solve_ms)} ${t("ms")}`],
    [t("travel"), `${num(o.travel_minutes, 1)} ${t("min")}`], [t("late"), `${num(o.late_minutes, 1)} ${t("min")}`, o.late_minutes > 0],
    [t("unassigned"), (p.unassigned || []).length, (p.unassigned || []).length > 0], [t("computed"), hhmm(p.computed_at, ref(), true)],
  ];
  $("summary").replaceChildren(...items.map(([k, v, warn]) => h("div", {}, h("dt", {}, k), h("dd", { class: warn ? "warn" : null }, v))));
  $("conn").textContent = online ? t("live") : t("offline");
  $("conn").className = `conn ${online ? "ok" : "bad"}`;
  $("who").textContent = localStorage.getItem("console.user") || "";
}

/** A ticket's SLA state: the worst open alert on it, else the plan's predicted lateness. */
function slaOf(ticketId) {
  let state = "ok";
  for (const a of data.alerts) {
    if (a.ticket_id === ticketId && SLA_RANK[a.kind] > SLA_RANK[state]) state = a.kind;
  }
  const tk = data.tickets.find((x) => x.id === ticketId);
  if (state === "ok" && tk?.assignment?.predicted_late_minutes > 0) state = "predicted_breach";
  return state;
}

const techById = () => new Map(data.technicians.map((x) => [x.id, x]));
const routeColor = (techId) => ROUTE_COLORS[(techId - 1) % ROUTE_COLORS.length];
const techName = (id) => (id == null ? "–" : techById().get(id)?.name ?? `#${id}`);

// Buildings are where the site's tickets say they are: the mean point of each building name.
function buildingPoints() {
  const acc = new Map();
  for (const tk of data.tickets) {
    if (!tk.building) continue;
    const key = `${tk.site_id}|${tk.building}`;
    const b = acc.get(key) || { name: tk.building, lat: 0, lon: 0, n: 0 };
    Object.assign(b, { lat: b.lat + tk.lat, lon: b.lon + tk.lon, n: b.n + 1 });
    acc.set(key, b);
  }
  return [...acc.values()].map((b) => ({ name: b.name, lat: b.lat / b.n, lon: b.lon / b.n }));
}

function renderMap() {
  const svg = $("map");
  const W = Math.max(300, Math.round(svg.clientWidth || 1000)), H = Math.round(W * (W < 600 ? 1 : 0.62)), M = 36;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const techs = data.technicians;
  const outlines = data.sites.filter((x) => x.outline?.length);
  const buildings = buildingPoints();
  const pts = [...data.tickets.map((x) => [x.lat, x.lon]), ...techs.map((x) => [x.position.lat, x.position.lon]),
    ...outlines.flatMap((x) => x.outline.map(([lon, lat]) => [lat, lon])), ...data.sites.map((x) => [x.lat, x.lon])];
  const title = s("title", { id: "map-title" }, t("map"));
  if (!pts.length) return svg.replaceChildren(title);
  // Equirectangular: x = lon * cos(mean lat), y = -lat; then fit the bounding box into the view.
  const k = Math.cos((pts.reduce((a, p) => a + p[0], 0) / pts.length) * Math.PI / 180);
  const xs = pts.map((p) => p[1] * k), ys = pts.map((p) => -p[0]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-4);
  const scale = Math.min((W - 2 * M) / Math.max(x1 - x0, span * 0.01), (H - 2 * M) / Math.max(y1 - y0, span * 0.01));
  const ox = (W - (x1 - x0) * scale) / 2, oy = (H - (y1 - y0) * scale) / 2;
  const xy = (lat, lon) => [ox + (lon * k - x0) * scale, oy + (-lat - y0) * scale];
  const pointsAttr = (ring) => ring.map(([lon, lat]) => xy(lat, lon).map((v) => v.toFixed(1)).join(",")).join(" ");

  // Points closer than 8 px share a spot: tickets of one building fan out to the right, and a
  // technician standing on a ticket is drawn just left of it; each spot gets one label.
  const spotKey = ([x, y]) => `${Math.round(x / 8)},${Math.round(y / 8)}`;
  const group = (items, pos) => {
    const spots = new Map();
    for (const it of items) {
      const p = pos(it), key = spotKey(p);
      if (!spots.has(key)) spots.set(key, { x: p[0], y: p[1], items: [] });
      spots.get(key).items.push(it);
    }
    return spots;
  };
  const ticketSpots = group(data.tickets, (tk) => xy(tk.lat, tk.lon));
  const techSpots = group(techs, (x) => xy(x.position.lat, x.position.lon));
  const at = new Map();
  for (const sp of ticketSpots.values()) sp.items.forEach((tk, i) => at.set(tk.id, [sp.x + i * 10, sp.y]));
  for (const [key, sp] of techSpots) {
    if (ticketSpots.has(key)) sp.x -= 16;
    sp.items.forEach((x, i) => at.set(`t${x.id}`, [sp.x + i * 6, sp.y]));
  }

  const layers = [title];
  for (const site of outlines) {
    const [cx, cy] = xy(Math.max(...site.outline.map((p) => p[1])), site.outline.reduce((a, p) => a + p[0], 0) / site.outline.length);
    layers.push(s("g", { class: "site", "data-site": site.id },
      s("polygon", { points: pointsAttr(site.outline) }),
      s("text", { x: cx, y: cy - 6, class: "site-label", "text-anchor": "middle" }, site.name)));
  }
  for (const b of buildings) {
    const [x, y] = xy(b.lat, b.lon);
    layers.push(s("g", { class: "building" }, s("rect", { x: x - 14, y: y - 10, width: 28, height: 20, rx: 2 }),
      s("text", { x: x - 14, y: y + 24, class: "building-label" }, b.name)));
  }
  for (const route of data.plan?.routes || []) {
    const line = [at.get(`t${route.technician_id}`), ...route.stops.map((st) => at.get(st.ticket_id))].filter(Boolean);
    if (line.length < 2) continue;
    layers.push(s("polyline", { class: "route", stroke: routeColor(route.technician_id),
      points: line.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
  }
  const unassigned = new Set((data.plan?.unassigned || []).map((u) => u.ticket_id));
  for (const sp of ticketSpots.values()) {
    layers.push(s("g", { class: "ticket" }, ...sp.items.map((tk) => {
      const [x, y] = at.get(tk.id);
      const color = URGENCY_COLOR[tk.urgency] || "#555";
      const hollow = tk.assignment?.technician_id == null || unassigned.has(tk.id);
      const sla = slaOf(tk.id);
      return s("g", { "data-ticket": tk.id, "data-sla": sla },
        sla !== "ok" ? s("circle", { cx: x, cy: y, r: 11, fill: "none", stroke: SLA_RING[sla], "stroke-width": 3,
          "stroke-dasharray": sla === "predicted_breach" ? "4 3" : null }) : null,
        s("circle", { cx: x, cy: y, r: 7, fill: hollow ? "#fff" : color, stroke: hollow ? color : "#fff", "stroke-width": hollow ? 3 : 1.5 }),
        s("title", {}, `#${tk.id} ${tr("urgencies", tk.urgency)} · ${tr("categories", tk.category)} · ${tk.building ?? ""} ${tk.unit ?? ""} · ${t("sla")}: ${tr("sla_states", sla)}`));
    }), s("text", { x: sp.x - 6, y: sp.y - 14, class: "ticket-label" }, sp.items.map((tk) => `#${tk.id}`).join(" "))));
  }
  for (const sp of techSpots.values()) {
    layers.push(s("g", { class: `tech ${sp.items.every((g) => !g.on_shift) ? "off" : ""}` },
      s("title", {}, sp.items.map((g) => `${g.name} · ${tr("states", g.state)}`).join("\n")),
      ...sp.items.map((g) => {
        const [x, y] = at.get(`t${g.id}`);
        return s("rect", { x: x - 6, y: y - 6, width: 12, height: 12, rx: 2, fill: routeColor(g.id),
          stroke: "#fff", "stroke-width": 1.5, opacity: g.on_shift ? 1 : 0.45 });
      }),
      s("text", { x: sp.x - 6, y: sp.y + 22, class: "tech-label" }, sp.items.map((g) => g.name).join(", "))));
  }
  svg.replaceChildren(...layers);
  for (const label of svg.querySelectorAll("text")) {
    const box = label.getBBox();
    const shift = box.x < 4 ? 4 - box.x : Math.min(0, W - 4 - (box.x + box.width));
    if (shift) label.setAttribute("x", Number(label.getAttribute("x")) + shift);
  }
}

function renderLegend() {
  const dot = (color, hollow) => h("span", { class: "swatch", style: `border-color:${color};background:${hollow ? "#fff" : color}` });
  const ring = (state) => h("span", { class: `swatch ring ${state}`, style: `border-color:${SLA_RING[state]}` });
  $("legend").replaceChildren(
    ...Object.keys(URGENCY_COLOR).map((u) => h("li", {}, dot(URGENCY_COLOR[u]), tr("urgencies", u))),
    h("li", {}, dot("#555", true), t("hollow")),
    ...Object.keys(SLA_RING).map((st) => h("li", {}, ring(st), tr("sla_states", st))),
    h("li", {}, h("span", { class: "swatch square" }), t("tech_dot")),
    h("li", {}, h("span", { class: "swatch square building-swatch" }), t("buildings")));
}

function renderAlerts() {
  const list = [...data.alerts].sort((a, b) => new Date(b.opened_at) - new Date(a.opened_at));
  $("alerts").replaceChildren(...(list.length ? list.map((a) => h("li", { class: `alert ${a.kind} level-${a.level}`, "data-alert": a.id },
    h("div", {}, h("strong", {}, tr("kinds", a.kind)), a.ticket_id ? ` #${a.ticket_id}` : "", a.technician_id ? ` · ${techName(a.technician_id)}` : "",
      h("span", { class: "muted" }, ` ${hhmm(a.opened_at, ref())}`)),
    h("div", { class: "alert-msg" }, a.message),
    a.acked_at ? h("span", { class: "muted" }, `✓ ${a.acked_by}`)
      : h("button", { type: "button", class: "small", onclick: () => ack(a.id) }, t("ack"))))
    : [h("li", { class: "muted" }, t("no_alerts"))]));
}

async function ack(id) {
  await api("POST", `/api/v1/alerts/${id}/ack`, { by: localStorage.getItem("console.user") || "dispatcher" });
  refresh();
}

const deadline = (tk) => [tk.respond_by, tk.arrive_by, tk.resolve_by].filter(Boolean).sort((a, b) => new Date(a) - new Date(b))[0];
const lateBadge = (m) => (m > 0 ? h("span", { class: "late" }, `+${Math.round(m)} ${t("min")}`) : null);
const COLUMNS = ["id", "urgency", "category", "location", "status", "technician", "eta", "deadline", "sla"];
function renderTickets() {
  $("ticket-head").replaceChildren(...COLUMNS.map((c) => h("th", {}, t(c))));
  const rows = [...data.tickets].sort((a, b) => new Date(deadline(a) || 8.64e15) - new Date(deadline(b) || 8.64e15));
  $("tickets").replaceChildren(...rows.map((tk) => {
    const a = tk.assignment || {};
    const due = deadline(tk);
    const sla = slaOf(tk.id);
    return h("tr", { "data-id": tk.id, title: tk.description },
      h("td", {}, tk.id),
      h("td", {}, h("span", { class: `badge ${tk.urgency}` }, tr("urgencies", tk.urgency))),
      h("td", {}, tr("categories", tk.category)),
      h("td", {}, [tk.building, tk.unit].filter(Boolean).join(" / ") || "–"),
      h("td", {}, tr("statuses", tk.status), duplicateNote(tk, data.tickets, refresh)),
      h("td", {}, a.technician_id == null ? h("span", { class: "muted" }, a.unassigned_reason || "–") : techName(a.technician_id)),
      h("td", {}, hhmm(a.eta, ref()), " ", lateBadge(a.predicted_late_minutes)),
      h("td", {}, due ? hhmm(due, ref()) : "–"),
      h("td", {}, h("span", { class: `sla-badge ${sla}` }, tr("sla_states", sla))));
  }));
}

let techSignature = "";
function renderTechOptions() {
  const select = document.querySelector("#pin-form [name=technician_id]");
  const sig = lang + data.technicians.map((x) => `${x.id}:${x.name}:${x.on_shift}`).join("|");
  if (sig === techSignature) return;
  techSignature = sig;
  const keep = select.value;
  select.replaceChildren(...data.technicians.map((x) => h("option", { value: x.id }, `${x.id} · ${x.name}${x.on_shift ? "" : ` (${tr("states", "off")})`}`)));
  if (keep) select.value = keep;
}

function renderReasonOptions() {
  const select = document.querySelector("#pin-form [name=reason]");
  const keep = select.value;
  select.replaceChildren(...REASONS.map((r) => h("option", { value: r }, tr("reasons", r))));
  select.value = keep || "other";
}

function showMessage(text, ok) {
  const msg = $("pin-msg");
  msg.textContent = text;
  msg.className = `msg ${ok ? "ok" : "bad"}`;
}

// The pin form: pin (POST), hold, or clear (DELETE) whatever override the ticket has.
async function sendOverride(kind) {
  const form = $("pin-form");
  const ticketId = Number(form.ticket_id.value);
  if (!ticketId) return showMessage(t("need_ticket"), false);
  const reason = form.reason.value;
  const [method, path, body, done] = {
    pin: ["POST", API.overrides, { ticket_id: ticketId, technician_id: Number(form.technician_id.value), reason }, t("pinned")],
    hold: ["POST", `${API.overrides}/hold`, { ticket_id: ticketId, reason }, t("held")],
    unpin: ["DELETE", `${API.overrides}/${ticketId}`, undefined, t("unpinned")],
  }[kind];
  try {
    const res = await api(method, path, body);
    if (!res.ok) return showMessage(await errorText(res), false);
    const effect = await res.json();
    showMessage([`${done} #${ticketId}`, ...(effect.warnings || [])].join(" — "), !(effect.warnings || []).length);
    refresh();
  } catch (err) {
    showMessage(String(err), false);
  }
}

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").textContent = t("switch_to");
  techSignature = "";
  renderLegend();
  renderReasonOptions();
  render();
}

function start() {
  openStream();
  refresh();
  loadPolicy();
}

$("lang").addEventListener("click", () => { setLang(lang === "zh" ? "en" : "zh"); applyLang(); refresh(); });
$("signout").addEventListener("click", signOut);
$("login-form").addEventListener("submit", signIn);
$("login-dialog").addEventListener("cancel", (ev) => ev.preventDefault());
$("pin-form").addEventListener("submit", (ev) => { ev.preventDefault(); sendOverride("pin"); });
$("unpin").addEventListener("click", () => sendOverride("unpin"));
$("hold").addEventListener("click", () => sendOverride("hold"));
$("tickets").addEventListener("click", (ev) => {
  const row = ev.target.closest("tr[data-id]");
  if (row) $("pin-form").ticket_id.value = $("complete-form").ticket_id.value = row.dataset.id;
});
$("board").addEventListener("click", (ev) => {
  const block = ev.target.closest(".block[data-ticket]");
  if (block) $("pin-form").ticket_id.value = block.dataset.ticket;
});
auth.addEventListener("expired", () => { dropToken(); showLogin(t("expired")); });
initBoard((warnings, drop) => {
  showMessage([`${drop.kind === "hold" ? t("held") : t("moved")} #${drop.ticketId}`, ...warnings].join(" — "), !warnings.length);
  refresh();
}, techName);
initIntake();
initComplete(refresh);

applyLang();
if (token()) start();
else showLogin();
