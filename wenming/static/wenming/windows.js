// The counter's QR page: ask for an SMS code for the phone typed in the form the button belongs to (the 随手拍
// page's code endpoint), then count down before another may be asked for.
(function () {
  "use strict";
  var page = document.getElementById("window-page");
  if (!page) { return; }
  var url = page.getAttribute("data-code-url");
  Array.prototype.forEach.call(page.querySelectorAll(".send-code"), function (send) {
    var form = send.closest("form"), status = form.querySelector(".code-status");
    send.addEventListener("click", function () {
      var body = new FormData();
      body.append("phone", form.querySelector("input[name=phone]").value);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      send.disabled = true;
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (answer) {
          status.textContent = answer.message;
          status.className = answer.ok ? "small code-status" : "small code-status errorlist";
          if (!answer.ok) { send.disabled = false; return; }
          var left = 60, label = send.textContent, again = send.getAttribute("data-again");
          var tick = setInterval(function () {
            left -= 1;
            send.textContent = again.replace("%s", left);
            if (left <= 0) { clearInterval(tick); send.textContent = label; send.disabled = false; }
          }, 1000);
        }).catch(function () { send.disabled = false; });
    });
  });
})();
