// Small Leaflet helpers: draw a geometry, or pick a point into the routing form. Tiles are optional
// (WENMING_MAP_TILES); without them the map shows district and street outlines on a plain background.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { zoomSnap: 0.5 });
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }

  var read = function (name) {
    var raw = el.getAttribute(name);
    return raw && raw !== "null" ? JSON.parse(raw) : null;
  };
  // Names come from the database: show them as text, never as HTML.
  var text = function (value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  };
  var focus = null;  // what the map should show first
  var extend = function (layer) {
    var b = layer.getBounds();
    if (!b.isValid()) { return; }
    focus = focus ? focus.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
  };

  // Outlines of the areas in scope, for orientation; clicks go through them to the map.
  var outlines = read("data-outlines"), outlineBounds = null;
  if (outlines && outlines.features.length) {
    var kinds = outlines.features.map(function (f) { return f.properties.kind; });
    var top = ["county", "street", "community", "grid"].filter(function (k) { return kinds.indexOf(k) >= 0; })[0];
    var outlineLayer = L.geoJSON(outlines, {
      interactive: false,
      style: function (f) {
        return f.properties.kind === top
          ? { color: "#555", weight: 2, fill: false }
          : { color: "#888", weight: 1, dashArray: "4 4", fill: false };
      },
      onEachFeature: function (f, layer) {
        if (f.properties.kind === top && outlines.features.length <= 40) {
          layer.bindTooltip(text(f.properties.name), { permanent: true, direction: "center", className: "area-label" });
        }
      }
    }).addTo(map);
    outlineBounds = outlineLayer.getBounds();
  }

  var geometry = read("data-geometry");
  if (geometry) {
    extend(L.geoJSON(geometry, { style: { color: "#b71c1c", weight: 2, fillOpacity: 0.1 } }).addTo(map));
  }

  var features = read("data-features");
  if (features) {
    var styles = { grid: { color: "#b71c1c", weight: 2, fillOpacity: 0.08 }, site: { color: "#1565c0", weight: 2, fillOpacity: 0.15 } };
    extend(L.geoJSON(features, {
      style: function (f) { return styles[f.properties.kind] || {}; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, f.properties.kind === "point"
          ? { radius: 7, color: "#b71c1c", fillOpacity: 1 } : { radius: 5, color: "#1565c0" });
      },
      onEachFeature: function (f, layer) { if (f.properties.name) { layer.bindTooltip(text(f.properties.name)); } }
    }).addTo(map));
  }

  var picker = el.getAttribute("data-pick") ? {
    lat: document.getElementById("id_lat"), lng: document.getElementById("id_lng"), crs: document.getElementById("id_crs")
  } : null;
  var typedWgs84 = picker && picker.lat.value && picker.lng.value && (!picker.crs || picker.crs.value === "wgs84");
  var marker = null;
  var place = function (latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: "#b71c1c", weight: 3 }).addTo(map); }
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
  } else if (outlineBounds && outlineBounds.isValid()) {
    map.fitBounds(outlineBounds, { padding: [10, 10] });
  } else {
    map.setView([37.739, 115.67], 12);
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
})();
