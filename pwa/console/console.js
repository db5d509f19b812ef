// Live dispatcher console: polls the plan, open tickets and technicians every 2 s and draws them.
// All text goes into the page through textContent / attributes, never innerHTML.

const API = {
  plan: "/api/v1/plan",
  tickets: "/api/v1/tickets?status=new&status=assigned&status=accepted&status=en_route&status=on_site",
  technicians: "/api/v1/technicians",
  overrides: "/api/v1/overrides",
};
const POLL_MS = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";
const URGENCY_COLOR = { emergency: "#d62728", routine: "#1f6fd1", scheduled: "#2a9d3c" };
const ROUTE_COLORS = ["#8e44ad", "#e67e22", "#16a085", "#c0392b", "#2c3e50", "#d4a017", "#7f8c8d", "#e84393"];
const REASONS = ["resident_request", "technician_familiar", "parts", "other"];

const TEXT = {
  en: {
    title: "Dispatch console", switch_to: "中文", version: "Plan", solve: "Solve", travel: "Travel",
    late: "Late", unassigned: "Unassigned", computed: "Computed", routes: "Routes",
    override: "Pin a ticket", ticket: "Ticket", technician: "Technician", reason: "Reason",
    pin: "Pin", unpin: "Unpin", open_tickets: "Open tickets", id: "#", urgency: "Urgency",
    category: "Category", location: "Building / unit", status: "Status", eta: "ETA",
    deadline: "Deadline", min: "min", ms: "ms", no_stops: "no stops", none: "none",
    offline: "connection lost, retrying", live: "live", pinned: "Pinned", unpinned: "Unpinned",
    in_progress: "in progress", overtime: "overtime", map: "Map of tickets and technicians",
    need_ticket: "Enter a ticket id", tech_dot: "technician", hollow: "hollow = unassigned",
    urgencies: { emergency: "emergency", routine: "routine", scheduled: "scheduled" },
    statuses: { new: "new", assigned: "assigned", accepted: "accepted", en_route: "en route",
      on_site: "on site", completed: "completed", closed: "closed", cancelled: "cancelled" },
    states: { off: "off shift", idle: "idle", en_route: "en route", on_site: "on site" },
    reasons: { resident_request: "resident request", technician_familiar: "technician familiar",
      parts: "parts", other: "other" },
    categories: {},
  },
  zh: {
    title: "派工调度台", switch_to: "English", version: "方案", solve: "求解", travel: "路程",
    late: "迟到", unassigned: "未派工", computed: "计算于", routes: "路线",
    override: "指定派工", ticket: "工单", technician: "师傅", reason: "原因",
    pin: "指定", unpin: "取消指定", open_tickets: "未完成工单", id: "#", urgency: "紧急程度",
    category: "类别", location: "楼栋 / 房号", status: "状态", eta: "预计到达",
    deadline: "截止", min: "分钟", ms: "毫秒", no_stops: "暂无任务", none: "无",
    offline: "连接中断，正在重试", live: "实时", pinned: "已指定", unpinned: "已取消指定",
    in_progress: "进行中", overtime: "加班", map: "工单与师傅地图",
    need_ticket: "请输入工单号", tech_dot: "师傅", hollow: "空心 = 未派工",
    urgencies: { emergency: "紧急", routine: "常规", scheduled: "预约" },
    statuses: { new: "新建", assigned: "已派工", accepted: "已接单", en_route: "在途",
      on_site: "在现场", completed: "已完成", closed: "已关闭", cancelled: "已取消" },
    states: { off: "下班", idle: "空闲", en_route: "在途", on_site: "在现场" },
    reasons: { resident_request: "住户要求", technician_familiar: "师傅熟悉情况",
      parts: "配件", other: "其他" },
    categories: { water: "水", electric: "电", gas: "燃气", fire: "消防", elevator: "电梯",
      lock: "门锁", hvac: "空调", sanitation: "保洁", general: "综合" },
  },
};

let lang = localStorage.getItem("console.lang")
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
let data = { plan: null, tickets: [], technicians: [] };
let online = true;
const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
const tr = (group, value) => TEXT[lang][group]?.[value] ?? value;

// Build an element; string/number children become text nodes, so nothing is parsed as HTML.
function h(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
const s = (tag, attrs, ...children) => h(`svg:${tag}`, attrs, ...children);

const pad = (n) => String(n).padStart(2, "0");
// Local HH:MM, prefixed with MM-DD when not on the plan's day (the demo's clock is simulated).
function hhmm(iso, seconds = false) {
  if (!iso) return "–";
  const d = new Date(iso), ref = new Date(data.plan?.computed_at || Date.now());
  const day = d.toDateString() === ref.toDateString() ? "" : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  return `${day}${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? ":" + pad(d.getSeconds()) : ""}`;
}
const num = (x, digits = 0) => (x === undefined || x === null ? "–" : Number(x).toFixed(digits));
const deadline = (tk) => [tk.respond_by, tk.arrive_by, tk.resolve_by].filter(Boolean).sort((a, b) => new Date(a) - new Date(b))[0];
const lateBadge = (m) => (m > 0 ? h("span", { class: "late" }, `+${num(m)} ${t("min")}`) : null);

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

async function poll() {
  try {
    const [plan, tickets, technicians] = await Promise.all([getJSON(API.plan), getJSON(API.tickets), getJSON(API.technicians)]);
    data = { plan, tickets, technicians };
    online = true;
  } catch (err) {
    console.warn(err);
    online = false;
  }
  render();
  setTimeout(poll, POLL_MS);
}

function render() {
  renderSummary();
  renderMap();
  renderRoutes();
  renderUnassigned();
  renderTickets();
  renderTechOptions();
}

function renderSummary() {
  const p = data.plan || { objective: {} };
  const o = p.objective || {};
  const items = [
    [t("version"), `v${p.version ?? 0}`], [t("solve"), `${num(p.solve_ms)} ${t("ms")}`],
    [t("travel"), `${num(o.travel_minutes, 1)} ${t("min")}`], [t("late"), `${num(o.late_minutes, 1)} ${t("min")}`, o.late_minutes > 0],
    [t("unassigned"), (p.unassigned || []).length, (p.unassigned || []).length > 0], [t("computed"), hhmm(p.computed_at, true)],
  ];
  $("summary").replaceChildren(...items.map(([k, v, warn]) => h("div", {}, h("dt", {}, k), h("dd", { class: warn ? "warn" : null }, v))));
  const conn = $("conn");
  conn.textContent = online ? t("live") : t("offline");
  conn.className = `conn ${online ? "ok" : "bad"}`;
}

const techById = () => new Map(data.technicians.map((x) => [x.id, x]));
const ticketById = () => new Map(data.tickets.map((x) => [x.id, x]));
const routeColor = (techId) => ROUTE_COLORS[(techId - 1) % ROUTE_COLORS.length];
const techName = (id) => (id == null ? "–" : techById().get(id)?.name ?? `#${id}`);

function renderMap() {
  const svg = $("map");
  // Size the view to the drawn width so labels keep their pixel size; taller on a phone.
  const W = Math.max(300, Math.round(svg.clientWidth || 1000)), H = Math.round(W * (W < 600 ? 1 : 0.62)), M = 36;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const tickets = ticketById();
  const techs = data.technicians;
  const pts = [...data.tickets.map((x) => [x.lat, x.lon]), ...techs.map((x) => [x.position.lat, x.position.lon])];
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
  const at = new Map(); // ticket id or "t"+technician id -> drawn [x, y]
  for (const sp of ticketSpots.values()) sp.items.forEach((tk, i) => at.set(tk.id, [sp.x + i * 10, sp.y]));
  for (const [key, sp] of techSpots) {
    if (ticketSpots.has(key)) sp.x -= 16;
    sp.items.forEach((x, i) => at.set(`t${x.id}`, [sp.x + i * 6, sp.y]));
  }

  const layers = [title];
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
      return s("circle", { cx: x, cy: y, r: 7, fill: hollow ? "#fff" : color, stroke: hollow ? color : "#fff", "stroke-width": hollow ? 3 : 1.5 },
        s("title", {}, `#${tk.id} ${tr("urgencies", tk.urgency)} · ${tr("categories", tk.category)} · ${tk.building ?? ""} ${tk.unit ?? ""}`));
    }), s("text", { x: sp.x - 6, y: sp.y - 11, class: "ticket-label" }, sp.items.map((tk) => `#${tk.id}`).join(" "))));
  }
  for (const sp of techSpots.values()) {
    const names = sp.items.map((g) => g.name);
    layers.push(s("g", { class: `tech ${sp.items.every((g) => !g.on_shift) ? "off" : ""}` },
      s("title", {}, sp.items.map((g) => `${g.name} · ${tr("states", g.state)}`).join("\n")),
      ...sp.items.map((g) => {
        const [x, y] = at.get(`t${g.id}`);
        return s("rect", { x: x - 6, y: y - 6, width: 12, height: 12, rx: 2, fill: routeColor(g.id),
          stroke: "#fff", "stroke-width": 1.5, opacity: g.on_shift ? 1 : 0.45 });
      }),
      s("text", { x: sp.x - 6, y: sp.y + 22, class: "tech-label" }, names.join(", "))));
  }
  svg.replaceChildren(...layers);
  // Keep labels inside the view (measured once drawn).
  for (const label of svg.querySelectorAll("text")) {
    const box = label.getBBox();
    const shift = box.x < 4 ? 4 - box.x : Math.min(0, W - 4 - (box.x + box.width));
    if (shift) label.setAttribute("x", Number(label.getAttribute("x")) + shift);
  }
}

function renderLegend() {
  const dot = (color, hollow) => h("span", { class: "swatch", style: `border-color:${color};background:${hollow ? "#fff" : color}` });
  $("legend").replaceChildren(
    ...Object.keys(URGENCY_COLOR).map((u) => h("li", {}, dot(URGENCY_COLOR[u]), tr("urgencies", u))),
    h("li", {}, dot("#555", true), t("hollow")),
    h("li", {}, h("span", { class: "swatch square" }), t("tech_dot")));
}

function renderRoutes() {
  const routes = new Map((data.plan?.routes || []).map((r) => [r.technician_id, r]));
  const tickets = ticketById();
  $("routes").replaceChildren(...data.technicians.map((tech) => {
    const route = routes.get(tech.id);
    const stops = route?.stops || [];
    return h("li", { class: tech.on_shift ? "" : "off" },
      h("div", { class: "route-head" },
        h("span", { class: "swatch square", style: `background:${routeColor(tech.id)}` }),
        h("strong", {}, tech.name), h("span", { class: `state ${tech.state}` }, tr("states", tech.state)),
        route?.overtime_minutes > 0 ? h("span", { class: "late" }, `${t("overtime")} ${num(route.overtime_minutes)} ${t("min")}`) : null),
      stops.length
        ? h("ol", { class: "stops" }, ...stops.map((st) => {
          const tk = tickets.get(st.ticket_id);
          return h("li", { class: st.in_progress ? "in-progress" : "" },
            h("span", { class: "eta" }, hhmm(st.eta)), " ",
            h("span", { class: `dot ${tk?.urgency ?? ""}` }), `#${st.ticket_id}`,
            tk ? ` ${tr("categories", tk.category)}` : "",
            st.in_progress ? h("em", {}, ` ${t("in_progress")}`) : null, " ", lateBadge(st.late_minutes));
        }))
        : h("div", { class: "muted" }, t("no_stops")));
  }));
}

function renderUnassigned() {
  const list = data.plan?.unassigned || [];
  const tickets = ticketById();
  $("unassigned").replaceChildren(...(list.length ? list.map((u) => {
    const tk = tickets.get(u.ticket_id);
    return h("li", {}, h("strong", {}, `#${u.ticket_id}`), tk ? ` ${tr("urgencies", tk.urgency)} · ${tr("categories", tk.category)}: ` : ": ",
      h("span", { class: "reason" }, u.reason));
  }) : [h("li", { class: "muted" }, t("none"))]));
}

const COLUMNS = ["id", "urgency", "category", "location", "status", "technician", "eta", "deadline"];
function renderTickets() {
  $("ticket-head").replaceChildren(...COLUMNS.map((c) => h("th", {}, t(c))));
  const rows = [...data.tickets].sort((a, b) => new Date(deadline(a) || 8.64e15) - new Date(deadline(b) || 8.64e15));
  $("tickets").replaceChildren(...rows.map((tk) => {
    const a = tk.assignment || {};
    const due = deadline(tk);
    return h("tr", { "data-id": tk.id, title: tk.description },
      h("td", {}, tk.id),
      h("td", {}, h("span", { class: `badge ${tk.urgency}` }, tr("urgencies", tk.urgency))),
      h("td", {}, tr("categories", tk.category)),
      h("td", {}, [tk.building, tk.unit].filter(Boolean).join(" / ") || "–"),
      h("td", {}, tr("statuses", tk.status)),
      h("td", {}, a.technician_id == null ? h("span", { class: "muted" }, a.unassigned_reason || "–") : techName(a.technician_id)),
      h("td", {}, hhmm(a.eta), " ", lateBadge(a.predicted_late_minutes)),
      h("td", {}, due ? hhmm(due) : "–"));
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

// The API answers {detail, field} for refusals, or FastAPI's 422 list of {loc, msg}.
async function errorText(res) {
  try {
    const body = await res.json();
    if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    if (body.detail) return body.field ? `${body.detail} (${body.field})` : String(body.detail);
  } catch { /* not JSON */ }
  return `HTTP ${res.status}`;
}

function showMessage(text, ok) {
  const msg = $("pin-msg");
  msg.textContent = text;
  msg.className = `msg ${ok ? "ok" : "bad"}`;
}

async function sendOverride(method) {
  const form = $("pin-form");
  const ticketId = Number(form.ticket_id.value);
  if (!ticketId) return showMessage(t("need_ticket"), false);
  const isPin = method === "POST";
  const init = isPin
    ? { method, headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ticket_id: ticketId, technician_id: Number(form.technician_id.value), reason: form.reason.value }) }
    : { method };
  try {
    const res = await fetch(isPin ? API.overrides : `${API.overrides}/${ticketId}`, init);
    if (!res.ok) return showMessage(await errorText(res), false);
    showMessage(`${isPin ? t("pinned") : t("unpinned")} #${ticketId}`, true);
  } catch (err) {
    showMessage(String(err), false);
  }
}

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").textContent = t("switch_to");
  renderLegend();
  renderReasonOptions();
  render();
}

$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("console.lang", lang);
  applyLang();
});
$("pin-form").addEventListener("submit", (ev) => { ev.preventDefault(); sendOverride("POST"); });
$("unpin").addEventListener("click", () => sendOverride("DELETE"));
$("tickets").addEventListener("click", (ev) => {
  const row = ev.target.closest("tr[data-id]");
  if (row) $("pin-form").ticket_id.value = row.dataset.id;
});

applyLang();
poll();
