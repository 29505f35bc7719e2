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

// Unit choosers (dispatch, re-dispatch, batch dispatch): a search box before the <select> filters its options by
// any part of the name or code (every term typed must appear), keeping the district groups and the suggested unit
// first. Without this script the grouped <select> still works. Keyboard: type, Down arrow or Enter to the list,
// Escape clears the search. The options are moved in and out of the list rather than hidden: phones' selects
// ignore hidden options.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-unit-search]");
  Array.prototype.forEach.call(selects, function (select, index) {
    var blank = null, groups = [];
    Array.prototype.forEach.call(select.children, function (child) {
      if (child.tagName === "OPTGROUP") {
        groups.push({ el: child, options: Array.prototype.slice.call(child.children) });
      } else if (child.value === "") {
        blank = child;
      } else {
        groups.push({ el: null, options: [child] });
      }
    });
    var total = groups.reduce(function (n, g) { return n + g.options.length; }, 0);
    var search = document.createElement("input");
    search.type = "search";
    search.className = "unit-search";
    search.autocomplete = "off";
    search.id = (select.id || "unit-select-" + index) + "-search";
    search.placeholder = select.getAttribute("data-search-placeholder") || "";
    search.setAttribute("aria-label", select.getAttribute("data-search-label") || "");
    search.setAttribute("aria-controls", select.id);
    var count = document.createElement("span");
    count.className = "unit-count muted small";
    count.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(search, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    // The label wraps the search box first (clicking it types a search); the list keeps the label's words.
    var label = select.closest("label");
    if (label && !select.getAttribute("aria-label")) {
      select.setAttribute("aria-label", label.firstChild && label.firstChild.textContent ? label.firstChild.textContent.trim() : "");
    }
    select.size = Math.min(8, total + (blank ? 1 : 0));

    var say = function (n) {
      count.textContent = n ? (select.getAttribute("data-count") || "").replace("%(n)s", n) : select.getAttribute("data-none");
    };
    var filter = function () {
      var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = select.value, shown = 0, rows = blank ? 1 : 0, first = null, keep = false;
      while (select.firstChild) { select.removeChild(select.firstChild); }
      if (blank) { select.appendChild(blank); }
      groups.forEach(function (g) {
        var label = g.el ? g.el.label.toLowerCase() : "";
        var hits = g.options.filter(function (o) {
          var text = (o.textContent + " " + label).toLowerCase();
          return terms.every(function (t) { return text.indexOf(t) !== -1; });
        });
        if (!hits.length) { return; }
        var parent = select;
        if (g.el) {
          while (g.el.firstChild) { g.el.removeChild(g.el.firstChild); }
          select.appendChild(g.el);
          parent = g.el;
        }
        hits.forEach(function (o) {
          parent.appendChild(o);
          if (o.value === chosen) { keep = true; }
          if (!first) { first = o; }
        });
        shown += hits.length;
        rows += hits.length + (g.el ? 1 : 0);
      });
      // The list is as tall as what it shows (group headings are rows too), at most eight rows.
      select.size = Math.max(2, Math.min(8, rows));
      // The choice stays if it still shows; else the first match is chosen (never a unit the list hides).
      if (keep) { select.value = chosen; } else if (first && terms.length) { select.value = first.value; } else if (blank) { select.value = ""; }
      say(shown);
    };
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === "ArrowDown") {
        e.preventDefault();  // Enter in the search box never posts the form: the person has not chosen yet
        select.focus();
      } else if (e.key === "Escape" && search.value) {
        e.preventDefault();
        search.value = "";
        filter();
      }
    });
    say(total);
  });
})();
