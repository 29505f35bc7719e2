// The app's Leaflet maps but the battle map's: an area's, a site's or a case's place (#map with data-geometry),
// the point picker of the intake form and the routing check (#map with data-pick), and the workbench's map of
// the listed cases (#case-map). Outlines, labels, legend and markers are drawn by outlines.js (WenmingMap), the
// same on every map. Tiles are optional (WENMING_MAP_TILES): the outlines are the basemap.
(function () {
  "use strict";
  var W = window.WenmingMap;
  if (!W) { return; }
  var read = function (el, name) {
    var raw = el.getAttribute(name);
    return raw && raw !== "null" ? JSON.parse(raw) : null;
  };

  // -- #map: a place, a picker, a routing check ------------------------------------------------------------------
  var el = document.getElementById("map");
  if (el) {
    var map = W.create(el);
    var outlines = W.outlines(map, { geojson: read(el, "data-outlines") });
    var focus = null;  // what the map should show first
    var extend = function (layer) {
      var b = layer.getBounds();
      if (!b.isValid()) { return; }
      focus = focus ? focus.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    };
    var entries = [];
    var HERE = "#b71c1c", SITE = "#1565c0";

    var geometry = read(el, "data-geometry");
    if (geometry) {
      extend(L.geoJSON(geometry, {
        style: { color: HERE, weight: 3, fillOpacity: 0.12 },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: HERE, fillOpacity: 1 }); }
      }).addTo(map));
      entries.push({ color: HERE, label: el.getAttribute("data-label-here") || W.words("here"), shape: geometry.type === "Point" ? "dot" : "square" });
    }

    var features = read(el, "data-features");
    if (features) {
      var styles = { grid: { color: HERE, weight: 2, fillOpacity: 0.08 }, site: { color: SITE, weight: 2, fillOpacity: 0.15 } };
      extend(L.geoJSON(features, {
        style: function (f) { return styles[f.properties.kind] || {}; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, f.properties.kind === "point"
            ? { radius: 7, color: HERE, fillOpacity: 1 } : { radius: 5, color: SITE });
        },
        onEachFeature: function (f, layer) { if (f.properties.name) { layer.bindTooltip(W.text(f.properties.name)); } }
      }).addTo(map));
      entries.push({ color: HERE, label: W.words("picked"), shape: "dot" }, { color: SITE, label: W.words("nearby-site"), shape: "ring" });
    }

    var picker = el.getAttribute("data-pick") ? {
      lat: document.getElementById("id_lat"), lng: document.getElementById("id_lng"), crs: document.getElementById("id_crs")
    } : null;
    if (picker && !features) { entries.push({ color: HERE, label: W.words("picked"), shape: "ring" }); }
    W.legend(map, entries);
    var typedWgs84 = picker && picker.lat.value && picker.lng.value && (!picker.crs || picker.crs.value === "wgs84");
    var marker = null;
    var place = function (latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: HERE, weight: 3 }).addTo(map); }
    };
    var fill = function (lat, lng) {
      picker.lat.value = lat.toFixed(7);
      picker.lng.value = lng.toFixed(7);
      if (picker.crs) { picker.crs.value = "wgs84"; }  // the map speaks WGS-84
      place([lat, lng]);
    };

    if (focus) {
      map.fitBounds(focus, { maxZoom: 17, padding: [20, 20] });
    } else if (typedWgs84) {
      map.setView([+picker.lat.value, +picker.lng.value], 16);
    } else {
      map.setView([37.74, 115.67], 11);
      outlines.ready.then(function () { W.fit(map, [outlines.bounds()], { padding: [10, 10] }); });
    }

    if (picker) {
      if (typedWgs84 && !features) {
        place([+picker.lat.value, +picker.lng.value]);
      }
      map.on("click", function (e) { fill(e.latlng.lat, e.latlng.lng); });
      var locate = document.getElementById("map-locate");
      if (locate && navigator.geolocation) {
        locate.hidden = false;
        locate.addEventListener("click", function () {
          navigator.geolocation.getCurrentPosition(function (pos) {
            fill(pos.coords.latitude, pos.coords.longitude);
            map.setView([pos.coords.latitude, pos.coords.longitude], 17);
          });
        });
      }
    }
  }

  // -- #case-map: the workbench's list on the map ----------------------------------------------------------------
  // Each case a point coloured by its state (red when overdue, larger when urgent), opening the case on a click;
  // points that would overlap merge into numbered clusters.
  var caseEl = document.getElementById("case-map");
  if (caseEl) {
    var STATE_COLORS = {
      reported: "#7b1fa2", registered: "#5e35b1", dispatched: "#1565c0", return_requested: "#ef6c00",
      handling: "#0288d1", shelved: "#6d4c41", submitted: "#00897b", verified: "#2e7d32", closed: "#9e9e9e",
      rejected: "#bdbdbd", voided: "#bdbdbd", merged: "#bdbdbd"
    };
    var LATE = "#d32f2f";
    var cmap = W.create(caseEl);
    var caseOutlines = W.outlines(cmap, { geojson: read(caseEl, "data-outlines") });
    cmap.setView([37.74, 115.67], 11);
    var note = document.getElementById("case-map-note");
    var say = function (message) {
      var p = document.createElement("span");
      p.className = "map-warning";
      p.textContent = " · " + message;
      note.appendChild(p);
    };
    fetch(caseEl.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var features = data.features || [];
        if (!features.length) {
          say(note.getAttribute("data-empty"));
          caseOutlines.ready.then(function () { W.fit(cmap, [caseOutlines.bounds()]); });
          caseEl.setAttribute("data-loaded", "0");
          W.legend(cmap, []);
          return;
        }
        if (data.truncated) { say(note.getAttribute("data-truncated")); }
        var seen = {}, entries = [{ color: LATE, label: caseEl.getAttribute("data-label-overdue"), shape: "dot" }];
        var items = features.map(function (f) {
          var p = f.properties, key = p.state_key || "";
          if (!p.overdue && !seen[key]) {
            seen[key] = true;
            entries.push({ color: STATE_COLORS[key] || "#1976d2", label: p.state, shape: "dot" });
          }
          return {
            lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0], url: p.url,
            color: p.overdue ? LATE : (STATE_COLORS[key] || "#1976d2"), radius: p.urgent ? 8 : 6,
            title: [p.number, p.state, p.category, p.unit].filter(Boolean).join(" · ")
          };
        });
        var layer = W.markers(cmap, items);
        W.legend(cmap, entries);
        cmap.fitBounds(layer.bounds(), { padding: [30, 30], maxZoom: 15 });
        caseEl.setAttribute("data-loaded", String(features.length));
      });
  }
})();
