// The resident's app: opened from the QR code on the home's notice (`/r/#k=<link>`), it
// reports a repair with photos and a preferred time, shows each report's deadlines and
// progress as they change (pushed over /resident/stream, not refreshed by hand), asks how it
// went once done, and reopens it within 7 days if the fault is back. zh-CN first.

import { shrink } from "/app/js/photo.js";

const API = "/api/v1/resident";
const KEY = "resident.key";
const TEXT = {
  zh: {
    title: "物业报修", report: "我要报修", category: "报修类别", description: "问题描述",
    describe: "例如：厨房水龙头一直滴水", urgent: "紧急（漏水、停电、燃气味）", when: "希望上门时间（非紧急）",
    day: "日期", slot: "时段", any_time: "尽快安排", photos: "照片（最多 3 张）", send: "提交报修",
    mine: "我的报修", none: "还没有报修记录", sent: "已提交，工单 #{id}", bad_link: "链接无效",
    bad_link_text: "请重新扫描您家门口或单元公告上的报修二维码。", revoked: "链接已停用",
    revoked_text: "物业已停用此二维码，请联系物业服务中心获取新的二维码。", live: "实时",
    respond_by: "最迟接单", arrive_by: "最迟到场", resolve_by: "最迟修复", window: "预约时段",
    technician: "维修师傅", eta: "预计到达", rate: "服务评价", fixed_q: "问题解决了吗？", yes: "已解决", no: "没解决",
    comment: "留言（选填）", submit_rating: "提交评价", thanks: "感谢您的评价", reopen: "问题又出现了",
    reopen_until: "{at} 前可申请返修", reopened: "已申请返修，新工单 #{id}", rework_of: "返修自 #{id}",
    rework: "已返修：工单 #{ids}", uploading: "正在上传照片…", failed: "提交失败：{msg}", photos_n: "{n} 张照片",
    steps: ["已受理", "已派单", "已接单", "在路上", "已到场", "已完成"],
    cancelled: "已取消", closed: "已关闭", emergency: "紧急", routine: "一般", scheduled: "预约",
    categories: { water: "水", electric: "电", gas: "燃气", lock: "门锁", hvac: "空调", elevator: "电梯",
      sanitation: "保洁", fire: "消防", general: "其他" },
    slots: { "09": "上午 9–12 点", "13": "下午 1–5 点", "18": "晚上 6–8 点" },
    complain: "我要投诉", topic: "投诉类别", complaint_text: "投诉内容", send_complaint: "提交投诉",
    my_complaints: "我的投诉", complained: "已提交投诉 #{id}", explanation: "物业答复", outcome: "处理结果",
    acknowledge_by: "最迟受理", explain_by: "最迟答复", close_by: "最迟办结",
    c_steps: ["已提交", "已受理", "已答复", "已办结"],
    topics: { facility: "设施故障", sanitation: "环境卫生", noise: "噪音", security: "安保", parking: "停车",
      service: "服务态度", other: "其他" },
  },
  en: {
    title: "Report a repair", report: "Report a repair", category: "What is it about", description: "What happened",
    describe: "e.g. the kitchen tap keeps dripping", urgent: "Urgent (water pouring, no power, gas smell)",
    when: "Preferred time (non-urgent)", day: "Day", slot: "Time", any_time: "As soon as possible",
    photos: "Photos (up to 3)", send: "Send", mine: "My reports", none: "No reports yet", sent: "Sent: ticket #{id}",
    bad_link: "This link is not valid", bad_link_text: "Please scan the repair QR code on your door or notice board again.",
    revoked: "This link was withdrawn", revoked_text: "The property office withdrew this code: ask them for a new one.",
    live: "live", respond_by: "Accepted by", arrive_by: "On site by", resolve_by: "Fixed by", window: "Appointment",
    technician: "Technician", eta: "Arrives about", rate: "How did it go", fixed_q: "Is it fixed?", yes: "Fixed",
    no: "Not fixed", comment: "Comment (optional)", submit_rating: "Send", thanks: "Thank you for your rating",
    reopen: "The fault is back", reopen_until: "can be reopened until {at}", reopened: "Reopened: new ticket #{id}",
    rework_of: "rework of #{id}", rework: "Reworked: ticket #{ids}", uploading: "Uploading photos…",
    failed: "Not sent: {msg}", photos_n: "{n} photo(s)",
    steps: ["Received", "Assigned", "Accepted", "On the way", "On site", "Done"],
    cancelled: "Cancelled", closed: "Closed", emergency: "Urgent", routine: "Routine", scheduled: "Booked",
    categories: { water: "Water", electric: "Electric", gas: "Gas", lock: "Lock", hvac: "Air-con", elevator: "Elevator",
      sanitation: "Cleaning", fire: "Fire", general: "Other" },
    slots: { "09": "9–12 am", "13": "1–5 pm", "18": "6–8 pm" },
    complain: "Make a complaint", topic: "About", complaint_text: "Your complaint", send_complaint: "Send",
    my_complaints: "My complaints", complained: "Complaint #{id} sent", explanation: "The office's answer",
    outcome: "Outcome", acknowledge_by: "Acknowledged by", explain_by: "Answered by", close_by: "Closed by",
    c_steps: ["Sent", "Acknowledged", "Answered", "Closed"],
    topics: { facility: "Facility fault", sanitation: "Cleanliness", noise: "Noise", security: "Security",
      parking: "Parking", service: "Staff conduct", other: "Other" },
  },
};
const STEP_OF = { received: 0, assigned: 1, accepted: 2, on_the_way: 3, on_site: 4, done: 5, closed: 5 };

let lang = localStorage.getItem("resident.lang") || ((navigator.language || "zh").toLowerCase().startsWith("en") ? "en" : "zh");
const t = (k, vars = {}) => String(TEXT[lang][k] ?? k).replace(/\{(\w+)\}/g, (_, n) => vars[n] ?? "");
const state = { home: null, tickets: [], complaints: [], notice: null, error: null, draft: { photos: [] }, ratings: {}, comments: {} };

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function key() {
  const m = location.hash.match(/k=([\w.-]+)/);
  if (m) {
    localStorage.setItem(KEY, m[1]);
    history.replaceState(null, "", location.pathname);  // the code stays out of the address bar
  }
  return localStorage.getItem(KEY);
}

async function call(method, path, body) {
  const init = { method, headers: { "X-Unit-Key": key(), Accept: "application/json", "Accept-Language": lang === "zh" ? "zh-CN" : "en" } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const res = await fetch(`${API}${path}`, init);
  if (res.status === 401 || res.status === 410) { state.error = res.status; render(); throw new Error(String(res.status)); }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(Array.isArray(answer.detail) ? answer.detail.map((d) => d.msg).join("; ") : answer.detail || `HTTP ${res.status}`);
  return answer;
}

const clock = (iso) => {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  const hm = d.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  return today ? hm : `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
};

function notify(text, kind = "ok") {
  state.notice = { text, kind };
  render();
  setTimeout(() => { if (state.notice?.text === text) { state.notice = null; render(); } }, 6000);
}

async function loadAll() {
  [state.home, state.tickets, state.complaints] = await Promise.all(
    [call("GET", "/me"), call("GET", "/tickets"), call("GET", "/complaints")]);
  render();
}

async function loadComplaints() {
  state.complaints = await call("GET", "/complaints");
  render();
}

async function refreshOne(id) {
  const fresh = await call("GET", `/tickets/${id}`);
  const i = state.tickets.findIndex((x) => x.id === id);
  if (i >= 0) state.tickets[i] = fresh; else state.tickets.unshift(fresh);
  render();
}

function listen() {
  const source = new EventSource(`${API}/stream?key=${encodeURIComponent(key())}`);
  source.onopen = () => { document.getElementById("live").hidden = false; };
  source.onerror = () => { document.getElementById("live").hidden = true; };
  source.onmessage = (ev) => {
    const said = JSON.parse(ev.data);
    (said.complaint_id ? loadComplaints() : refreshOne(said.ticket_id)).catch(() => {});
  };
}

// -- reporting ------------------------------------------------------------------------------
function slotWindow(day, slot) {
  if (!day || !slot) return null;
  const start = new Date(`${day}T${slot}:00:00`);
  const hours = { "09": 3, "13": 4, "18": 2 }[slot];
  return { start: start.toISOString(), end: new Date(start.getTime() + hours * 3600e3).toISOString() };
}

async function submit(form) {
  const d = state.draft;
  const urgent = form.urgent.checked;
  const body = { category: form.category.value, description: form.description.value.trim(), urgent };
  const window = urgent ? null : slotWindow(form.day.value, form.slot.value);
  if (window) body.window = window;
  form.querySelector("button[type=submit]").disabled = true;
  try {
    const made = await call("POST", "/tickets", body);
    if (d.photos.length) notify(t("uploading"));
    for (const blob of d.photos) {
      const data = new FormData();
      data.append("file", blob, "photo.jpg");
      await call("POST", `/tickets/${made.id}/photos`, data);
    }
    state.draft = { photos: [] };
    formEl = null;  // drawn afresh, empty
    await refreshOne(made.id);
    notify(t("sent", { id: made.id }));
  } catch (err) {
    notify(t("failed", { msg: err.message }), "error");
  } finally {
    form.querySelector("button[type=submit]").disabled = false;
  }
}

let formEl = null; // built once per language and after each report: never under the fingers

function thumbs() {
  const d = state.draft;
  return h("div", { class: "thumbs", id: "thumbs" }, d.photos.map((b) => h("img", { src: URL.createObjectURL(b), alt: "" })));
}

function reportForm() {
  if (formEl?.dataset.lang === lang) return formEl;
  const d = state.draft;
  const form = h("form", { class: "card", id: "report", "data-lang": lang, onsubmit: (ev) => { ev.preventDefault(); submit(ev.target); } },
    h("h2", {}, t("report")),
    h("label", {}, t("category"), h("select", { name: "category" },
      Object.entries(TEXT[lang].categories).map(([v, name]) => h("option", { value: v, selected: d.category === v }, name)))),
    h("label", {}, t("description"), h("textarea", { name: "description", rows: 3, required: true, maxlength: 2000, placeholder: t("describe") }, d.description || "")),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "urgent", checked: d.urgent }), t("urgent")),
    h("fieldset", { class: "when" }, h("legend", {}, t("when")), h("div", { class: "row" },
      h("input", { type: "date", name: "day", min: new Date().toISOString().slice(0, 10) }),
      h("select", { name: "slot" }, h("option", { value: "" }, t("any_time")),
        Object.entries(TEXT[lang].slots).map(([v, name]) => h("option", { value: v }, name))))),
    h("label", { class: "photo-btn" }, t("photos"), h("input", { type: "file", name: "photos", accept: "image/*", multiple: true, class: "visually-hidden", onchange: async (ev) => {
      const files = [...ev.target.files].slice(0, 3 - d.photos.length);
      for (const file of files) d.photos.push((await shrink(file)).blob);
      ev.target.value = "";
      form.querySelector("#thumbs").replaceWith(thumbs());
    } })),
    thumbs(),
    h("button", { type: "submit" }, t("send")));
  form.addEventListener("input", () => { d.category = form.category.value; d.description = form.description.value; d.urgent = form.urgent.checked; });
  // Folded away once the home has reports, so their progress comes first on the screen.
  formEl = h("details", { class: "report", "data-lang": lang, open: !state.tickets.length },
    h("summary", { class: "card" }, `＋ ${t("report")}`), form);
  return formEl;
}

let complainEl = null;

function complainForm() {
  if (complainEl?.dataset.lang === lang) return complainEl;
  const form = h("form", { class: "card", id: "complain", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const made = await call("POST", "/complaints", { topic: form.topic.value, text: form.text.value.trim() });
      complainEl = null;
      await loadComplaints();
      notify(t("complained", { id: made.id }));
    } catch (err) { notify(t("failed", { msg: err.message }), "error"); }
  } },
  h("label", {}, t("topic"), h("select", { name: "topic" },
    Object.entries(TEXT[lang].topics).map(([v, name]) => h("option", { value: v }, name)))),
  h("label", {}, t("complaint_text"), h("textarea", { name: "text", rows: 3, required: true, maxlength: 2000 })),
  h("button", { type: "submit" }, t("send_complaint")));
  complainEl = h("details", { class: "report", "data-lang": lang }, h("summary", { class: "card" }, `＋ ${t("complain")}`), form);
  return complainEl;
}

const C_STEP = { open: 0, acknowledged: 1, explained: 2, closed: 3 };

function complaintCard(c) {
  const at = C_STEP[c.state];
  const rows = [];
  const add = (k, v) => { if (v) rows.push(h("dt", {}, t(k)), h("dd", {}, v)); };
  if (!c.acknowledged_at) add("acknowledge_by", clock(c.acknowledge_by));
  if (!c.explained_at) add("explain_by", clock(c.explain_by));
  if (!c.closed_at) add("close_by", clock(c.close_by));
  add("explanation", c.explanation);
  add("outcome", c.outcome);
  return h("article", { class: "card complaint", "data-complaint": c.id, "data-state": c.state },
    h("div", { class: "row" }, h("strong", {}, TEXT[lang].topics[c.topic] || c.topic),
      h("span", { class: "muted" }, `#${c.id} · ${clock(c.made_at)}`)),
    h("p", {}, c.text),
    h("ol", { class: "steps" }, TEXT[lang].c_steps.map((name, i) => h("li", { class: i < at ? "done" : i === at ? "now" : "" }, name))),
    h("dl", { class: "facts" }, rows));
}

// -- following ------------------------------------------------------------------------------
function steps(tk) {
  if (tk.progress === "cancelled") return h("p", { class: "muted" }, t("cancelled"));
  const at = STEP_OF[tk.progress];
  return h("ol", { class: "steps", "data-progress": tk.progress }, TEXT[lang].steps.map((name, i) =>
    h("li", { class: i < at ? "done" : i === at ? "now" : "" }, name)));
}

function facts(tk) {
  const rows = [];
  const add = (k, v) => { if (v) rows.push(h("dt", {}, t(k)), h("dd", { "data-fact": k }, v)); };
  add("technician", tk.technician);
  add("eta", tk.eta && clock(tk.eta));
  if (!tk.completed_at) {
    if (tk.window) add("window", `${clock(tk.window.start)}–${clock(tk.window.end).split(" ").pop()}`);
    if (!tk.accepted_at) add("respond_by", tk.respond_by && clock(tk.respond_by));
    if (!tk.on_site_at) add("arrive_by", tk.arrive_by && clock(tk.arrive_by));
    add("resolve_by", tk.resolve_by && clock(tk.resolve_by));
  }
  return rows.length ? h("dl", { class: "facts" }, rows) : null;
}

async function rate(tk, fixed, comment) {
  try {
    const answer = await call("POST", `/tickets/${tk.id}/followup`, { rating: state.ratings[tk.id], fixed, comment });
    await refreshOne(tk.id);
    notify(t("thanks"));
    if (!fixed && answer.reworks?.length) await refreshOne(answer.reworks[answer.reworks.length - 1]);
  } catch (err) { notify(t("failed", { msg: err.message }), "error"); }
}

function rating(tk) {
  if (tk.followup !== "pending") return tk.rating ? h("p", { class: "muted" }, "★".repeat(tk.rating)) : null;
  const stars = state.ratings[tk.id] || 0;
  const comment = h("input", { type: "text", name: "comment", placeholder: t("comment"), value: state.comments[tk.id] || "",
    oninput: (e) => { state.comments[tk.id] = e.target.value; } });
  return h("div", { class: "rating", "data-rating": tk.id }, h("h3", {}, t("rate")),
    h("div", { class: "stars" }, [1, 2, 3, 4, 5].map((n) => h("button", { type: "button", class: n <= stars ? "on" : "", "data-star": n,
      onclick: () => { state.ratings[tk.id] = n; render(); } }, "★"))),
    comment, h("p", {}, t("fixed_q")),
    h("div", { class: "row" },
      h("button", { type: "button", disabled: !stars, "data-fixed": "true", onclick: () => rate(tk, true, comment.value) }, t("yes")),
      h("button", { type: "button", class: "secondary", disabled: !stars, "data-fixed": "false", onclick: () => rate(tk, false, comment.value) }, t("no"))));
}

async function reopen(tk) {
  try {
    const redo = await call("POST", `/tickets/${tk.id}/reopen`, {});
    await refreshOne(tk.id);
    await refreshOne(redo.id);
    notify(t("reopened", { id: redo.id }));
  } catch (err) { notify(t("failed", { msg: err.message }), "error"); }
}

function ticketCard(tk) {
  const canReopen = tk.reopen_until && new Date(tk.reopen_until) > new Date() && !tk.reworks.length && tk.followup !== "pending";
  return h("article", { class: "card ticket", "data-ticket": tk.id },
    h("div", { class: "row" }, h("span", { class: `badge ${tk.urgency}` }, t(tk.urgency)),
      h("strong", {}, TEXT[lang].categories[tk.category] || tk.category), h("span", { class: "muted" }, `#${tk.id} · ${clock(tk.reported_at)}`)),
    h("p", {}, tk.description),
    tk.rework_of ? h("p", { class: "muted" }, t("rework_of", { id: tk.rework_of })) : null,
    steps(tk), facts(tk),
    tk.photos ? h("p", { class: "muted" }, t("photos_n", { n: tk.photos })) : null,
    rating(tk),
    tk.reworks.length ? h("p", { class: "muted" }, t("rework", { ids: tk.reworks.join(", #") })) : null,
    canReopen ? h("div", {}, h("p", { class: "muted" }, t("reopen_until", { at: clock(tk.reopen_until) })),
      h("button", { type: "button", class: "secondary", "data-reopen": tk.id, onclick: () => reopen(tk) }, t("reopen"))) : null);
}

function render() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.getElementById("title").textContent = t("title");
  document.getElementById("lang").textContent = lang === "zh" ? "English" : "中文";
  document.getElementById("live").textContent = t("live");
  const view = document.getElementById("view");
  if (state.error || !key()) {
    const revoked = state.error === 410;
    view.replaceChildren(h("section", { class: "card", role: "alert", id: "link-error" },
      h("h2", {}, t(revoked ? "revoked" : "bad_link")), h("p", {}, t(revoked ? "revoked_text" : "bad_link_text"))));
    return;
  }
  if (state.home) document.getElementById("home").textContent = `${state.home.site_name} · ${state.home.building} · ${state.home.unit}`;
  // The form stays in the page while the rest is redrawn: a live update never takes the
  // focus or the caret from what the resident is typing.
  if (!state.home) return;  // still loading
  const form = reportForm();
  const complaintForm = complainForm();
  if (!view.contains(form) || !view.contains(complaintForm)) {
    view.replaceChildren(h("div", { id: "notice-slot" }), form, complaintForm, h("section", { id: "mine" }),
      h("section", { id: "my-complaints" }));
  }
  view.querySelector("#notice-slot").replaceChildren(
    state.notice ? h("p", { class: `notice ${state.notice.kind}`, role: "status" }, state.notice.text) : "");
  view.querySelector("#mine").replaceChildren(h("h2", {}, t("mine")),
    ...(state.tickets.length ? state.tickets.map(ticketCard) : [h("p", { class: "muted" }, t("none"))]));
  view.querySelector("#my-complaints").replaceChildren(
    ...(state.complaints.length ? [h("h2", {}, t("my_complaints")), ...state.complaints.map(complaintCard)] : []));
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("resident.lang", lang);
  render();
});
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
if (key()) { render(); loadAll().then(listen).catch(() => {}); } else render();
