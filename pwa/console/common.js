// What every part of the console shares: the strings (zh/en), element builders, times, and
// fetches that carry the dispatcher's token (a 401 shows the sign-in form).

export const SVG_NS = "http://www.w3.org/2000/svg";
export const URGENCY_COLOR = { emergency: "#d62728", routine: "#1f6fd1", scheduled: "#2a9d3c" };
export const REASONS = ["resident_request", "technician_familiar", "parts", "other"];

const TEXT = {
  en: {
    title: "Dispatch console", switch_to: "中文", version: "Plan", solve: "Solve", travel: "Travel",
    late: "Late", unassigned: "Unassigned", computed: "Computed", routes: "Routes",
    override: "Pin a ticket", ticket: "Ticket", technician: "Technician", reason: "Reason",
    pin: "Pin", unpin: "Unpin", hold: "Hold", open_tickets: "Open tickets", id: "#", urgency: "Urgency",
    category: "Category", location: "Building / unit", status: "Status", eta: "ETA",
    deadline: "Deadline", min: "min", ms: "ms", no_stops: "no stops", none: "none",
    offline: "connection lost, retrying", live: "live", pinned: "Pinned", unpinned: "Unpinned",
    held: "Held", moved: "Moved",
    in_progress: "in progress", overtime: "overtime", map: "Map of tickets and technicians",
    need_ticket: "Enter a ticket id", tech_dot: "technician", hollow: "hollow = unassigned",
    sla: "SLA", board: "Board", alerts: "Alerts", no_alerts: "No open alerts", ack: "Acknowledge",
    home_area: "Home area", area_strict: "only these (emergencies excepted)", area_saved: "Home area saved", save: "Save",
    qr_sheet: "QR codes for residents", units: "Units", qr_print: "Print the sheet",
    qr_made: "{n} codes: the sheet opens in a new tab",
    complaints: "Complaints", no_complaints: "No open complaint", explanation: "Explanation",
    outcome: "Outcome", c_acknowledge: "acknowledge by", c_explain: "explain by", c_close: "close by",
    c_do_acknowledge: "Acknowledge", c_do_explain: "Send explanation", c_do_close: "Close",
    topics: { facility: "Facility", sanitation: "Sanitation", noise: "Noise", security: "Security",
      parking: "Parking", service: "Service", other: "Other" },
    complaint_states: { open: "new", acknowledged: "acknowledged", explained: "explained", closed: "closed" },
    sign_in: "Sign in", sign_out: "Sign out", kpis: "KPIs", followups: "Follow-ups due",
    no_followups: "No follow-up waiting", rating: "Rating", fixed_q: "Fixed?", fixed_yes: "Fixed",
    fixed_no: "Not fixed", followup_due: "due", overdue: "overdue",
    record_phone: "Record phone answer", send_link: "Issue link", username: "Username", password: "Password",
    login_title: "Dispatcher sign-in", bad_login: "Wrong username or password", expired: "Session expired: sign in again",
    staff_only: "This console is for dispatchers; technicians use the app at /app/.",
    drop_here: "drop a ticket here to hold it", move_title: "Move ticket #{id}",
    move_to: "to {name}, position {pos}", pin_to: "to {name} (the planner picks the position)",
    hold_it: "keep it unassigned (hold)", confirm: "Confirm", cancel: "Cancel",
    dup_of: "same fault as #{id}?", merge: "Merge", not_duplicate: "Not the same",
    merge_all: "Merge {n} repeat report(s)",
    intake: "New ticket (front desk)", site: "Site", building: "Building", unit: "Unit",
    skill: "Skill", description: "Description", report: "Create ticket", suggested: "suggested",
    created: "Ticket #{id} created", deadlines: "Deadlines", respond_by: "Accept by",
    arrive_by: "On site by", resolve_by: "Fixed by", window: "Appointment", window_start: "Window from",
    window_end: "to", follows: "After ticket #", follows_delay: "Not before (min after it is done)",
    same_technician: "by the same technician", minutes: "{n} min", if_now: "if reported now", buildings: "buildings", on_hold: "on hold",
    complete_for: "Complete for a technician", fixed_first: "Fixed first time", yes: "Yes",
    no_revisit: "No, another visit", notes: "Notes", complete: "Complete",
    job_completed: "Ticket #{id} completed", second_visit: "second visit: ticket #{id}",
    sla_states: { ok: "on track", at_risk: "at risk", predicted_breach: "predicted late", breached: "breached" },
    urgencies: { emergency: "emergency", routine: "routine", scheduled: "scheduled" },
    statuses: { new: "new", assigned: "assigned", accepted: "accepted", en_route: "en route",
      on_site: "on site", completed: "completed", closed: "closed", cancelled: "cancelled", merged: "merged" },
    states: { off: "off shift", idle: "idle", en_route: "en route", on_site: "on site" },
    reasons: { resident_request: "resident request", technician_familiar: "technician familiar",
      parts: "parts", other: "other", emergency: "sent to an emergency by the planner" },
    kinds: { predicted_breach: "predicted breach", at_risk: "at risk", breached: "breached",
      unassigned: "unassigned", stale_gps: "stale GPS", checkin_far: "check-in far from site" },
    categories: { water: "water", electric: "electric", gas: "gas", fire: "fire alarm", elevator: "elevator",
      lock: "lock", hvac: "air-con", sanitation: "sanitation", general: "general" },
    skills: { electrician: "electrician", plumber: "plumber", locksmith: "locksmith", elevator: "elevator",
      fire: "fire", hvac: "hvac", cleaning: "cleaning", general: "general" },
  },
  zh: {
    title: "派工调度台", switch_to: "English", version: "方案", solve: "求解", travel: "路程",
    late: "迟到", unassigned: "未派工", computed: "计算于", routes: "路线",
    override: "指定派工", ticket: "工单", technician: "师傅", reason: "原因",
    pin: "指定", unpin: "取消指定", hold: "暂缓", open_tickets: "未完成工单", id: "#", urgency: "紧急程度",
    category: "类别", location: "楼栋 / 房号", status: "状态", eta: "预计到达",
    deadline: "截止", min: "分钟", ms: "毫秒", no_stops: "暂无任务", none: "无",
    offline: "连接中断，正在重试", live: "实时", pinned: "已指定", unpinned: "已取消指定",
    held: "已暂缓", moved: "已调整",
    in_progress: "进行中", overtime: "加班", map: "工单与师傅地图",
    need_ticket: "请输入工单号", tech_dot: "师傅", hollow: "空心 = 未派工",
    sla: "时效", board: "派工看板", alerts: "告警", no_alerts: "暂无未处理告警", ack: "确认",
    home_area: "责任片区", area_strict: "仅限这些小区（紧急工单除外）", area_saved: "责任片区已保存", save: "保存",
    qr_sheet: "住户报修二维码", units: "房号", qr_print: "打印二维码", qr_made: "已生成 {n} 个二维码，已在新标签页打开",
    complaints: "投诉", no_complaints: "暂无待办投诉", explanation: "答复", outcome: "处理结果",
    c_acknowledge: "受理截止", c_explain: "答复截止", c_close: "办结截止",
    c_do_acknowledge: "受理", c_do_explain: "发送答复", c_do_close: "办结",
    topics: { facility: "设施故障", sanitation: "环境卫生", noise: "噪音", security: "安保",
      parking: "停车", service: "服务态度", other: "其他" },
    complaint_states: { open: "待受理", acknowledged: "已受理", explained: "已答复", closed: "已办结" },
    sign_in: "登录", sign_out: "退出", kpis: "运营指标", followups: "待回访",
    no_followups: "暂无待回访", rating: "评分", fixed_q: "是否修好", fixed_yes: "已修好",
    fixed_no: "未修好", followup_due: "应回访于", overdue: "已逾期",
    record_phone: "记录电话回访", send_link: "生成回访链接", username: "用户名", password: "密码",
    login_title: "调度员登录", bad_login: "用户名或密码错误", expired: "登录已过期，请重新登录",
    staff_only: "本调度台供调度员使用；维修师傅请使用 /app/ 应用。",
    drop_here: "拖到这里暂缓派工", move_title: "调整工单 #{id}",
    move_to: "派给 {name}，第 {pos} 站", pin_to: "派给 {name}（顺序由系统安排）",
    hold_it: "暂不派工（暂缓）", confirm: "确定", cancel: "取消",
    dup_of: "疑似重复 #{id}", merge: "合并", not_duplicate: "不是重复", merge_all: "合并 {n} 条重复报修",
    intake: "新建工单（前台）", site: "小区", building: "楼栋", unit: "房号",
    skill: "工种", description: "描述", report: "创建工单", suggested: "建议",
    created: "已创建工单 #{id}", deadlines: "时限", respond_by: "接单截止",
    arrive_by: "到场截止", resolve_by: "修复截止", window: "预约时段", window_start: "预约从",
    window_end: "到", follows: "接续工单 #", follows_delay: "完工后间隔（分钟）",
    same_technician: "由同一师傅上门", minutes: "{n} 分钟", if_now: "如现在报修", buildings: "楼栋", on_hold: "暂缓中",
    complete_for: "代师傅完工", fixed_first: "一次修好", yes: "是",
    no_revisit: "否，需再次上门", notes: "处理说明", complete: "完工",
    job_completed: "工单 #{id} 已完工", second_visit: "再次上门工单 #{id}",
    sla_states: { ok: "正常", at_risk: "临近超时", predicted_breach: "预计超时", breached: "已超时" },
    urgencies: { emergency: "紧急", routine: "常规", scheduled: "预约" },
    statuses: { new: "新建", assigned: "已派工", accepted: "已接单", en_route: "在途",
      on_site: "在现场", completed: "已完成", closed: "已关闭", cancelled: "已取消", merged: "已合并" },
    states: { off: "下班", idle: "空闲", en_route: "在途", on_site: "在现场" },
    reasons: { resident_request: "住户要求", technician_familiar: "师傅熟悉情况",
      parts: "配件", other: "其他", emergency: "系统紧急调派" },
    kinds: { predicted_breach: "预计超时", at_risk: "临近超时", breached: "已超时",
      unassigned: "未派工", stale_gps: "定位过期", checkin_far: "签到位置偏离" },
    categories: { water: "水", electric: "电", gas: "燃气", fire: "消防", elevator: "电梯",
      lock: "门锁", hvac: "空调", sanitation: "保洁", general: "综合" },
    skills: { electrician: "电工", plumber: "水暖工", locksmith: "锁匠", elevator: "电梯工",
      fire: "消防", hvac: "空调工", cleaning: "保洁", general: "综合维修" },
  },
};

export let lang = localStorage.getItem("console.lang")
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
export function setLang(next) {
  lang = next;
  localStorage.setItem("console.lang", next);
}
export const t = (key, vars = {}) => String(TEXT[lang][key] ?? TEXT.en[key] ?? key)
  .replace(/\{(\w+)\}/g, (_, k) => (k in vars ? vars[k] : `{${k}}`));
export const tr = (group, value) => TEXT[lang][group]?.[value] ?? value;

// Build an element; string/number children become text nodes, so nothing is parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "style") node.style.cssText = v; // CSSOM: the CSP refuses style attributes
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
export const s = (tag, attrs, ...children) => h(`svg:${tag}`, attrs, ...children);
export const $ = (id) => document.getElementById(id);

const pad = (n) => String(n).padStart(2, "0");
/** Local HH:MM, prefixed with MM-DD when not on `ref`'s day (the demo's clock is simulated). */
export function hhmm(iso, ref, seconds = false) {
  if (!iso) return "–";
  const d = new Date(iso), r = new Date(ref || Date.now());
  const day = d.toDateString() === r.toDateString() ? "" : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  return `${day}${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? ":" + pad(d.getSeconds()) : ""}`;
}

// -- the session ---------------------------------------------------------------------------
const TOKEN = "console.token";
export const token = () => localStorage.getItem(TOKEN);
export const saveToken = (value) => localStorage.setItem(TOKEN, value);
export const dropToken = () => localStorage.removeItem(TOKEN);
export const auth = new EventTarget(); // "expired" when the server answers 401

/** fetch under /api/v1 with the bearer token; JSON bodies for objects. */
export async function api(method, path, body) {
  // The reasons and alert messages the server writes come back in the console's language.
  const init = { method, headers: { Accept: "application/json", "Accept-Language": lang === "zh" ? "zh-CN" : "en" } };
  if (token()) init.headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path.startsWith("/api/") ? path : `/api/v1${path}`, init);
  if (res.status === 401) auth.dispatchEvent(new Event("expired"));
  return res;
}

export async function getJSON(path) {
  const res = await api("GET", path);
  if (!res.ok) throw Object.assign(new Error(`${path}: ${res.status}`), { status: res.status });
  return res.json();
}

// The API answers {detail, field} for refusals, or FastAPI's 422 list of {loc, msg}.
export async function errorText(res) {
  try {
    const body = await res.json();
    if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    if (body.detail) return body.field ? `${body.detail} (${body.field})` : String(body.detail);
  } catch { /* not JSON */ }
  return `HTTP ${res.status}`;
}
