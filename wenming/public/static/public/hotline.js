// Hotline intake: the site list follows what the operator types (sites in their scope, by name or code), and
// the caller's earlier cases show beside the form once the number is typed.
(function () {
  "use strict";
  var form = document.getElementById("hotline-form");
  if (!form) { return; }
  var input = form.querySelector("input[name=site]"), list = document.getElementById("site-list");
  var url = form.getAttribute("data-sites"), timer = null, last = null;
  var phone = form.querySelector("input[name=reporter_phone]"), history = document.getElementById("caller-history");
  if (phone && history) {
    var phoneTimer = null, lastPhone = null;
    var showHistory = function () {
      var text = phone.value.trim();
      if (text === lastPhone) { return; }
      lastPhone = text;
      fetch(url + "?caller=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (text !== lastPhone) { return; }  // the operator has typed on since
          var ul = history.querySelector("ul");
          ul.textContent = "";
          answer.cases.forEach(function (c) {
            // Text from the database goes in as text, never as HTML.
            var li = document.createElement("li"), a = document.createElement("a");
            a.href = c.url; a.target = "_blank"; a.rel = "noopener"; a.textContent = c.number;
            li.appendChild(a);
            li.appendChild(document.createTextNode(" · " + c.state + " · " + c.reported_at +
              (c.category ? " · " + c.category : "") + " · " + c.description));
            ul.appendChild(li);
          });
          history.hidden = answer.cases.length === 0;
        });
    };
    phone.addEventListener("input", function () { clearTimeout(phoneTimer); phoneTimer = setTimeout(showHistory, 250); });
    if (phone.value.trim()) { showHistory(); }  // a form sent back with errors keeps its number
  }
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
