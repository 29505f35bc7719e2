// The inspector's result form: fills in the phone's position (a failed item needs it) and says whether it has one.
(function () {
  "use strict";
  const form = document.getElementById("result-form");
  if (!form) return;
  const status = document.getElementById("position");
  const lat = form.querySelector("input[name=lat]");
  const lng = form.querySelector("input[name=lng]");
  function say(key) { if (status) status.textContent = status.dataset[key] || ""; status.dataset.state = key; }
  if (!navigator.geolocation) { say("failed"); return; }
  say("waiting");
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lng.value = pos.coords.longitude.toFixed(6);
    say("found");
  }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
})();
