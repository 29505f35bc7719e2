// Covering faces and number plates before a photo is published: drag on a photo to draw a box, click a
// box to remove it. Boxes are kept as fractions of the photo's width and height in a hidden input; the
// server renders the published copy with those areas blacked out.
(function () {
  "use strict";
  var clamp = function (v) { return Math.max(0, Math.min(1, v)); };
  Array.prototype.forEach.call(document.querySelectorAll(".redact"), function (frame) {
    var input = document.getElementById(frame.getAttribute("data-input"));
    var boxes = [];
    try { boxes = JSON.parse(input.value || "[]"); } catch (e) { boxes = []; }
    var save = function () { input.value = JSON.stringify(boxes); };
    var draw = function () {
      Array.prototype.forEach.call(frame.querySelectorAll(".box"), function (b) { b.remove(); });
      boxes.forEach(function (box, i) {
        var el = document.createElement("div");
        el.className = "box";
        el.style.left = (box[0] * 100) + "%";
        el.style.top = (box[1] * 100) + "%";
        el.style.width = (box[2] * 100) + "%";
        el.style.height = (box[3] * 100) + "%";
        el.addEventListener("click", function (ev) {
          ev.stopPropagation();
          boxes.splice(i, 1);
          save();
          draw();
        });
        frame.appendChild(el);
      });
    };
    var start = null, ghost = null;
    var point = function (ev) {
      var r = frame.getBoundingClientRect();
      var src = ev.touches ? ev.touches[0] : ev;
      return [clamp((src.clientX - r.left) / r.width), clamp((src.clientY - r.top) / r.height)];
    };
    var down = function (ev) {
      if (ev.target.classList.contains("box")) { return; }
      ev.preventDefault();
      start = point(ev);
      ghost = document.createElement("div");
      ghost.className = "box ghost";
      frame.appendChild(ghost);
    };
    var move = function (ev) {
      if (!start) { return; }
      var p = point(ev);
      ghost.style.left = (Math.min(start[0], p[0]) * 100) + "%";
      ghost.style.top = (Math.min(start[1], p[1]) * 100) + "%";
      ghost.style.width = (Math.abs(p[0] - start[0]) * 100) + "%";
      ghost.style.height = (Math.abs(p[1] - start[1]) * 100) + "%";
    };
    var up = function (ev) {
      if (!start) { return; }
      var p = ev.changedTouches ? (function () {
        var r = frame.getBoundingClientRect(), t = ev.changedTouches[0];
        return [clamp((t.clientX - r.left) / r.width), clamp((t.clientY - r.top) / r.height)];
      })() : point(ev);
      var box = [Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.abs(p[0] - start[0]), Math.abs(p[1] - start[1])];
      start = null;
      ghost.remove();
      if (box[2] > 0.01 && box[3] > 0.01) {
        boxes.push(box.map(function (v) { return Math.round(v * 10000) / 10000; }));
        save();
        draw();
      }
    };
    frame.addEventListener("mousedown", down);
    frame.addEventListener("touchstart", down, { passive: false });
    window.addEventListener("mousemove", move);
    frame.addEventListener("touchmove", move, { passive: true });
    window.addEventListener("mouseup", up);
    frame.addEventListener("touchend", up);
    draw();
  });
})();
