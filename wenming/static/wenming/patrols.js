// The road chief's pages (我的路段, a patrol): the map of the chief's roads with their names and the patrol's
// check-ins (drawn by outlines.js like every map), and the phone's position put into the check-in and finding
// forms. A check-in asks the phone for a fresh position when tapped: an old one would check in where the chief was.
(function () {
  "use strict";
  var read = function (el, name) {
    var raw = el.getAttribute(name);
    return raw ? JSON.parse(raw) : null;
  };
  var W = window.WenmingMap;
  var el = document.getElementById("patrol-map");
  if (W && el) {
    var map = W.create(el);
    W.outlines(map, {});
    var group = L.featureGroup().addTo(map);
    var ROAD = "#b71c1c", POINT = "#1565c0";
    var roads = read(el, "data-roads");
    if (roads) {
      L.geoJSON(roads, {
        style: { color: ROAD, weight: 6, opacity: 0.85 },
        onEachFeature: function (f, layer) {
          if (f.properties && f.properties.name) {
            layer.bindTooltip(W.text(f.properties.name), { permanent: true, direction: "center", className: "road-label" });
          }
        }
      }).addTo(group);
    }
    (read(el, "data-points") || []).forEach(function (p, i) {
      L.circleMarker([p.lat, p.lng], { radius: 7, color: "#fff", weight: 2, fillColor: POINT, fillOpacity: 1 })
        .bindTooltip(String(i + 1)).addTo(group);
    });
    var b = group.getBounds();
    if (b.isValid()) { map.fitBounds(b.pad(0.25), { maxZoom: 17 }); } else { map.setView([37.74, 115.67], 12); }
    var entries = [{ color: ROAD, label: el.getAttribute("data-label-road"), shape: "square" }];
    if (el.getAttribute("data-points")) { entries.push({ color: POINT, label: el.getAttribute("data-label-point"), shape: "dot" }); }
    W.legend(map, entries, { position: "topright" });
  }

  var status = document.getElementById("position");
  var say = function (key) { if (status) { status.textContent = status.getAttribute("data-" + key) || ""; status.setAttribute("data-state", key); } };
  var fill = function (pos) {
    document.querySelectorAll("form[data-gps]").forEach(function (form) {
      form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
    });
    say("found");
  };
  if (!document.querySelector("form[data-gps]")) { return; }
  if (!navigator.geolocation) { say("failed"); return; }
  say("waiting");
  navigator.geolocation.getCurrentPosition(fill, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  var checkin = document.getElementById("checkin-form");
  if (checkin) {
    checkin.addEventListener("submit", function (event) {
      if (checkin.getAttribute("data-fresh") === "1") { return; }
      event.preventDefault();
      say("waiting");
      navigator.geolocation.getCurrentPosition(function (pos) {
        fill(pos);
        checkin.setAttribute("data-fresh", "1");
        checkin.submit();
      }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
  }
})();
