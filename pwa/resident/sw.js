// Service worker of the resident's app: the page from the cache when the network fails, so
// the installed app opens; reports and progress always come from the network.

const SHELL = "resident-v1";
const FILES = ["./", "index.html", "resident.css", "resident.js", "manifest.webmanifest",
  "/app/js/photo.js", "/app/icons/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("resident-") && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(fetch(event.request).then(async (response) => {
    if (response.ok) (await caches.open(SHELL)).put(event.request, response.clone());
    return response;
  }).catch(async () => (await caches.match(event.request, { ignoreSearch: true })) || Response.error()));
});
