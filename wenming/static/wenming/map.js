// Small Leaflet helpers: draw a geometry, or pick a point into the routing form. Tiles are optional
// (WENMING_MAP_TILES); without them the map still shows the geometry on a plain background.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { zoomSnap: 0.5 });
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  map.setView([37.739, 115.67], 13);
  var raw = el.getAttribute("data-geometry");
  if (raw && raw !== "null") {
    var layer = L.geoJSON(JSON.parse(raw), { style: { color: "#b71c1c", weight: 2 } }).addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 17 });
  }
  if (el.getAttribute("data-pick")) {
    var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng"), marker = null;
    var place = function (latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 7, color: "#b71c1c" }).addTo(map); }
    };
    if (lat.value && lng.value) { place([+lat.value, +lng.value]); map.setView([+lat.value, +lng.value], 16); }
    var features = el.getAttribute("data-features");
    if (features) {
      var styles = { grid: { color: "#b71c1c", weight: 2, fillOpacity: 0.08 }, site: { color: "#1565c0", weight: 2, fillOpacity: 0.15 } };
      var layer = L.geoJSON(JSON.parse(features), {
        style: function (f) { return styles[f.properties.kind] || {}; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, f.properties.kind === "point" ? { radius: 6, color: "#b71c1c", fillOpacity: 1 } : { radius: 5, color: "#1565c0" });
        },
        onEachFeature: function (f, l) { if (f.properties.name) { l.bindTooltip(f.properties.name); } }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [20, 20] });
    }
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(7); lng.value = e.latlng.lng.toFixed(7);
      document.getElementById("id_crs").value = "wgs84";
      place(e.latlng);
    });
  }
})();
