// The inspector's offline app (/inspections/app/): downloads the day's assignments and checklists into IndexedDB,
// records results with no network (a failed item: a photo shrunk on a canvas, the GPS position, the time), and
// syncs them to /api/v1/inspections/results/ when the network returns. Every result gets its UUID when it is
// recorded and keeps it through every retry: the server stores each client id once, so a sync that breaks off
// and is repeated never stores a finding twice. Texts come from the page's data-t-* attributes (gettext).
(function () {
  "use strict";
  const root = document.getElementById("inspector-app");
  if (!root) return;
  const T = root.dataset;
  const USER = T.user;
  const FAILING = (T.failing || "").split(",");
  const BATCH = 20; // results per POST: with photos of ~0.3 MB each, a batch stays a few MB
  const MAX_SIDE = 1600; // the photo's longest side after shrinking, in pixels
  const $ = function (id) { return document.getElementById(id); };
  let current = null; // the assignment open on screen
  let syncing = false;

  function fmt(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }
  function say(text) { $("app-message").textContent = text || ""; }

  // -- IndexedDB -------------------------------------------------------------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        const request = indexedDB.open("wenming-inspector", 1);
        request.onupgradeneeded = function () {
          const d = request.result;
          d.createObjectStore("days", { keyPath: "key" });
          d.createObjectStore("results", { keyPath: "client_id" }).createIndex("user", "user");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  async function store(name, mode, fn) {
    const d = await db();
    return new Promise(function (resolve, reject) {
      const tx = d.transaction(name, mode);
      let out;
      const request = fn(tx.objectStore(name));
      if (request) request.onsuccess = function () { out = request.result; };
      tx.oncomplete = function () { resolve(out); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }
  const put = function (name, value) { return store(name, "readwrite", function (s) { return s.put(value); }); };
  const del = function (name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); };
  const dayKey = USER + ":today";
  const loadDay = function () { return store("days", "readonly", function (s) { return s.get(dayKey); }); };
  async function myResults() {
    const rows = await store("results", "readonly", function (s) { return s.index("user").getAll(USER); });
    return (rows || []).sort(function (a, b) { return a.recorded_at < b.recorded_at ? -1 : 1; });
  }

  // -- network state, pending count ---------------------------------------------------------------------------------
  function showNetwork() {
    const el = $("app-status");
    el.dataset.state = navigator.onLine ? "online" : "offline";
    el.textContent = navigator.onLine ? T.tOnline : T.tOffline;
  }
  window.addEventListener("online", function () { showNetwork(); sync(true); });
  window.addEventListener("offline", showNetwork);

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // -- download ----------------------------------------------------------------------------------------------------
  async function download() {
    say("");
    let body;
    try {
      // No date: the server's today (the city's time zone), whatever the phone's clock says.
      const response = await fetch(T.apiAssignments, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      body = await response.json();
    } catch (err) {
      say(T.tDownloadFailed);
      return;
    }
    await put("days", { key: dayKey, date: body.date, outcomes: body.outcomes, assignments: body.assignments,
                        downloaded_at: new Date().toISOString() });
    say(fmt(T.tDownloaded, { date: body.date, n: body.assignments.length }));
    current = null;
    await render();
  }

  // -- what is recorded for an item ------------------------------------------------------------------------------
  function labelOf(day, value) {
    const o = ((day && day.outcomes) || []).find(function (x) { return x.value === value; });
    return o ? o.label : value;
  }
  function localFor(results, assignmentId, code) {
    let found = null;
    for (const r of results) if (r.assignment === assignmentId && r.item === code && r.status !== "dismissed") found = r;
    return found;
  }
  function stateText(day, r) {
    if (r.status === "pending") return labelOf(day, r.outcome) + " · " + T.tPending;
    if (r.status === "synced") return labelOf(day, r.outcome) + " · " + (r.case ? fmt(T.tSyncedCase, { case: r.case }) : T.tSynced);
    if (r.status === "conflict") {
      return fmt(T.tConflict, { outcome: labelOf(day, (r.server || {}).outcome), at: shortTime((r.server || {}).observed_at) });
    }
    if (r.status === "error") return labelOf(day, r.outcome) + " · " + fmt(T.tError, { message: r.message || "" });
    return "";
  }
  function shortTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = function (n) { return String(n).padStart(2, "0"); };
    return (d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  // -- rendering -----------------------------------------------------------------------------------------------------
  async function render() {
    const day = await loadDay();
    const results = await myResults();
    const pending = results.filter(function (r) { return r.status === "pending"; }).length;
    $("pending-count").textContent = String(pending);
    $("pending-count").dataset.count = String(pending);
    renderIssues(day, results);
    const list = $("app-sites");
    list.replaceChildren();
    if (!day) {
      $("app-day").textContent = T.tNothing;
      $("app-site").hidden = true;
      return;
    }
    $("app-day").textContent = fmt(T.tDay, { date: day.date, at: shortTime(day.downloaded_at) });
    if (!day.assignments.length) {
      const li = document.createElement("li");
      li.textContent = T.tNoSites;
      list.appendChild(li);
    }
    for (const a of day.assignments) {
      const done = a.items.filter(function (i) {
        return localFor(results, a.id, i.code) || a.recorded.some(function (x) { return x.item === i.code; });
      }).length;
      const li = document.createElement("li");
      li.dataset.assignment = String(a.id);
      li.dataset.site = a.site.code;
      const body = document.createElement("div");
      body.className = "body";
      const what = document.createElement("p");
      what.className = "what";
      const open = document.createElement("button");
      open.type = "button";
      open.className = "link";
      open.textContent = a.site.name;
      open.addEventListener("click", function () { current = a.id; render(); window.scrollTo(0, 0); });
      what.appendChild(open);
      const desc = document.createElement("p");
      desc.className = "desc";
      desc.textContent = a.site.type_name + " · " + (a.site.address || a.site.code);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = (a.kind === "reinspect" ? T.tReinspect + " · " : "") + fmt(T.tProgress, { done: done, total: a.items.length });
      body.append(what, desc, meta);
      li.appendChild(body);
      list.appendChild(li);
    }
    const a = day.assignments.find(function (x) { return x.id === current; });
    $("app-site").hidden = !a;
    list.hidden = !!a;
    if (a) renderSite(day, a, results);
  }

  function renderSite(day, a, results) {
    $("site-name").textContent = a.site.name;
    $("site-meta").textContent = a.site.type_name + " · " + (a.site.address || a.site.code) +
      (a.finding ? " · " + T.tReinspect + (a.finding.case ? " " + a.finding.case : "") : "");
    const list = $("app-items");
    list.replaceChildren();
    for (const item of a.items) {
      const li = $("item-template").content.firstElementChild.cloneNode(true);
      li.dataset.item = item.code;
      li.querySelector(".code").textContent = item.code;
      li.querySelector(".text").textContent = item.text;
      if (item.sampling_rule) {
        const rule = li.querySelector(".rule");
        rule.hidden = false;
        rule.textContent = T.tSampling + ": " + item.sampling_rule;
      }
      const local = localFor(results, a.id, item.code);
      const server = a.recorded.find(function (x) { return x.item === item.code; });
      const state = li.querySelector(".state");
      let locked = false;
      if (local) {
        li.dataset.outcome = local.outcome;
        li.dataset.status = local.status;
        state.textContent = stateText(day, local);
        locked = local.status === "synced" || local.status === "conflict";
        if (local.thumb) { // the photo taken for it, from IndexedDB (a data: URL: the CSP refuses blob: images)
          const img = li.querySelector("img.thumb");
          img.src = local.thumb;
          img.hidden = false;
          li.insertBefore(img, state);
        }
      } else if (server) {
        li.dataset.outcome = server.outcome;
        li.dataset.status = "recorded";
        state.textContent = labelOf(day, server.outcome) + " · " + (server.case ? fmt(T.tSyncedCase, { case: server.case }) : T.tRecorded);
        locked = true;
      }
      for (const button of li.querySelectorAll(".outcomes button")) {
        button.disabled = locked;
        if (li.dataset.outcome === button.dataset.outcome) button.classList.add("picked");
        button.addEventListener("click", function () { choose(a, item, li, local, button.dataset.outcome); });
      }
      list.appendChild(li);
    }
  }

  function renderIssues(day, results) {
    const issues = results.filter(function (r) { return r.status === "conflict" || r.status === "error"; });
    $("app-issues-box").hidden = !issues.length;
    const list = $("app-issues");
    list.replaceChildren();
    for (const r of issues) {
      const li = document.createElement("li");
      li.dataset.clientId = r.client_id;
      li.dataset.status = r.status;
      li.dataset.item = r.item;
      const body = document.createElement("div");
      body.className = "body";
      const what = document.createElement("p");
      what.className = "what";
      what.textContent = (r.site_name || "") + " · " + r.item + " " + (r.item_text || "");
      const desc = document.createElement("p");
      desc.className = "desc";
      desc.textContent = stateText(day, r);
      const button = document.createElement("button");
      button.type = "button";
      // A conflict is only acknowledged here (the planners settle it); an error is deleted or recorded again.
      button.textContent = r.status === "conflict" ? T.tDismiss : T.tDelete;
      button.addEventListener("click", async function () {
        if (r.status === "conflict") { r.status = "dismissed"; await put("results", r); } else { await del("results", r.client_id); }
        render();
      });
      body.append(what, desc, button);
      li.appendChild(body);
      list.appendChild(li);
    }
  }

  // -- recording -----------------------------------------------------------------------------------------------------
  async function record(a, item, previous, fields) {
    // A result never sent may be changed under its own id; one that was sent (perhaps stored, the answer lost)
    // gets a new id, so the server answers a real change with "conflict" instead of swallowing it as a duplicate.
    const reuse = previous && previous.status !== "synced" && previous.status !== "conflict" && !previous.sent;
    if (previous && previous.status !== "synced" && previous.status !== "conflict") await del("results", previous.client_id);
    await put("results", Object.assign({
      client_id: reuse ? previous.client_id : crypto.randomUUID(), user: USER, assignment: a.id, item: item.code,
      item_text: item.text, site_name: a.site.name, observed_at: new Date().toISOString(),
      recorded_at: new Date().toISOString(), note: "", lng: null, lat: null, photo: null, thumb: "",
      status: "pending", sent: false, case: "", message: "", server: null,
    }, fields));
    await render();
    if (navigator.onLine) sync(true);
  }

  function choose(a, item, li, previous, outcome) {
    if (FAILING.indexOf(outcome) === -1) { record(a, item, previous, { outcome: outcome }); return; }
    for (const b of li.querySelectorAll(".outcomes button")) b.classList.toggle("picked", b.dataset.outcome === outcome);
    const panel = li.querySelector(".fail-panel");
    panel.hidden = false;
    const state = { photo: null, thumb: "", lng: null, lat: null };
    const gps = panel.querySelector(".gps");
    const error = panel.querySelector(".panel-error");
    const locate = panel.querySelector(".locate");
    function findPosition() {
      gps.textContent = T.tGpsWaiting;
      gps.dataset.state = "waiting";
      locate.hidden = true;
      if (!navigator.geolocation) { gps.textContent = T.tGpsFailed; gps.dataset.state = "failed"; locate.hidden = false; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        state.lng = Number(pos.coords.longitude.toFixed(6));
        state.lat = Number(pos.coords.latitude.toFixed(6));
        gps.textContent = T.tGpsFound + " " + state.lat.toFixed(5) + ", " + state.lng.toFixed(5);
        gps.dataset.state = "found";
      }, function () {
        gps.textContent = T.tGpsFailed;
        gps.dataset.state = "failed";
        locate.hidden = false;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    }
    findPosition();
    locate.onclick = findPosition;
    panel.querySelector("input[type=file]").onchange = async function (event) {
      const file = event.target.files && event.target.files[0];
      error.textContent = "";
      if (!file) return;
      try {
        const shrunk = await shrink(file);
        state.photo = shrunk.blob;
        state.thumb = shrunk.thumb;
        const img = panel.querySelector("img.thumb");
        img.src = shrunk.thumb;
        img.hidden = false;
      } catch (err) {
        state.photo = null;
        error.textContent = T.tPhotoBad;
      }
    };
    panel.querySelector(".cancel").onclick = function () { panel.hidden = true; render(); };
    panel.querySelector(".save").onclick = function () {
      if (!state.photo) { error.textContent = T.tNeedPhoto; return; }
      if (state.lng === null) { error.textContent = T.tGpsFailed; locate.hidden = false; return; }
      record(a, item, previous, { outcome: outcome, note: panel.querySelector("textarea").value.trim().slice(0, 500),
                                  lng: state.lng, lat: state.lat, photo: state.photo, thumb: state.thumb });
    };
  }

  // The photo, shrunk to MAX_SIDE as a JPEG (a phone's 12 MP photo becomes ~0.3 MB, well under the upload limit),
  // and a small thumbnail as a data: URL (the page's CSP allows data: images, not blob: ones).
  async function shrink(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.82); });
    if (!blob) throw new Error("canvas");
    const small = document.createElement("canvas");
    const t = 120 / Math.max(canvas.width, canvas.height);
    small.width = Math.max(1, Math.round(canvas.width * t));
    small.height = Math.max(1, Math.round(canvas.height * t));
    small.getContext("2d").drawImage(canvas, 0, 0, small.width, small.height);
    return { blob: blob, thumb: small.toDataURL("image/jpeg", 0.7) };
  }

  // -- sync ---------------------------------------------------------------------------------------------------------
  async function sync(quiet) {
    if (syncing) return;
    syncing = true;
    const counts = { created: 0, duplicate: 0, conflict: 0, error: 0 };
    let stopped = "";
    try {
      const pending = (await myResults()).filter(function (r) { return r.status === "pending"; });
      if (!pending.length) { if (quiet !== true) say(T.tSyncNothing); return; }
      say(T.tSyncing);
      for (let start = 0; start < pending.length && !stopped; start += BATCH) {
        stopped = await syncBatch(pending.slice(start, start + BATCH), counts);
      }
    } finally {
      syncing = false;
      // Results recorded while this sync ran wait for the next one: start it now unless the network is gone.
      if (!stopped && counts.created + counts.duplicate + counts.conflict + counts.error) {
        const more = (await myResults()).some(function (r) { return r.status === "pending" && !r.sent; });
        if (more) setTimeout(function () { sync(true); }, 0);
      }
      if (stopped) say(stopped);
      else if (counts.created + counts.duplicate + counts.conflict + counts.error) say(fmt(T.tSyncDone, counts));
      await render();
    }
  }

  async function syncBatch(batch, counts) {
    const form = new FormData();
    const rows = batch.map(function (r, n) {
      const row = { client_id: r.client_id, assignment: r.assignment, item: r.item, outcome: r.outcome,
                    observed_at: r.observed_at, note: r.note || "", lng: r.lng, lat: r.lat };
      if (r.photo) {
        row.photo_part = "photo" + n;
        form.append(row.photo_part, r.photo, "photo" + n + ".jpg");
      }
      return row;
    });
    form.append("results", JSON.stringify(rows));
    // Marked as sent before the request leaves: if the answer is lost, a later change gets a new id (see record).
    for (const r of batch) { if (!r.sent) { r.sent = true; await put("results", r); } }
    let response;
    try {
      response = await fetch(T.apiResults, { method: "POST", body: form, credentials: "same-origin",
                                             headers: { "X-CSRFToken": csrf(), Accept: "application/json" } });
    } catch (err) {
      return T.tSyncOffline; // still pending, same ids: the next sync sends them again
    }
    if (response.status === 401 || response.status === 403 || response.redirected) return T.tSyncLogin;
    let body = null;
    try { body = await response.json(); } catch (err) { body = null; }
    if (!response.ok || !body || !Array.isArray(body.results)) {
      if (response.status >= 500 || !body) return T.tSyncOffline;
      // The whole batch was refused as malformed: each result is kept, with the server's words, for correction.
      const message = JSON.stringify(body.detail || body.errors || body).slice(0, 300);
      for (const r of batch) { r.status = "error"; r.message = message; await put("results", r); counts.error += 1; }
      return "";
    }
    const byId = {};
    for (const r of batch) byId[r.client_id] = r;
    for (const answer of body.results) {
      const r = byId[answer.client_id];
      if (!r) continue;
      if (answer.status === "created" || answer.status === "duplicate") {
        r.status = "synced";
        r.case = answer.case || "";
        r.photo = null; // stored on the server now: free the phone's space, keep the thumbnail
      } else if (answer.status === "conflict") {
        r.status = "conflict";
        r.server = answer.server || null;
        r.message = answer.message || "";
      } else {
        r.status = "error";
        r.message = answer.message || "";
      }
      counts[answer.status in counts ? answer.status : "error"] += 1;
      await put("results", r);
    }
    return "";
  }

  // -- start ---------------------------------------------------------------------------------------------------------
  $("app-download").addEventListener("click", download);
  $("app-sync").addEventListener("click", function () { sync(false); });
  $("app-back").addEventListener("click", function () { current = null; render(); });
  showNetwork();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(T.sw, { scope: T.scope }).catch(function () { /* the app works without */ });
  }
  render().then(function () { if (navigator.onLine) sync(true); });
})();
