// Pick a place and show photos on a phone, for the report pages: the citizen's 随手拍 (public/report.js) and the
// field staff's report (wenming/field.js). One copy of the map pin, the phone's position and the photo previews.
//
//   WenmingPlacePick(options) -> { map, place(lat, lng) }
//     options.lat, options.lng   the form's hidden inputs the place is written to (WGS-84, as browsers give it)
//     options.status             an element told what happened, from its data-waiting / data-failed / data-found
//     options.map                the map's element: data-centre "[lng, lat]", data-outlines GeoJSON text (optional)
//     options.locate             the "use my location" button (optional)
//     options.labels             the outline kinds whose names are written on the map (default: streets)
//     options.onPlace            called with (lat, lng) after each placing (optional)
//   WenmingPhotoPreview(input, preview, most) shows the chosen photos as small images.
(function () {
  "use strict";

  // Outlines by kind: districts solid, streets dashed, a grid worker's community and grids in the brand's red.
  var STYLES = {
    county: { color: "#555", weight: 2, fill: false },
    street: { color: "#888", weight: 1, dashArray: "4 4", fill: false },
    community: { color: "#b71c1c", weight: 2, fill: false },
    grid: { color: "#b71c1c", weight: 1, opacity: 0.8, fillColor: "#b71c1c", fillOpacity: 0.04 }
  };

  window.WenmingPlacePick = function (options) {
    var lat = options.lat, lng = options.lng, status = options.status, mapEl = options.map;
    var labels = options.labels || ["street"];
    var map = null, marker = null;

    var place = function (la, ln, label) {
      lat.value = la.toFixed(7);
      lng.value = ln.toFixed(7);
      if (status) {
        status.textContent = (label || status.getAttribute("data-found")) + " (" + la.toFixed(5) + ", " + ln.toFixed(5) + ")";
        status.classList.remove("errorlist");
      }
      if (map) {
        if (marker) { marker.setLatLng([la, ln]); } else { marker = L.marker([la, ln]).addTo(map); }
        map.setView([la, ln], Math.max(map.getZoom(), 16));
      }
      if (options.onPlace) { options.onPlace(la, ln); }
    };

    if (mapEl && typeof L !== "undefined") {
      var centre = mapEl.getAttribute("data-centre");
      var start = centre ? JSON.parse(centre) : null;  // [lng, lat]
      map = L.map(mapEl, { zoomSnap: 0.5 });
      var tiles = document.body.getAttribute("data-tiles");
      if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
      map.setView(start ? [start[1], start[0]] : [37.74, 115.67], 13);
      // Outlines, so the map says where one is even without tiles; taps go through them.
      var outlines = mapEl.getAttribute("data-outlines");
      var shapes = outlines ? JSON.parse(outlines) : null;
      if (shapes && shapes.features && shapes.features.length) {
        var layer = L.geoJSON(shapes, {
          interactive: false,
          style: function (f) { return STYLES[f.properties.kind] || STYLES.street; },
          onEachFeature: function (f, shape) {
            if (labels.indexOf(f.properties.kind) >= 0) {
              var label = document.createElement("span");
              label.textContent = f.properties.name;  // a name from the database: text, never HTML
              shape.bindTooltip(label, { permanent: true, direction: "center", className: "area-label" });
            }
          }
        }).addTo(map);
        if (mapEl.hasAttribute("data-fit")) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      }
      map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
      if (lat.value && lng.value) { place(parseFloat(lat.value), parseFloat(lng.value)); }
    }

    if (options.locate) {
      options.locate.addEventListener("click", function () {
        if (!navigator.geolocation) { status.textContent = status.getAttribute("data-failed"); return; }
        status.textContent = status.getAttribute("data-waiting");
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(pos.coords.latitude, pos.coords.longitude);  // the browser gives WGS-84
        }, function () {
          status.textContent = status.getAttribute("data-failed");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    return { map: map, place: place };
  };

  window.WenmingPhotoPreview = function (input, preview, most) {
    if (!input || !preview || !window.FileReader) { return; }
    // Previews as data: URLs (the content security policy allows those for images, not blob: URLs).
    input.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.slice.call(input.files, 0, most || 3).forEach(function (file) {
        var img = document.createElement("img"), reader = new FileReader();
        img.alt = file.name;
        reader.onload = function () { img.src = reader.result; };
        reader.readAsDataURL(file);
        preview.appendChild(img);
      });
    });
  };
})();
