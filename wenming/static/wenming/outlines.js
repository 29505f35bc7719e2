// The one place every Leaflet map of the app (and the citizen's) draws its basemap, legend and markers, loaded
// after leaflet.js and leaflet_defaults.js. There are no map tiles offline, so the area outlines are the basemap:
// - districts bold, each tinted, labelled; streets thinner, labelled once they are big enough on screen;
//   communities and grids (and grid codes) only when zoomed in, fetched for the visible box only (a city has up
//   to 60,000 grids: they are never all sent);
// - a label shows only where its area is wide enough on screen and does not cover another label, so the map
//   reads at any zoom and for any city's outlines;
// - markers open their page on click and merge into numbered clusters where they would overlap;
// - a legend says what the colours and lines mean, in the page's language (the words come from the page's
//   #map-words element, translated by the template, never from here).
// Names come from the database: they are always set as text, never as HTML.
window.WenmingMap = (function () {
  "use strict";
  if (typeof L === "undefined") { return null; }

  var STYLE = {
    county: { color: "#37474f", weight: 2.6, opacity: 0.95, fillOpacity: 0.5 },
    street: { color: "#546e7a", weight: 1.3, opacity: 0.9, dashArray: "6 4", fill: false },
    community: { color: "#78909c", weight: 1, opacity: 0.9, dashArray: "2 4", fill: false },
    grid: { color: "#8d9ba3", weight: 0.8, opacity: 0.9, fill: false }
  };
  // Pale tints told apart from their neighbours, so districts read as a map, not a drawing of lines.
  var TINTS = ["#f3efe2", "#e6eef2", "#eef3e6", "#f5e9e6", "#ece8f3", "#e9f2f0", "#f4f0e8", "#e8ecf5"];
  var ORDER = ["county", "street", "community", "grid"];
  // A label shows when its area is at least this wide on screen (pixels), and grids load from this zoom on.
  var LABEL_MIN_PX = { county: 50, street: 80, community: 90, grid: 40 };
  var FONT_PX = { county: 15, street: 12.5, community: 11.5, grid: 10.5 };
  var FINE_MIN_ZOOM = 14;

  var words = function (key) {
    var el = document.getElementById("map-words");
    return (el && el.getAttribute("data-" + key)) || "";
  };
  var text = function (value, className) {
    var span = document.createElement("span");
    if (className) { span.className = className; }
    span.textContent = value;
    return span;
  };

  // A map with the app's defaults: no tiles unless the site has some (WENMING_MAP_TILES), a paper background.
  function create(el, options) {
    var map = L.map(el, Object.assign({ zoomSnap: 0.5, preferCanvas: false }, options || {}));
    el.classList.add("wm-map");
    el.wenmingMap = map;  // for the browser tests and the console
    var tiles = document.body.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    map.createPane("wm-labels").style.zIndex = 450;
    map.getPane("wm-labels").style.pointerEvents = "none";
    return map;
  }

  // -- outlines ------------------------------------------------------------------------------------------------

  // Draws outlines on ``map``: ``geojson`` (what the page carries) or, without it, ``levels`` fetched from
  // ``url`` (the outlines endpoint, from #map-words' data-url when not given); with ``fine`` (default on when a
  // url is known), communities and grids of the visible box once zoomed in. Returns { bounds(), ready }.
  function outlines(map, options) {
    options = options || {};
    var url = options.url || words("url");
    var fine = options.fine !== false && !!url;
    var drawn = {};  // code → true: an area drawn once, whatever answer brought it again
    var features = [];  // { kind, code, name, layer, bounds, at }
    var group = L.featureGroup().addTo(map);
    var labels = L.layerGroup().addTo(map);
    var fineGroup = L.featureGroup().addTo(map);
    var countyIndex = 0;
    var state = { loadedBox: null, pending: null, truncated: false };
    var hint = null;

    var add = function (data, target) {
      (data.features || []).forEach(function (f) {
        var p = f.properties || {};
        var kind = ORDER.indexOf(p.kind) >= 0 ? p.kind : "street";
        if (p.code && drawn[p.code]) { return; }
        if (p.code) { drawn[p.code] = true; }
        var style = Object.assign({ interactive: false }, STYLE[kind]);
        if (kind === "county") { style.fillColor = TINTS[countyIndex++ % TINTS.length]; }
        var layer = L.geoJSON(f, { style: style, interactive: false });
        layer.addTo(target);
        var bounds = layer.getBounds();
        if (!bounds.isValid()) { return; }
        var at = p.label ? L.latLng(p.label[1], p.label[0]) : bounds.getCenter();
        features.push({ kind: kind, code: p.code || "", name: p.name || "", layer: layer, bounds: bounds, at: at,
                        fine: target === fineGroup });
      });
      if (target === group) {
        // Coarser outlines stay on top of finer ones: a district's border is never hidden under a grid's.
        features.forEach(function (x) { if (x.kind === "county" && !x.fine) { x.layer.bringToFront(); } });
      }
    };

    // Which labels show: big enough on screen, inside the view, not over a label already placed (coarser first).
    var relabel = function () {
      labels.clearLayers();
      var view = map.getBounds().pad(0.1), placed = [], zoom = map.getZoom();
      var sorted = features.slice().sort(function (a, b) { return ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind); });
      // The coarsest level drawn is named even when small on screen, if it has few areas (where labels would
      // collide, the first placed wins): a map always says which districts (or streets) it shows.
      var coarsest = sorted.length ? sorted[0].kind : "";
      var fewCoarse = sorted.filter(function (x) { return x.kind === coarsest; }).length <= 40;
      sorted.forEach(function (x) {
        if (!view.contains(x.at)) { return; }
        var sw = map.latLngToLayerPoint(x.bounds.getSouthWest()), ne = map.latLngToLayerPoint(x.bounds.getNorthEast());
        var width = Math.abs(ne.x - sw.x), height = Math.abs(sw.y - ne.y);
        var named = x.kind === coarsest && fewCoarse;
        if (!named && (width < LABEL_MIN_PX[x.kind] || height < FONT_PX[x.kind] * 1.6)) { return; }
        // A grid narrower than its name shows its serial (the code's last two digits, CJ/T 213), wider ones
        // their full code.
        var label = x.kind === "grid" ? (width < 120 ? x.code.slice(-2) : x.code) || x.name : x.name;
        if (!label) { return; }
        var size = FONT_PX[x.kind], w = label.length * size * 0.95 + 8, h = size + 6;
        var c = map.latLngToLayerPoint(x.at);
        var box = [c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2];
        for (var i = 0; i < placed.length; i++) {
          var o = placed[i];
          if (box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]) { return; }
        }
        placed.push(box);
        var inner = text(label, "area-label-text");
        if (x.kind === "grid" && label !== x.name) { inner.title = x.name; }
        var holder = document.createElement("div");
        holder.appendChild(inner);
        L.marker(x.at, {
          icon: L.divIcon({ className: "area-label area-label-" + x.kind, html: holder, iconSize: [0, 0] }),
          interactive: false, keyboard: false, pane: "wm-labels"
        }).addTo(labels);
      });
      map.getContainer().setAttribute("data-labels", String(placed.length));
    };

    var say = function (message) {
      if (!hint) {
        hint = L.control({ position: "topright" });
        hint.onAdd = function () { var d = L.DomUtil.create("div", "map-hint"); return d; };
        hint.addTo(map);
      }
      var box = hint.getContainer();
      box.textContent = message;
      box.hidden = !message;
    };

    // Communities and grids of the visible box, once zoomed in; one request at a time, none for a box already had.
    var loadFine = function () {
      if (!fine) { return; }
      if (map.getZoom() < FINE_MIN_ZOOM) {
        fineGroup.clearLayers();
        features = features.filter(function (x) { return !x.fine; });
        Object.keys(drawn).forEach(function (code) { if (drawn[code] === "fine") { delete drawn[code]; } });
        state.loadedBox = null;
        say(words("zoom-for-grids"));
        return;
      }
      var view = map.getBounds();
      if (state.loadedBox && state.loadedBox.contains(view)) { return; }
      if (features.length > 6000) {  // long panning across a large city: start again from what is in view
        fineGroup.clearLayers();
        features = features.filter(function (x) { return !x.fine; });
        Object.keys(drawn).forEach(function (code) { if (drawn[code] === "fine") { delete drawn[code]; } });
      }
      var box = view.pad(0.5);
      if (state.pending) { state.pending.abort(); }
      var control = new AbortController();
      state.pending = control;
      var bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map(function (v) { return v.toFixed(5); });
      fetch(url + "?level=community,grid&bbox=" + bbox.join(","), { credentials: "same-origin", signal: control.signal,
                                                                    headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          state.pending = null;
          if (!data) { return; }
          state.loadedBox = box;
          var before = features.length;
          add(data, fineGroup);
          features.slice(before).forEach(function (x) { drawn[x.code] = "fine"; });
          say(data.truncated && data.truncated.length ? words("zoom-for-grids") : "");
          relabel();
          map.getContainer().setAttribute("data-grids", String(features.filter(function (x) { return x.kind === "grid"; }).length));
        })
        .catch(function () { state.pending = null; });
    };

    var ready;
    if (options.geojson && options.geojson.features && options.geojson.features.length) {
      add(options.geojson, group);
      ready = Promise.resolve();
    } else if (url && options.levels !== false) {
      var levels = options.levels || ["county", "street"];
      var query = "?level=" + levels.join(",") + (options.within ? "&within=" + options.within.join(",") : "");
      ready = fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) { add(data, group); })
        .catch(function () {});
    } else {
      ready = Promise.resolve();
    }
    ready = ready.then(function () { relabel(); map.getContainer().setAttribute("data-outlines-drawn", String(features.length)); });
    map.on("zoomend moveend", function () { relabel(); loadFine(); });
    map.whenReady(function () { ready.then(loadFine); });
    return {
      ready: ready,
      bounds: function () { return group.getBounds(); },
      relabel: relabel
    };
  }

  // -- markers ---------------------------------------------------------------------------------------------------

  // Markers that open their page: items are { lat, lng, color, stroke, radius, title, url }. Where markers would
  // overlap at the current zoom they merge into a cluster showing how many; a click on it zooms in to them.
  function markers(map, items, options) {
    options = options || {};
    var layer = L.layerGroup().addTo(map);
    var CELL = options.cell || 44, NO_CLUSTER_ZOOM = options.noClusterZoom || 17;
    var draw = function () {
      layer.clearLayers();
      var cells = {}, list = [];
      var zoom = map.getZoom();
      items.forEach(function (m) {
        if (m.lat === null || m.lng === null || m.lat === undefined) { return; }
        var latlng = L.latLng(m.lat, m.lng);
        if (zoom >= NO_CLUSTER_ZOOM || options.cluster === false) { list.push([latlng, [m]]); return; }
        var p = map.project(latlng, zoom);
        var key = Math.floor(p.x / CELL) + ":" + Math.floor(p.y / CELL);
        if (!cells[key]) { cells[key] = [latlng, []]; list.push(cells[key]); }
        cells[key][1].push(m);
      });
      list.forEach(function (entry) {
        var members = entry[1];
        if (members.length === 1) {
          var m = members[0];
          var marker = L.circleMarker([m.lat, m.lng], {
            radius: m.radius || 6, weight: 1.5, color: m.stroke || "#ffffff", fillColor: m.color || "#1976d2", fillOpacity: 0.95
          });
          if (m.title) { marker.bindTooltip(text(m.title), { direction: "top", offset: [0, -4] }); }
          if (m.url) {
            marker.on("click", function () { window.location.href = m.url; });
          }
          marker.addTo(layer);
          return;
        }
        // The cluster's colour is that of most of its members; its place is their middle.
        var counts = {}, top = null, lat = 0, lng = 0;
        members.forEach(function (x) {
          counts[x.color] = (counts[x.color] || 0) + 1;
          if (!top || counts[x.color] > counts[top]) { top = x.color; }
          lat += x.lat; lng += x.lng;
        });
        var bounds = L.latLngBounds(members.map(function (x) { return [x.lat, x.lng]; }));
        var size = Math.round(24 + Math.min(18, Math.log(members.length) * 5));
        var holder = document.createElement("div");
        var ball = text(String(members.length), "map-cluster-count");
        ball.style.background = top || "#1976d2";
        ball.style.width = ball.style.height = ball.style.lineHeight = size + "px";
        holder.appendChild(ball);
        var cluster = L.marker([lat / members.length, lng / members.length], {
          icon: L.divIcon({ className: "map-cluster", html: holder, iconSize: [size, size] }),
          title: (words("cluster") || "%s").replace("%s", members.length), keyboard: true
        });
        cluster.on("click", function () {
          if (bounds.getNorthEast().equals(bounds.getSouthWest())) { map.setView(bounds.getCenter(), NO_CLUSTER_ZOOM); } else {
            map.fitBounds(bounds.pad(0.3), { maxZoom: NO_CLUSTER_ZOOM });
          }
        });
        cluster.addTo(layer);
      });
    };
    map.on("zoomend", draw);
    draw();
    return {
      layer: layer,
      set: function (next) { items = next; draw(); },
      bounds: function () {
        var located = items.filter(function (m) { return m.lat !== null && m.lat !== undefined; });
        return L.latLngBounds(located.map(function (m) { return [m.lat, m.lng]; }));
      }
    };
  }

  // -- legend ----------------------------------------------------------------------------------------------------

  // entries: [{ color, label, shape: "dot" | "ring" | "square" }]; with ``lines`` the outline kinds are explained too.
  function legend(map, entries, options) {
    options = options || {};
    var control = L.control({ position: options.position || "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      L.DomEvent.disableClickPropagation(box);
      var title = options.title || words("legend");
      if (title) { box.appendChild(text(title, "map-legend-title")); }
      entries.forEach(function (e) {
        var row = L.DomUtil.create("div", "map-legend-row", box);
        var swatch = L.DomUtil.create("i", "map-legend-" + (e.shape || "dot"), row);
        swatch.style.background = e.shape === "ring" ? "transparent" : e.color;
        swatch.style.borderColor = e.stroke || e.color;
        row.appendChild(text(e.label));
      });
      (options.lines === false ? [] : (options.lines || ["county", "street", "grid"])).forEach(function (kind) {
        var label = words("line-" + kind);
        if (!label) { return; }
        var row = L.DomUtil.create("div", "map-legend-row", box);
        var swatch = L.DomUtil.create("i", "map-legend-line map-legend-line-" + kind, row);
        swatch.setAttribute("aria-hidden", "true");
        row.appendChild(text(label));
      });
      return box;
    };
    control.addTo(map);
    return control;
  }

  // Fits the map to the first valid bounds in ``list``; else to ``fallback`` (lat, lng, zoom) or the city.
  function fit(map, list, options) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (b && b.isValid && b.isValid()) { map.fitBounds(b, Object.assign({ padding: [20, 20], maxZoom: 16 }, options || {})); return; }
    }
    map.setView([37.74, 115.67], 11);
  }

  return { create: create, outlines: outlines, markers: markers, legend: legend, fit: fit, words: words, text: text };
})();
