// The field staff's phone report: the map pin, the phone's position and photo previews (wenming/place_pick.js), and
// the search over the kinds of problem. Without this script the page still works: every kind is a radio button.
(function () {
  "use strict";
  var form = document.getElementById("field-form");
  if (!form) { return; }
  form.classList.add("enhanced");
  var mapEl = document.getElementById("pick-map");
  WenmingPlacePick({
    lat: form.querySelector("input[name=lat]"), lng: form.querySelector("input[name=lng]"),
    status: document.getElementById("location-status"), map: mapEl,
    locate: document.getElementById("use-location"),
    fine: true,  // staff: communities and grids of the visible box once zoomed in
    onPlace: function () { settle("lat"); settle("lng"); }
  });
  WenmingPhotoPreview(form.querySelector("input[type=file]"), document.getElementById("photo-preview"), 9);

  var search = document.getElementById("category-search"), list = document.getElementById("category-list");
  var none = document.getElementById("category-none"), chosen = document.getElementById("category-chosen");
  var choices = Array.prototype.slice.call(list.querySelectorAll("label.choice"));
  var groups = Array.prototype.slice.call(list.querySelectorAll(".category-group"));

  // Every word typed must appear in the kind's plain name, official name, code or major class.
  var filter = function () {
    var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    choices.forEach(function (choice) {
      var text = choice.getAttribute("data-search").toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      choice.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) { group.hidden = !group.querySelector("label.choice:not([hidden])"); });
    none.hidden = shown > 0;
  };

  var showChosen = function () {
    var picked = list.querySelector("input[type=radio]:checked");
    choices.forEach(function (choice) { choice.classList.toggle("picked", choice.contains(picked)); });
    chosen.textContent = picked ? chosen.getAttribute("data-label") + " " +
      picked.parentNode.querySelector(".plain").textContent : "";
  };

  search.hidden = false;
  search.addEventListener("input", filter);
  // Enter in the search box picks the only match instead of sending the form half filled.
  search.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") { return; }
    e.preventDefault();
    var visible = choices.filter(function (c) { return !c.hidden; });
    if (visible.length === 1) { visible[0].querySelector("input").click(); }
  });
  list.addEventListener("change", showChosen);
  showChosen();

  // A field's error from the last post goes once the field is changed (the server checks it again on sending).
  // (A declaration, hoisted: the map calls it at once when the page comes back with a place set.)
  function settle(name) {
    var shown = document.getElementById("id_" + name + "_error");
    if (shown) { shown.hidden = true; }
  }
  var changed = function (e) { if (e.target.name) { settle(e.target.name); } };
  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
})();
