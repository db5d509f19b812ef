// The resident's follow-up page (a file of its own: the Content-Security-Policy allows no
// inline script).
"use strict";
const T = {
  zh: { loading: "加载中…", title: "维修回访", repair: "维修单", rate: "请为本次维修打分",
        fixed: "问题解决了吗？", yes: "已解决", no: "未解决", comment: "补充说明（可选）",
        send: "提交", thanks: "感谢您的反馈！", reopened: "我们已重新派单，会尽快安排维修。",
        gone: "此回访链接已使用或已过期。", invalid: "链接无效。", error: "提交失败，请稍后重试。",
        until: "链接有效期至" },
  en: { loading: "Loading…", title: "Repair follow-up", repair: "Ticket", rate: "How was the repair?",
        fixed: "Is the problem fixed?", yes: "Fixed", no: "Not fixed", comment: "Comment (optional)",
        send: "Send", thanks: "Thank you for your feedback!",
        reopened: "We have reopened the repair and will send someone soon.",
        gone: "This follow-up link was already used or has expired.", invalid: "This link is not valid.",
        error: "Could not send; please try again later.", until: "Link valid until" },
};
const asked = new URLSearchParams(location.search).get("lang") || navigator.language || "zh";
const lang = asked.toLowerCase().startsWith("zh") ? "zh" : "en";
document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
const t = (k) => T[lang][k];
const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const api = `/api/v1/followup/${encodeURIComponent(token)}`;
const app = document.getElementById("app");
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });

function message(key, cls = "") { app.innerHTML = `<h1>${t("title")}</h1><p class="${cls}">${t(key)}</p>`; }

async function load() {
  const res = await fetch(api);
  if (res.status === 410) return message("gone", "error");
  if (!res.ok) return message("invalid", "error");
  const f = await res.json();
  const place = [f.building, f.unit].filter(Boolean).join(" · ");
  app.innerHTML = `
    <h1>${t("title")}</h1>
    <p id="repair">${t("repair")} #${f.ticket_id} · ${esc(f.category)} ${esc(place)}</p>
    <p class="muted">${esc(f.description)}</p>
    <p>${t("rate")}</p>
    <div class="stars">${[1, 2, 3, 4, 5].map((n) => `<button type="button" data-n="${n}" aria-label="${n}">★</button>`).join("")}</div>
    <p>${t("fixed")}</p>
    <div class="choice">
      <label><input type="radio" name="fixed" value="true"> ${t("yes")}</label>
      <label><input type="radio" name="fixed" value="false"> ${t("no")}</label>
    </div>
    <label>${t("comment")}<textarea id="comment" maxlength="2000"></textarea></label>
    <button class="send" disabled>${t("send")}</button>
    <p class="muted">${t("until")} ${new Date(f.expires_at).toLocaleString(document.documentElement.lang)}</p>`;
  let rating = 0;
  const send = app.querySelector(".send");
  const ready = () => { send.disabled = !(rating && app.querySelector("input[name=fixed]:checked")); };
  app.querySelectorAll(".stars button").forEach((b) => b.addEventListener("click", () => {
    rating = Number(b.dataset.n);
    app.querySelectorAll(".stars button").forEach((s) => s.classList.toggle("on", Number(s.dataset.n) <= rating));
    ready();
  }));
  app.querySelectorAll("input[name=fixed]").forEach((r) => r.addEventListener("change", ready));
  send.addEventListener("click", async () => {
    send.disabled = true;
    const fixed = app.querySelector("input[name=fixed]:checked").value === "true";
    const body = { rating, fixed, comment: app.querySelector("#comment").value };
    const res = await fetch(api, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify(body) });
    if (res.status === 410) return message("gone", "error");
    if (!res.ok) { send.disabled = false; return app.insertAdjacentHTML("beforeend", `<p class="error">${t("error")}</p>`); }
    app.innerHTML = `<h1>${t("title")}</h1><p>${t("thanks")}</p>${fixed ? "" : `<p>${t("reopened")}</p>`}`;
  });
}
load().catch(() => message("error", "error"));
