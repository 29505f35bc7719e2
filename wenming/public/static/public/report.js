// The citizen's report page: the phone's position or a map pin, photo previews, and the SMS code button.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
  var status = document.getElementById("location-status");
  var mapEl = document.getElementById("pick-map"), map = null, marker = null;

  var place = function (la, ln, label) {
    lat.value = la.toFixed(7);
    lng.value = ln.toFixed(7);
    status.textContent = (label || status.getAttribute("data-found")) + " (" + la.toFixed(5) + ", " + ln.toFixed(5) + ")";
    if (map) {
      if (marker) { marker.setLatLng([la, ln]); } else { marker = L.marker([la, ln]).addTo(map); }
      map.setView([la, ln], Math.max(map.getZoom(), 16));
    }
  };

  if (mapEl && window.WenmingMap) {
    var centre = mapEl.getAttribute("data-centre");
    var start = centre ? JSON.parse(centre) : null;  // [lng, lat]
    // Districts and streets with their names (outlines.js, as on every map), so the map says where one is even
    // without tiles; taps go through them.
    map = window.WenmingMap.create(mapEl);
    map.setView(start ? [start[1], start[0]] : [37.74, 115.67], 13);
    var outlines = mapEl.getAttribute("data-outlines");
    window.WenmingMap.outlines(map, { geojson: outlines ? JSON.parse(outlines) : null, fine: false, levels: false });
    window.WenmingMap.legend(map, [{ color: "#2a81cb", label: window.WenmingMap.words("picked"), shape: "dot" }], { lines: ["county", "street"] });
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
    if (lat.value && lng.value) { place(parseFloat(lat.value), parseFloat(lng.value)); }
  }

  var locate = document.getElementById("use-location");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = status.getAttribute("data-failed"); return; }
      status.textContent = status.getAttribute("data-waiting");
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.latitude, pos.coords.longitude);  // the browser gives WGS-84
      }, function () {
        status.textContent = status.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  var photos = form.querySelector("input[type=file]"), preview = document.getElementById("photo-preview");
  if (photos && preview && window.FileReader) {
    // Previews as data: URLs (the content security policy allows those for images, not blob: URLs).
    photos.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.slice.call(photos.files, 0, 3).forEach(function (file) {
        var img = document.createElement("img"), reader = new FileReader();
        img.alt = file.name;
        reader.onload = function () { img.src = reader.result; };
        reader.readAsDataURL(file);
        preview.appendChild(img);
      });
    });
  }

  var anonymous = form.querySelector("input[name=anonymous]"), phoneFields = document.getElementById("phone-fields");
  var sync = function () { phoneFields.hidden = anonymous.checked; };
  if (anonymous && phoneFields) { anonymous.addEventListener("change", sync); sync(); }

  var send = document.getElementById("send-code"), codeStatus = document.getElementById("code-status");
  if (send) {
    send.addEventListener("click", function () {
      var body = new FormData();
      body.append("phone", form.querySelector("input[name=phone]").value);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      send.disabled = true;
      fetch(form.getAttribute("data-code-url"), {
        method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (answer) {
        codeStatus.textContent = answer.message;
        codeStatus.className = answer.ok ? "small" : "small errorlist";
        if (!answer.ok) { send.disabled = false; return; }
        var left = 60, label = send.textContent, again = send.getAttribute("data-again");
        var tick = setInterval(function () {
          left -= 1;
          send.textContent = again.replace("%s", left);
          if (left <= 0) { clearInterval(tick); send.textContent = label; send.disabled = false; }
        }, 1000);
      }).catch(function () { send.disabled = false; });
    });
  }
})();
