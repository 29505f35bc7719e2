// The citizen's report page: the phone's position or a map pin and photo previews (wenming/place_pick.js), and the
// SMS code button.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  // The map pin, the phone's position and the photo previews: wenming/place_pick.js, shared with the staff's page.
  WenmingPlacePick({
    lat: form.querySelector("input[name=lat]"), lng: form.querySelector("input[name=lng]"),
    status: document.getElementById("location-status"), map: document.getElementById("pick-map"),
    locate: document.getElementById("use-location")
  });
  WenmingPhotoPreview(form.querySelector("input[type=file]"), document.getElementById("photo-preview"), 3);

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
