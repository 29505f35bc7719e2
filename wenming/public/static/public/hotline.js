// Hotline intake: the site list follows what the operator types (sites in their scope, by name or code).
(function () {
  "use strict";
  var form = document.getElementById("hotline-form");
  if (!form) { return; }
  var input = form.querySelector("input[name=site]"), list = document.getElementById("site-list");
  var url = form.getAttribute("data-sites"), timer = null, last = null;
  if (!input || !list) { return; }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value.trim();
      if (text === last || text.length < 1) { return; }
      last = text;
      fetch(url + "?sites=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          list.textContent = "";
          answer.sites.forEach(function (site) {
            var option = document.createElement("option");
            option.value = site.value;
            if (site.address) { option.label = site.value + " · " + site.address; }
            list.appendChild(option);
          });
        });
    }, 150);
  });
})();
