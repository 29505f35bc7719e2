// Pick a place and show photos on a phone, for the report pages: the citizen's 随手拍 (public/report.js) and the
// field staff's report (wenming/field.js). One copy of the map pin, the phone's position and the photo previews.
//
//   WenmingPlacePick(options) -> { map, place(lat, lng) }
//     options.lat, options.lng   the form's hidden inputs the place is written to (WGS-84, as browsers give it)
//     options.status             an element told what happened, from its data-waiting / data-failed / data-found
//     options.map                the map's element: data-centre "[lng, lat]", data-outlines GeoJSON text (optional)
//     options.locate             the "use my location" button (optional)
//     options.fine               also fetch communities and grids of the visible box when zoomed in (staff)
//     options.onPlace            called with (lat, lng) after each placing (optional)
//   WenmingPhotoPreview(input, preview, most) shows the chosen photos as small images.
(function () {
  "use strict";

  window.WenmingPlacePick = function (options) {
    var lat = options.lat, lng = options.lng, status = options.status, mapEl = options.map;
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

    if (mapEl && window.WenmingMap) {
      var centre = mapEl.getAttribute("data-centre");
      var start = centre ? JSON.parse(centre) : null;  // [lng, lat]
      // The outlines every map draws (outlines.js): districts and streets, and for field staff their community
      // and grids, named where they fit, so the map says where one is even without tiles; taps go through them.
      map = window.WenmingMap.create(mapEl);
      map.setView(start ? [start[1], start[0]] : [37.74, 115.67], 13);
      var outlines = mapEl.getAttribute("data-outlines");
      var shapes = outlines ? JSON.parse(outlines) : null;
      var drawn = window.WenmingMap.outlines(map, { geojson: shapes, fine: !!options.fine, levels: false });
      var kinds = {};
      ((shapes && shapes.features) || []).forEach(function (f) { kinds[f.properties.kind] = true; });
      window.WenmingMap.legend(map, [{ color: "#2a81cb", label: window.WenmingMap.words("picked"), shape: "dot" }],
        { lines: ["county", "street", "community", "grid"].filter(function (k) { return kinds[k]; }) });
      if (mapEl.hasAttribute("data-fit") && shapes && shapes.features && shapes.features.length) {
        drawn.ready.then(function () { map.fitBounds(drawn.bounds(), { padding: [8, 8] }); });
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
