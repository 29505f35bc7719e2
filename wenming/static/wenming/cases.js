// Case pages: select every row of the batch-dispatch list at once. (The intake map, its picker and the
// "use my location" button are map.js's.) No inline scripts anywhere: the content security policy allows
// only same-origin files.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      var boxes = document.querySelectorAll("input[name=case]");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
    });
  }
})();

// The workbench map: the current list's cases as points, red when overdue, each linking to its case.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { zoomSnap: 0.5 });
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var note = document.getElementById("case-map-note");
  // District and street outlines in scope, so a map without tiles still shows where the points are.
  var outlines = JSON.parse(el.getAttribute("data-outlines") || "null"), outlineLayer = null;
  if (outlines && outlines.features.length) {
    outlineLayer = L.geoJSON(outlines, {
      interactive: false,
      style: function (f) {
        return f.properties.kind === "street" ? { color: "#999", weight: 1, dashArray: "4 4", fill: false }
          : { color: "#555", weight: 2, fill: false };
      }
    }).addTo(map);
  }
  var say = function (text) {
    var p = document.createElement("span");
    p.className = "map-warning";
    p.textContent = " · " + text;
    note.appendChild(p);
  };
  fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (!data.features.length) {
        say(note.getAttribute("data-empty"));
        if (outlineLayer) { map.fitBounds(outlineLayer.getBounds()); } else { map.setView([37.74, 115.67], 11); }
        el.setAttribute("data-loaded", "0");
        return;
      }
      if (data.truncated) { say(note.getAttribute("data-truncated")); }
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, latlng) {
          var late = f.properties.overdue;
          return L.circleMarker(latlng, {
            radius: f.properties.urgent ? 7 : 5, weight: 1, color: late ? "#7f0000" : "#0d47a1",
            fillColor: late ? "#d32f2f" : "#1976d2", fillOpacity: 0.8
          });
        },
        onEachFeature: function (f, marker) {
          // Text from the database goes in as text nodes, never as HTML.
          var box = document.createElement("div");
          var a = document.createElement("a");
          a.href = f.properties.url;
          a.textContent = f.properties.number;
          box.appendChild(a);
          [f.properties.state, f.properties.category, f.properties.unit].forEach(function (t) {
            if (!t) { return; }
            var line = document.createElement("div");
            line.textContent = t;
            box.appendChild(line);
          });
          marker.bindPopup(box);
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 14 });
      el.setAttribute("data-loaded", String(data.features.length));
    });
})();
