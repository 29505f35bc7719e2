// Campaign pages: progress bars take their width from data-percent (no inline styles under the CSP).
(function () {
  "use strict";
  var bars = document.querySelectorAll(".bar .fill[data-percent]");
  for (var i = 0; i < bars.length; i++) {
    var p = parseFloat(bars[i].getAttribute("data-percent")) || 0;
    bars[i].style.width = Math.max(0, Math.min(100, p)) + "%";
  }
})();
