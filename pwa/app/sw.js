// Service worker: the app shell from the cache (refreshed in the background), and the last
// route answer kept so the technician sees his stops in a basement with no signal.

const SHELL = "shell-v4";
const ROUTE = "route";
const FILES = [
  "./", "index.html", "app.css", "manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png",
  "js/main.js", "js/api.js", "js/dom.js", "js/deadlines.js", "js/i18n.js", "js/photo.js",
  "js/queue.js", "js/route.js", "js/state.js", "js/store.js", "js/ticket.js", "js/checklist.js", "js/crew.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== ROUTE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// Network first for the route (fresh when possible, the last copy when not).
async function route(request) {
  const cache = await caches.open(ROUTE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put("/api/v1/me/route", response.clone());
    return response;
  } catch (err) {
    const kept = await cache.match("/api/v1/me/route");
    if (kept) return kept;
    throw err;
  }
}

// Cache first for the shell, refreshed behind the scenes so the next start gets new code.
async function shell(event) {
  const cache = await caches.open(SHELL);
  const key = new URL(event.request.url).pathname === "/app/" ? "./" : event.request;
  const kept = await cache.match(key, { ignoreSearch: true });
  const fresh = fetch(event.request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => {}));
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname === "/api/v1/me/route") event.respondWith(route(event.request));
  else if (url.pathname.startsWith("/app/")) event.respondWith(shell(event));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || "/app/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((wins) => {
    const win = wins.find((w) => w.url.includes("/app/"));
    if (win) return win.focus().then(() => win.navigate(target));
    return self.clients.openWindow(target);
  }));
});
