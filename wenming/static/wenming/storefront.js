// Storefront checks (门前五包): fill the phone's position into a form marked data-geo (a violation needs it; the
// "near me" search sends it) and print the notice. No inline script: the CSP forbids it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  const form = document.querySelector("form[data-geo]");
  if (!form) return;
  const status = document.getElementById("position");
  const lat = form.querySelector("input[name=lat]");
  const lng = form.querySelector("input[name=lng]");
  const near = document.getElementById("find-near");
  function say(key) { if (status) { status.textContent = status.dataset[key] || ""; status.dataset.state = key; } }
  if (!navigator.geolocation || !lat || !lng) { say("failed"); return; }
  say("waiting");
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lng.value = pos.coords.longitude.toFixed(6);
    if (near) near.disabled = false;
    say("found");
  }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
})();
