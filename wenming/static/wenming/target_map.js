// Target lists on maps: the colours every list and map shares, and the task page's coverage map (areas or places
// met or not met as coloured points over the outlines). Loaded after leaflet.js and outlines.js (WenmingMap).
window.WenmingTargets = (function () {
  "use strict";
  // Green done (accepted or met), orange awaiting acceptance, red to do or not met, grey out of scope.
  var COLOURS = { ok: "#2e7d32", submitted: "#ef6c00", todo: "#c62828", out: "#9e9e9e" };

  // Marker entries for WenmingMap.markers from lines ({id, lat, lng, name, colour, status, count, required}).
  function markers(lines, lineUrl) {
    return lines.map(function (l) {
      var figures = l.required === null || l.required === undefined ? "" : " (" + l.count + " / " + l.required + ")";
      return { lat: l.lat, lng: l.lng, color: COLOURS[l.colour] || COLOURS.todo, radius: 7, stroke: "#fff",
               title: l.name + " · " + l.status + figures, url: lineUrl.replace("/0/", "/" + l.id + "/"), colour: l.colour };
    });
  }

  function coverage() {
    var el = document.getElementById("coverage-map"), data = document.getElementById("coverage-data");
    if (!el || !data || !window.WenmingMap) { return; }
    var W = window.WenmingMap, lines = JSON.parse(data.textContent);
    var map = W.create(el).setView([37.74, 115.67], 10);
    var outlines = W.outlines(map, {});
    // Per-area rules: the areas themselves filled green or red (their outlines from the outlines endpoint, whole
    // levels only: a level too large to send is left to the points).
    var level = el.getAttribute("data-level"), words = document.getElementById("map-words");
    var url = words && words.getAttribute("data-url");
    var byCode = {};
    lines.forEach(function (l) { if (l.area) { byCode[l.area] = l; } });
    if (level && url) {
      fetch(url + "?level=" + encodeURIComponent(level), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          var filled = 0;
          L.geoJSON(data, {
            filter: function (f) { return !!byCode[(f.properties || {}).code]; },
            style: function (f) {
              var l = byCode[f.properties.code];
              return { color: "#555", weight: 0.8, fillColor: COLOURS[l.colour] || COLOURS.todo, fillOpacity: 0.4, interactive: false };
            },
            onEachFeature: function () { filled += 1; }
          }).addTo(map).bringToBack();
          el.setAttribute("data-areas-filled", String(filled));
        })
        .catch(function () {});
    }
    var layer = W.markers(map, markers(lines, el.getAttribute("data-line-url")));
    W.legend(map, ["ok", "todo", "out"].map(function (k) {
      return { color: COLOURS[k], label: el.getAttribute("data-label-" + k) };
    }));
    var bounds = layer.bounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 14, padding: [20, 20] }); }
    else { outlines.ready.then(function () { W.fit(map, [outlines.bounds()]); }); }
    el.setAttribute("data-points", String(lines.length));
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", coverage); } else { coverage(); }
  return { COLOURS: COLOURS, markers: markers };
})();
