// The public ballot: the SMS code button of the phone check (the same endpoint as the 随手拍 report page's).
(function () {
  "use strict";
  var form = document.getElementById("voter-form");
  var send = document.getElementById("send-code"), codeStatus = document.getElementById("code-status");
  if (!form || !send) { return; }
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
