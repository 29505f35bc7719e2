// The citizen's report page: the phone's position or a map pin and photo previews (wenming/place_pick.js); the SMS
// code button is wenming/sms_code.js.
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
})();
