// Every string the technician sees, in zh-CN and English; the language follows the phone
// (navigator.language) until the technician picks one with the switch.

const TEXT = {
  en: {
    app_title: "My route", switch_to: "中文", login_title: "Technician sign-in",
    username: "Username", password: "Password", sign_in: "Sign in", sign_out: "Sign out",
    bad_login: "Wrong username or password", my_route: "My route", no_stops: "No stops on your route",
    eta: "ETA", due: "Due", overdue: "overdue", min: "min", h: "h", map_amap: "Amap", map_baidu: "Baidu Maps",
    map_apple: "Apple Maps", map_google: "Google Maps", map_geo: "Open in maps", back: "Back", accept: "Accept", start_travel: "Start travel",
    check_in: "Check in on site", photos: "Photos", before: "Before", after: "After", inspection: "Inspection", resident: "From the resident",
    take_photo: "Take photo", complete: "Complete", not_home: "Resident not home",
    notes: "Resolution notes", parts: "Parts used (one per line)", fixed: "Fixed first time",
    fixed_yes: "Yes, fixed", fixed_no: "Needs another visit", send: "Send", cancel: "Cancel",
    waiting: "{n} waiting to sync", synced: "All synced", offline: "Offline",
    live: "Live", reconnecting: "Reconnecting…", queued: "Saved; it will sync when online",
    dropped: "Not accepted by the server: {msg}", forbidden: "Not your ticket (403)",
    not_found: "Ticket not found (404)", login_again: "Session expired, sign in again",
    outside: "You are {m} m from the site; check-in recorded with a warning",
    checked_in: "Checked in", no_gps: "Location unavailable: {msg}",
    new_emergency: "New emergency", emergency_body: "#{id} {category} · {place}",
    called_away: "Leave #{id} now for emergency #{emergency}; #{id} goes back to dispatch",
    turned_round: "Turn round: emergency #{emergency} first; #{id} goes back to dispatch",
    given: "The dispatcher gave you ticket #{id}", given_at: "The dispatcher gave you ticket #{id} as stop {n}",
    uploaded: "Photo saved", resizing: "Preparing photo…", building: "Building", unit: "Unit",
    description: "Description", status: "Status", in_progress: "in progress",
    completed_msg: "Ticket completed", not_home_msg: "Marked resident not home",
    on_shift: "On shift", off_shift: "Off shift", refresh: "Refresh", last_update: "Updated {t}",
    photo_count: "{n} photo(s)", notify_enable: "Enable alerts",
    due_respond: "Accept within", due_arrive: "Arrive within", due_resolve: "Fix within",
    by_respond: "Accept by", by_arrive: "Arrive by", by_resolve: "Fix by", appointment: "Appointment",
    ticket_title: "Ticket #{id}",
    late_by: "{m} late", stop_n: "Stop {n}", for_technicians: "This app is for technicians; dispatchers use the console.",
    pending_here: "waiting to sync", error_title: "Not synced", dismiss: "Dismiss",
    late_predicted: "predicted {m} min late", follow_up: "Follow-up ticket #{id} created",
    open_console: "Open the console", sync_now: "Sync now", note: "Note (optional)",
    urgencies: { emergency: "Emergency", routine: "Routine", scheduled: "Scheduled" },
    statuses: { new: "new", assigned: "assigned", accepted: "accepted", en_route: "en route",
      on_site: "on site", completed: "completed", closed: "closed", cancelled: "cancelled", merged: "merged" },
    categories: { water: "Water", electric: "Electric", gas: "Gas", fire: "Fire alarm",
      elevator: "Elevator", lock: "Lock", hvac: "Air-con", sanitation: "Sanitation",
      general: "General" },
    actions: { accept: "accept", start: "start travel", check_in: "check in", photo: "photo",
      complete: "complete", not_home: "not home", inspection: "checklist answer" },
    checklist: "Checklist", items_left: "{n} to answer", all_answered: "all answered",
    normal: "Normal", abnormal: "Abnormal", reading: "Reading", normal_range: "normal",
    out_of_range: "out of range", out_of_range_will_raise: "Outside the normal range: a repair ticket will be opened",
    save_answer: "Save", required: "required", change_answer: "Change",
    fault_raised: "Fault found: repair ticket {ids} opened", answer_saved: "Answer saved",
    repair_ticket: "repair #{id}", answer_first: "Answer the checklist first ({n} left)",
    follows: "Follow-up visit of ticket #{id}", crew_of: "Crew of {n}", partner: "with", me: "Me", unfilled: "not yet planned",
    arrived_at: "on site {t}", crew_first: "The whole crew checks in first; not here yet: {names}",
    skills: { electrician: "electrician", plumber: "plumber", locksmith: "locksmith",
      elevator: "elevator", fire: "fire systems", hvac: "HVAC", cleaning: "cleaning", general: "general" },
  },
  zh: {
    app_title: "我的路线", switch_to: "English", login_title: "师傅登录",
    username: "用户名", password: "密码", sign_in: "登录", sign_out: "退出登录",
    bad_login: "用户名或密码错误", my_route: "我的路线", no_stops: "路线上暂无任务",
    eta: "预计到达", due: "截止", overdue: "已超时", min: "分钟", h: "小时", map_amap: "高德地图", map_baidu: "百度地图",
    map_apple: "苹果地图", map_google: "谷歌地图", map_geo: "其他地图", back: "返回", accept: "接单", start_travel: "出发",
    check_in: "到场签到", photos: "照片", before: "维修前", after: "维修后", inspection: "巡检", resident: "住户上传",
    take_photo: "拍照", complete: "完工", not_home: "住户不在家",
    notes: "处理说明", parts: "使用配件（每行一个）", fixed: "一次修好",
    fixed_yes: "是，已修好", fixed_no: "需要再次上门", send: "提交", cancel: "取消",
    waiting: "待同步 {n} 条", synced: "已全部同步", offline: "离线",
    live: "实时", reconnecting: "正在重连…", queued: "已保存，联网后自动同步",
    dropped: "服务器未接受：{msg}", forbidden: "不是您的工单 (403)",
    not_found: "工单不存在 (404)", login_again: "登录已过期，请重新登录",
    outside: "您距离现场 {m} 米，签到已记录并附带警告",
    checked_in: "已签到", no_gps: "无法获取位置：{msg}",
    new_emergency: "新紧急工单", emergency_body: "#{id} {category} · {place}",
    called_away: "请暂停 #{id}，立即前往紧急工单 #{emergency}；#{id} 将重新派单",
    turned_round: "请掉头：先去紧急工单 #{emergency}；#{id} 将重新派单",
    given: "调度员把工单 #{id} 派给了你", given_at: "调度员把工单 #{id} 派给了你，排第 {n} 站",
    uploaded: "照片已保存", resizing: "正在处理照片…", building: "楼栋", unit: "房号",
    description: "描述", status: "状态", in_progress: "进行中",
    completed_msg: "工单已完工", not_home_msg: "已标记住户不在家",
    on_shift: "当班", off_shift: "下班", refresh: "刷新", last_update: "更新于 {t}",
    photo_count: "{n} 张照片", notify_enable: "开启提醒",
    due_respond: "接单剩余", due_arrive: "到场剩余", due_resolve: "修复剩余",
    by_respond: "接单截止", by_arrive: "到场截止", by_resolve: "修复截止", appointment: "预约",
    ticket_title: "工单 #{id}",
    late_by: "超时 {m}", stop_n: "第 {n} 站", for_technicians: "本应用供维修师傅使用，调度员请使用调度台。",
    pending_here: "待同步", error_title: "未同步", dismiss: "关闭",
    late_predicted: "预计迟到 {m} 分钟", follow_up: "已创建跟进工单 #{id}",
    open_console: "打开调度台", sync_now: "立即同步", note: "备注（可选）",
    urgencies: { emergency: "紧急", routine: "常规", scheduled: "预约" },
    statuses: { new: "新建", assigned: "已派工", accepted: "已接单", en_route: "在途",
      on_site: "在现场", completed: "已完成", closed: "已关闭", cancelled: "已取消", merged: "已合并" },
    categories: { water: "水", electric: "电", gas: "燃气", fire: "消防", elevator: "电梯",
      lock: "门锁", hvac: "空调", sanitation: "保洁", general: "综合" },
    actions: { accept: "接单", start: "出发", check_in: "签到", photo: "照片",
      complete: "完工", not_home: "住户不在家", inspection: "巡检记录" },
    checklist: "巡检项目", items_left: "还有 {n} 项未填", all_answered: "已全部填写",
    normal: "正常", abnormal: "异常", reading: "读数", normal_range: "正常范围",
    out_of_range: "超出范围", out_of_range_will_raise: "超出正常范围：将自动生成维修工单",
    save_answer: "保存", required: "必拍", change_answer: "修改",
    fault_raised: "发现故障：已生成维修工单 {ids}", answer_saved: "已保存",
    repair_ticket: "维修工单 #{id}", answer_first: "请先完成巡检项目（还有 {n} 项）",
    follows: "接续工单 #{id} 的后续上门", crew_of: "{n}人作业", partner: "搭档", me: "我", unfilled: "待派",
    arrived_at: "{t} 到场", crew_first: "全员到场签到后才能完工；未到：{names}",
    skills: { electrician: "电工", plumber: "水工", locksmith: "锁匠", elevator: "电梯",
      fire: "消防", hvac: "空调", cleaning: "保洁", general: "综合" },
  },
};

const KEY = "app.lang";
let lang = localStorage.getItem(KEY)
  || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");

export const currentLang = () => lang;

export function setLang(next) {
  lang = next;
  localStorage.setItem(KEY, next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
}

/** The string for `key`, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXT[lang][key] ?? TEXT.en[key] ?? key;
  return String(text).replace(/\{(\w+)\}/g, (_, name) => (name in vars ? vars[name] : `{${name}}`));
}

/** A translated value of a group (urgencies, statuses, categories, actions). */
export const tr = (group, value) => TEXT[lang][group]?.[value] ?? value;

setLang(lang);
