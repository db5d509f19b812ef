// Operations KPI page: trend lines per period and per-technician bars from GET /api/v1/kpis,
// CSV from /api/v1/kpis.csv. Charts by Chart.js (vendor/chart.umd.min.js, the global `Chart`).
// Text goes into the page through textContent, never innerHTML.

const API = { kpis: "/api/v1/kpis", csv: "/api/v1/kpis.csv", sites: "/api/v1/sites", technicians: "/api/v1/technicians" };
const URGENCIES = ["emergency", "routine", "scheduled"];
const CATEGORIES = ["water", "electric", "gas", "fire", "elevator", "lock", "hvac", "sanitation", "general"];
const COLORS = ["#1f6fd1", "#d62728", "#2a9d3c", "#e67e22", "#8e44ad"];
// Headline cards: field, format (% rate, n count, m minutes, r rating, h hours, k km).
const CARDS = [
  ["tickets", "n"], ["completed", "n"], ["respond_compliance", "%"], ["arrive_compliance", "%"],
  ["resolve_compliance", "%"], ["closed_loop_rate", "%"], ["first_time_fix_rate", "%"],
  ["rework_rate", "%"], ["cycle_time_avg_min", "m"], ["cycle_time_p90_min", "m"], ["rating_avg", "r"],
  ["recurring_faults", "n"], ["maintenance_on_time_rate", "%"], ["inspection_faults", "n"], ["utilisation", "%"],
  ["travel_km", "k"],
];
const TECH_COLUMNS = [["completed", "n"], ["first_time_fix_rate", "%"], ["rework_tickets", "n"], ["rating_avg", "r"],
  ["resolve_compliance", "%"], ["on_site_hours", "h"], ["load_vs_mean", "%"], ["utilisation", "%"], ["travel_km", "k"]];

const TEXT = {
  en: {
    title: "Operations KPIs", switch_to: "中文", console: "Live console", period: "Period", from: "From", to: "To",
    site: "Site", technician: "Technician", urgency: "Urgency", category: "Category", apply: "Apply", csv: "CSV",
    all: "all", day: "day", week: "week", month: "month", live: "live", offline: "cannot load the KPIs",
    sla_trend: "SLA compliance", loop_trend: "Closed loop and first-time fix", volume_trend: "Tickets and cycle time",
    tech_bars: "By technician", tech_table: "Technicians", name: "Technician", as_of: "as of",
    kpi: {
      tickets: "Tickets", completed: "Completed", respond_compliance: "Respond on time", arrive_compliance: "On site on time",
      resolve_compliance: "Resolved on time", closed_loop_rate: "Closed loop", first_time_fix_rate: "First-time fix",
      rework_rate: "Rework rate", rework_tickets: "Rework", cycle_time_avg_min: "Cycle time avg (min)",
      cycle_time_p90_min: "Cycle time p90 (min)", rating_avg: "Follow-up rating", recurring_faults: "Recurring faults",
      maintenance_on_time_rate: "Maintenance on time", inspection_faults: "Faults found by inspections", utilisation: "Utilisation", travel_km: "Travel (km)", load_vs_mean: "On site vs mean",
      on_site_hours: "On site (h)",
    },
    urgencies: {}, categories: {},
  },
  zh: {
    title: "运维指标", switch_to: "English", console: "调度台", period: "周期", from: "起", to: "止",
    site: "项目", technician: "师傅", urgency: "紧急程度", category: "类别", apply: "查询", csv: "导出 CSV",
    all: "全部", day: "日", week: "周", month: "月", live: "已更新", offline: "无法加载指标",
    sla_trend: "SLA 及时率", loop_trend: "闭环率与一次修复率", volume_trend: "工单量与处理时长",
    tech_bars: "按师傅", tech_table: "师傅明细", name: "师傅", as_of: "截至",
    kpi: {
      tickets: "工单数", completed: "完工数", respond_compliance: "接单及时率", arrive_compliance: "到场及时率",
      resolve_compliance: "完工及时率", closed_loop_rate: "闭环率", first_time_fix_rate: "一次修复率",
      rework_rate: "返修率", rework_tickets: "返修单", cycle_time_avg_min: "平均处理时长（分）",
      cycle_time_p90_min: "处理时长 P90（分）", rating_avg: "回访评分", recurring_faults: "重复故障",
      maintenance_on_time_rate: "维保按时率", inspection_faults: "巡检发现故障", utilisation: "利用率", travel_km: "行驶里程（公里）", load_vs_mean: "在场工时/平均",
      on_site_hours: "在现场（小时）",
    },
    urgencies: { emergency: "紧急", routine: "常规", scheduled: "预约" },
    categories: { water: "水", electric: "电", gas: "燃气", fire: "消防", elevator: "电梯", lock: "门锁", hvac: "空调",
      sanitation: "保洁", general: "综合" },
  },
};

// ?lang=zh|en (a link, or a screenshot) wins over the saved choice, then the browser's language.
const asked = new URLSearchParams(location.search).get("lang");
let lang = (asked in TEXT ? asked : null) || localStorage.getItem("console.lang")
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
let state = { periods: null, people: null, sites: [], technicians: [] };
const charts = {};
const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
const k = (name) => TEXT[lang].kpi[name] ?? TEXT.en.kpi[name] ?? name;
const tr = (group, value) => TEXT[lang][group]?.[value] ?? value;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [a, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (a === "style") node.style.cssText = v; // CSSOM: the CSP refuses style attributes
    else node.setAttribute(a, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

function fmt(v, kind) {
  if (v === null || v === undefined) return "–";
  if (kind === "%") return `${(v * 100).toFixed(1)}%`;
  if (kind === "r") return v.toFixed(2);
  if (kind === "m" || kind === "h" || kind === "k") return v.toFixed(1);
  return String(v);
}
const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);

// The console's login (/console/) keeps the dispatcher's token here (common.js TOKEN).
function headers(accept) {
  const token = localStorage.getItem("console.token");
  return token ? { Accept: accept, Authorization: `Bearer ${token}` } : { Accept: accept };
}

async function get(url, accept = "application/json") {
  const res = await fetch(url, { headers: headers(accept) });
  if (res.status === 401) {  // not signed in, or the token expired: sign in on the console
    location.href = "/console/?next=" + encodeURIComponent(location.pathname + location.search);
    throw new Error("401");
  }
  if (!res.ok) {
    let detail = `${res.status}`;
    try { const body = await res.json(); detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail); } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return accept === "text/csv" ? res.text() : res.json();
}

function params(extra = {}) {
  const form = new FormData($("filters"));
  const p = new URLSearchParams();
  for (const [key, value] of form.entries()) if (value) p.set(key, value);
  for (const [key, value] of Object.entries(extra)) p.set(key, value);
  return p;
}

async function load() {
  $("msg").textContent = "";
  try {
    const [periods, people] = await Promise.all([
      get(`${API.kpis}?${params({ group_by: "period" })}`),
      get(`${API.kpis}?${params({ group_by: "technician" })}`),
    ]);
    state = { ...state, periods, people };
    const form = $("filters");
    form.elements.from.value = periods.start;
    form.elements.to.value = periods.end;
    $("conn").className = "conn ok";
    $("conn").textContent = t("live");
  } catch (err) {
    $("conn").className = "conn bad";
    $("conn").textContent = t("offline");
    $("msg").textContent = err.message;
  }
  render();
}

async function loadOptions() {
  try {
    [state.sites, state.technicians] = await Promise.all([get(API.sites), get(API.technicians)]);
  } catch (err) {
    console.warn(err);
  }
}

function fillSelect(select, values, label) {
  const current = select.value;
  select.replaceChildren(h("option", { value: "" }, t("all")),
    ...values.map(([value, text]) => h("option", { value }, label ? label(text) : text)));
  select.value = current;
}

function renderStatic() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").textContent = t("switch_to");
  const f = $("filters").elements;
  for (const option of f.period.options) option.textContent = t(option.value);
  fillSelect(f.site, state.sites.map((s) => [s.id, s.name]));
  fillSelect(f.technician, state.technicians.map((x) => [String(x.id), x.name]));
  fillSelect(f.urgency, URGENCIES.map((u) => [u, u]), (u) => tr("urgencies", u));
  fillSelect(f.category, CATEGORIES.map((c) => [c, c]), (c) => tr("categories", c));
}

function render() {
  renderStatic();
  const p = state.periods;
  if (!p) return;
  $("range").textContent = `${p.start} – ${p.end} · ${t("as_of")} ${new Date(p.as_of).toLocaleString()}`;
  $("cards").replaceChildren(...CARDS.map(([name, kind]) => h("div", {},
    h("dt", {}, k(name)), h("dd", {}, fmt(p.total[name], kind)))));
  const labels = p.rows.map((r) => r.label);
  const series = (name, scale = pct) => p.rows.map((r) => scale(r.kpis[name]));
  const same = (v) => v;
  line("chart-sla", labels, ["respond_compliance", "arrive_compliance", "resolve_compliance"]
    .map((name) => ({ label: k(name), data: series(name) })), { percent: true });
  line("chart-loop", labels, ["closed_loop_rate", "first_time_fix_rate", "rework_rate", "utilisation"]
    .map((name) => ({ label: k(name), data: series(name) })), { percent: true });
  line("chart-volume", labels, [
    { label: k("tickets"), data: series("tickets", same), type: "bar", yAxisID: "y" },
    { label: k("completed"), data: series("completed", same), type: "bar", yAxisID: "y" },
    { label: k("cycle_time_avg_min"), data: series("cycle_time_avg_min", same), yAxisID: "y2" },
  ], { twoAxes: true });
  renderTechnicians();
}

function line(id, labels, datasets, { percent = false, twoAxes = false } = {}) {
  const colored = datasets.map((d, i) => ({ borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length] + (d.type === "bar" ? "99" : ""),
    spanGaps: false, tension: 0.2, pointRadius: 2, ...d }));
  const scales = { y: { beginAtZero: true, ...(percent ? { max: 100, ticks: { callback: (v) => `${v}%` } } : {}) } };
  if (twoAxes) scales.y2 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
  draw(id, { type: "line", data: { labels, datasets: colored }, options: { scales } });
}

function draw(id, config) {
  charts[id]?.destroy();
  config.options = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: "bottom" } }, ...config.options };
  charts[id] = new Chart($(id), config);
}

function renderTechnicians() {
  const rows = state.people?.rows ?? [];
  draw("chart-tech", {
    type: "bar",
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        { label: k("completed"), data: rows.map((r) => r.kpis.completed), backgroundColor: COLORS[0], yAxisID: "y" },
        { label: `${k("utilisation")} %`, data: rows.map((r) => pct(r.kpis.utilisation)), backgroundColor: COLORS[2], yAxisID: "y2" },
      ],
    },
    options: { scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false } } } },
  });
  $("tech-head").replaceChildren(h("th", {}, t("name")), ...TECH_COLUMNS.map(([name]) => h("th", {}, k(name))));
  $("tech-body").replaceChildren(...rows.map((r) => h("tr", {}, h("td", {}, r.label),
    ...TECH_COLUMNS.map(([name, kind]) => h("td", {}, fmt(r.kpis[name], kind))))));
}

async function downloadCsv() {
  try {
    const text = await get(`${API.csv}?${params({ group_by: "period" })}`, "text/csv");
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    const a = h("a", { href: url, download: `kpis-${state.periods?.start ?? ""}-${state.periods?.end ?? ""}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  } catch (err) {
    $("msg").textContent = err.message;
  }
}

$("filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
$("csv").addEventListener("click", downloadCsv);
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("console.lang", lang);
  render();
});

// Filters given in the address (kpi.html?period=week&from=2026-11-01) fill the form first.
function prefill() {
  const given = new URLSearchParams(location.search);
  for (const field of $("filters").elements) if (field.name && given.has(field.name)) field.value = given.get(field.name);
}

renderStatic();
prefill();
loadOptions().then(() => { renderStatic(); prefill(); return load(); });
