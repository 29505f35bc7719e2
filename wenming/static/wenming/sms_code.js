// The SMS code button of every citizen form that verifies a phone (随手拍, the selections' nomination, objection
// and ballot): the button #send-code posts the form's phone to the endpoint its form names in data-code-url, then
// counts down before another code may be asked for.
(function () {
  "use strict";
  var send = document.getElementById("send-code"), codeStatus = document.getElementById("code-status");
  if (!send) { return; }
  var form = send.closest("form");
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
})();
