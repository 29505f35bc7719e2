// Case pages: select every row of the batch-dispatch list at once. (The intake map, its picker, the "use my
// location" button and the workbench's map are map.js's.) No inline scripts anywhere: the content security
// policy allows only same-origin files.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      var boxes = document.querySelectorAll("input[name=case]");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
    });
  }
})();

