// Volunteer pages: SMS code buttons (sign-in and the guardian's code) and the check-in page's GPS fix.
(function () {
  "use strict";
  document.querySelectorAll("button[data-code-for]").forEach(function (send) {
    var form = send.form, status = document.getElementById(send.getAttribute("data-status"));
    send.addEventListener("click", function () {
      var body = new FormData();
      body.append("phone", form.querySelector("input[name=" + send.getAttribute("data-code-for") + "]").value);
      send.disabled = true;
      fetch(form.getAttribute("data-code-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value }
      }).then(function (r) { return r.json(); }).then(function (answer) {
        status.textContent = answer.message;
        status.className = answer.ok ? "small" : "small errorlist";
        if (!answer.ok) { send.disabled = false; return; }
        setTimeout(function () { send.disabled = false; }, 60000);
      }).catch(function () { send.disabled = false; });
    });
  });

  // Check-in and check-out: read the position, then post the form it belongs to.
  document.querySelectorAll("form.geo-form").forEach(function (form) {
    var status = document.getElementById("geo-status");
    form.addEventListener("submit", function (event) {
      if (form.querySelector("input[name=lng]").value) { return; }
      event.preventDefault();
      if (!navigator.geolocation) { status.textContent = status.getAttribute("data-failed"); return; }
      status.textContent = status.getAttribute("data-waiting");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("input[name=accuracy]").value = Math.round(pos.coords.accuracy || 0);
        form.submit();
      }, function () { status.textContent = status.getAttribute("data-failed"); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
  });

  // The organiser's check-in code lives a couple of minutes: fetch this page again every minute and put its new
  // code in place (the rest of the page, and any form being filled in, stays as it is).
  var qr = document.getElementById("checkin-qr");
  if (qr && qr.getAttribute("data-refresh") && window.fetch && window.DOMParser) {
    setInterval(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("checkin-qr");
          var current = document.getElementById("checkin-qr");
          if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
        }).catch(function () { /* offline for a moment: the next round tries again */ });
    }, 1000 * parseInt(qr.getAttribute("data-refresh"), 10));
  }

  // The minor's guardian fields show when the birth date says under 18.
  var birth = document.querySelector("input[name=birth_date]"), guardian = document.getElementById("guardian-fields");
  if (birth && guardian) {
    var sync = function () {
      var d = new Date(birth.value), now = new Date();
      if (isNaN(d)) { return; }
      var age = now.getFullYear() - d.getFullYear() - ((now.getMonth() < d.getMonth() ||
        (now.getMonth() === d.getMonth() && now.getDate() < d.getDate())) ? 1 : 0);
      guardian.hidden = age >= 18;
    };
    birth.addEventListener("change", sync); sync();
  }
})();
