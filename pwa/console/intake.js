// The front desk's intake form: site, building, unit, category. The category suggests the
// urgency and the skill (from the SLA policy the server runs, GET /api/v1/sla/policy); the
// deadlines shown after creating come from the server's answer, never computed here.

import { $, api, errorText, getJSON, h, hhmm, t, tr } from "./common.js";

const CATEGORIES = ["water", "electric", "gas", "fire", "elevator", "lock", "hvac", "sanitation", "general"];
const URGENCIES = ["emergency", "routine", "scheduled"];
const SKILLS = ["plumber", "electrician", "locksmith", "elevator", "fire", "hvac", "cleaning", "general"];
// Categories that usually mean damage spreading or people stuck, when the policy names no rule.
const URGENT = new Set(["water", "gas", "fire", "electric", "elevator"]);

let policy = null;
let sites = [];
let buildings = new Map(); // "site|building" -> [lat, lon]
let touched = { urgency: false, skill: false };
let last = { sites: [], tickets: [] };

/** The urgency the policy ties to a category (a rule naming it), else the usual one. */
function suggestUrgency(category) {
  const rule = policy?.rules?.find((r) => r.category === category && r.urgency);
  return rule?.urgency ?? (URGENT.has(category) ? "emergency" : "routine");
}
const suggestSkill = (category) => policy?.categories?.[category]?.skill ?? (category === "water" || category === "gas" ? "plumber" : category === "electric" ? "electrician" : category === "lock" ? "locksmith" : category === "sanitation" ? "cleaning" : category);

// The policy's targets for this urgency and category, in minutes, as a preview line.
function targets(urgency, category) {
  if (!policy?.urgencies) return "";
  const base = { ...(policy.urgencies[urgency] || {}) };
  for (const r of policy.rules || []) {
    if (r.category === category && (!r.urgency || r.urgency === urgency)) Object.assign(base, r);
  }
  return [["respond_min", "respond_by"], ["arrive_min", "arrive_by"], ["resolve_min", "resolve_by"]]
    .filter(([k]) => base[k] != null).map(([k, label]) => `${t(label)} ${t("minutes", { n: base[k] })}`).join(" · ");
}

const options = (select, values, group) => select.replaceChildren(...values.map((v) => h("option", { value: v }, group ? tr(group, v) : v)));

function suggest() {
  const form = $("intake-form");
  const category = form.category.value;
  if (!touched.urgency) form.urgency.value = suggestUrgency(category);
  if (!touched.skill) form.skill.value = suggestSkill(category);
  $("intake-window").hidden = form.urgency.value !== "scheduled";
  $("intake-targets").textContent = targets(form.urgency.value, category);
}

/** Refill the choices after new data or a language switch; keeps what is picked. */
export function renderIntake(data) {
  last = data;
  sites = data.sites;
  buildings = new Map();
  for (const tk of data.tickets) if (tk.site_id && tk.building) buildings.set(`${tk.site_id}|${tk.building}`, [tk.lat, tk.lon]);
  const form = $("intake-form");
  const keep = { site: form.site_id.value, category: form.category.value, urgency: form.urgency.value, skill: form.skill.value };
  options(form.site_id, sites.map((x) => x.id));
  [...form.site_id.options].forEach((o, i) => { o.textContent = sites[i].name; });
  options(form.category, CATEGORIES, "categories");
  options(form.urgency, URGENCIES, "urgencies");
  options(form.skill, SKILLS, "skills");
  for (const [k, v] of Object.entries(keep)) if (v) form[k === "site" ? "site_id" : k].value = v;
  const site = form.site_id.value;
  $("building-list").replaceChildren(...[...buildings.keys()].filter((k) => k.startsWith(`${site}|`))
    .map((k) => h("option", { value: k.split("|")[1] })));
  suggest();
}

/** A building's position: from its tickets, else the site's centre. */
export function place(siteId, building) {
  const known = buildings.get(`${siteId}|${building}`);
  if (known) return known;
  const site = sites.find((x) => x.id === siteId);
  return site ? [site.lat, site.lon] : [null, null];
}

function ticketBody() {
  const form = $("intake-form");
  const [lat, lon] = place(form.site_id.value, form.building.value.trim());
  const body = {
    urgency: form.urgency.value, category: form.category.value, skill: form.skill.value, lat, lon,
    site_id: form.site_id.value || null, building: form.building.value.trim() || null,
    unit: form.unit.value.trim() || null, description: form.description.value.trim(),
  };
  if (body.urgency === "scheduled" && form.window_start.value && form.window_end.value) {
    body.window = { start: new Date(form.window_start.value).toISOString(), end: new Date(form.window_end.value).toISOString() };
  }
  // A linked visit (the second visit once the part is in): planned after that ticket is done.
  if (form.follows_id.value) {
    body.follows = { ticket_id: Number(form.follows_id.value), delay_minutes: Number(form.follows_delay.value || 0),
      same_technician: form.follows_same.checked };
  }
  return body;
}

const deadlineList = (tk, ref) => h("dl", { class: "deadlines" },
  ...["respond_by", "arrive_by", "resolve_by"].filter((k) => tk[k]).flatMap((k) => [h("dt", {}, t(k)), h("dd", { "data-deadline": k }, hhmm(tk[k], ref))]),
  ...(tk.window ? [h("dt", {}, t("window")), h("dd", {}, `${hhmm(tk.window.start, ref)}–${hhmm(tk.window.end, ref)}`)] : []));

// The deadlines the ticket would get if reported now, as the server computes them.
let previewTimer = null;
function preview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const body = ticketBody();
    if (body.lat == null) return;
    const res = await api("POST", "/api/v1/tickets/preview", body).catch(() => null);
    const out = $("intake-preview");
    if (!res?.ok) return out.replaceChildren();
    const p = await res.json();
    out.replaceChildren(h("span", { class: "muted" }, `${t("deadlines")} (${t("if_now")}):`), deadlineList(p));
  }, 200);
}

async function submit(ev) {
  ev.preventDefault();
  const form = $("intake-form");
  const body = ticketBody();
  const res = await api("POST", "/tickets", body);
  const out = $("intake-result");
  if (!res.ok) {
    out.className = "msg bad";
    out.replaceChildren(await errorText(res));
    return;
  }
  const tk = await res.json();
  out.className = "msg ok";
  out.replaceChildren(h("strong", {}, t("created", { id: tk.id })), deadlineList(tk, tk.reported_at));
  form.description.value = "";
  form.follows_id.value = "";
  form.follows_delay.value = "0";
  form.follows_same.checked = false;
  form.unit.value = "";
  touched = { urgency: false, skill: false };
}

export function initIntake() {
  const form = $("intake-form");
  form.addEventListener("submit", submit);
  form.category.addEventListener("change", () => { suggest(); preview(); });
  form.urgency.addEventListener("change", () => { touched.urgency = true; suggest(); preview(); });
  form.skill.addEventListener("change", () => { touched.skill = true; });
  for (const name of ["building", "window_start", "window_end"]) form[name].addEventListener("change", preview);
  form.site_id.addEventListener("change", () => { renderIntake(last); preview(); });
}

/** Fetch the SLA policy (after sign-in: it needs the dispatcher's token). */
export async function loadPolicy() {
  policy = await getJSON("/api/v1/sla/policy").catch(() => null);
  suggest();
}
