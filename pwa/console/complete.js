// A technician phones the desk to say a job is done: the desk completes it for him, fixed
// first time or not, with his notes. The server refuses a ticket that is not on site and says
// why; a job not fixed opens a second-visit ticket, whose number the desk reads back to him.

import { $, api, errorText, t } from "./common.js";

function say(text, ok) {
  const msg = $("complete-msg");
  msg.textContent = text;
  msg.className = `msg ${ok ? "ok" : "bad"}`;
}

// The server's answer as one line: done, and the follow-up ticket if one was opened.
function done(ticketId, followUp) {
  const parts = [t("job_completed", { id: ticketId })];
  if (followUp) parts.push(t("second_visit", { id: followUp.id }));
  return parts.join(" — ");
}

async function complete(onDone) {
  const form = $("complete-form");
  const ticketId = Number(form.ticket_id.value);
  if (!ticketId) return say(t("need_ticket"), false);
  const body = { notes: form.notes.value.trim(), parts: [], fixed: form.fixed.value === "true" };
  const button = form.querySelector("button[type=submit]");
  button.disabled = true; // one completion per click: a second would only be refused
  try {
    const res = await api("POST", `/api/v1/tickets/${ticketId}/complete`, body);
    if (!res.ok) return say(await errorText(res), false);
    say(done(ticketId, (await res.json()).follow_up), true);
    form.notes.value = "";
    onDone();
  } catch (err) {
    say(String(err), false);
  } finally {
    button.disabled = false;
  }
}

/** Wire the form; `onDone` runs after a completion the server took (to refresh the views). */
export function initComplete(onDone) {
  $("complete-form").addEventListener("submit", (ev) => { ev.preventDefault(); complete(onDone); });
}
