// The inspector app's service worker (served by /inspections/app/sw.js, which puts self.WENMING_APP before this:
// the cache version, the shell's URL and the assets' URLs). It keeps the shell and its assets so the app opens
// with no network; the data (the day's assignments, the results and their photos) live in IndexedDB, not here.
// Nothing but GET requests for the shell and those assets is touched: the API always goes to the network.
"use strict";
const APP = self.WENMING_APP;
const CACHE = "wenming-inspector-" + APP.version;

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await cache.addAll(APP.assets);
    try {
      const shell = await fetch(APP.shell, { credentials: "same-origin" });
      // A redirect means the session has ended (the login page): never keep that as the shell.
      if (shell.ok && !shell.redirected) await cache.put(APP.shell, shell);
    } catch (err) { /* offline while installing: the page puts the shell in on its next load */ }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    for (const key of await caches.keys()) {
      if (key.startsWith("wenming-inspector-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function shellNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(APP.shell, response.clone());
    return response;
  } catch (err) {
    // The shell varies by cookie; the cached one is this phone's inspector's, so the Vary is ignored.
    const cached = await cache.match(APP.shell, { ignoreVary: true, ignoreSearch: true });
    if (cached) return cached;
    throw err;
  }
}

async function assetCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === APP.shell) {
    event.respondWith(shellNetworkFirst(request));
  } else if (APP.assets.indexOf(url.pathname) !== -1) {
    event.respondWith(assetCacheFirst(request));
  }
});
