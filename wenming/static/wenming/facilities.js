// The facility register's map (设施台账): the area outlines with their labels and the facilities of the chosen
// type as markers (clustered where they overlap), drawn by outlines.js (WenmingMap) like every map of the app.
// Points come from the page (#facility-points, json_script); words from the map's data-label-* attributes.
(function () {
  "use strict";
  var el = document.getElementById("facility-map");
  var dataEl = document.getElementById("facility-points");
  if (!el || !dataEl || !window.WenmingMap) { return; }
  var W = window.WenmingMap;
  var ACTIVE = "#1565c0", INACTIVE = "#9e9e9e";
  var label = function (key) { return el.getAttribute("data-label-" + key) || ""; };
  var points = JSON.parse(dataEl.textContent);
  var siteUrl = el.getAttribute("data-site-url");
  var map = W.create(el).setView([37.74, 115.67], 11);
  var outlines = W.outlines(map, {});
  var markers = W.markers(map, points.map(function (p) {
    var title = p.name + (p.capacity !== null ? " · " + label("capacity") + " " + p.capacity : "") +
      (p.active ? "" : " · " + label("inactive"));
    return { lat: p.lat, lng: p.lng, color: p.active ? ACTIVE : INACTIVE, radius: 6, title: title,
             url: siteUrl.replace("SITE-CODE", encodeURIComponent(p.code)) };
  }));
  W.legend(map, [{ color: ACTIVE, label: label("active") }, { color: INACTIVE, label: label("inactive") }]);
  el.setAttribute("data-markers", String(points.length));
  var bounds = markers.bounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
  } else {
    outlines.ready.then(function () { W.fit(map, [outlines.bounds()]); });
  }
})();
