// The office's sheet of QR codes for a building: each unit's link to the resident's app,
// printed for the notice board or each door. Units are typed as a list with ranges
// ("1201-1204, 1301"); a unit that already has a live link keeps its code.
import { $, api, errorText, h, t, token } from "./common.js";

/** "1201-1204, 1301, B2" -> ["1201", "1202", "1203", "1204", "1301", "B2"] (ranges numeric). */
export function units(text) {
  return text.split(/[,，\s]+/).filter(Boolean).flatMap((part) => {
    const m = part.match(/^(\d+)-(\d+)$/);
    if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) - Number(m[1]) > 400) return [part];
    const width = m[1].length;
    return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => String(Number(m[1]) + i).padStart(width, "0"));
  });
}

export function setupQrSheet(sites, place) {
  const form = $("qr-form");
  if (!form) return;
  const known = (sites() || []).map((s) => s.id).join("|");
  if (form.dataset.sites !== known && !form.contains(document.activeElement)) {
    form.dataset.sites = known;
    form.site_id.replaceChildren(...(sites() || []).map((s) => h("option", { value: s.id }, s.name)));
  }
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = form.querySelector(".msg");
    const building = form.building.value.trim();
    const [lat, lon] = place(form.site_id.value, building);
    const res = await api("POST", "/api/v1/unit-links", { site_id: form.site_id.value, building, units: units(form.units.value),
      ...(lat != null ? { lat, lon } : {}) });
    if (!res.ok) return void (msg.textContent = await errorText(res));
    msg.textContent = t("qr_made", { n: (await res.json()).length });
    const query = new URLSearchParams({ site_id: form.site_id.value, building, access_token: token() });
    window.open(`/api/v1/unit-links/sheet?${query}`, "_blank", "noopener");
  });
}
