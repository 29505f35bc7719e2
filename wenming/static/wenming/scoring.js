// Dashboards: every panel is drawn from the JSON the page carries (json_script) and, on the big screen,
// refreshed from /scoring/panels.json without reloading the page. ECharts is served by the app itself
// (vendor/echarts). No inline scripts.
//
// Every chart counts things, so its value axis has whole-number ticks (minInterval 1) and a name with the
// unit; long names are truncated on the axis and given whole in the tooltip; the big screen draws every
// text larger (readable across a room) and in proportion to the screen's height.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var root = document.getElementById("dashboard");
  var labels = root.querySelector(".panels");
  var dark = root.getAttribute("data-theme") === "dark";
  // Every word a chart shows comes translated from the page's data-label-* attributes, never from here.
  var text = function (key) {
    var attr = "data-label-" + key;
    return root.getAttribute(attr) || (labels && labels.getAttribute(attr)) || "";
  };
  var charts = {};
  var drawn = false;
  // The font size: 12 px on the dashboard, about 1/54 of the screen's height on the big screen (20 px at 1080).
  var fs = 12;
  var sizeFonts = function () { fs = dark ? Math.max(13, Math.round(window.innerHeight / 54)) : 12; };
  sizeFonts();
  var escape = function (s) { return echarts.format.encodeHTML(String(s)); };

  var chart = function (name) {
    var el = document.querySelector("[data-panel=" + name + "] .chart");
    if (!el) { return null; }
    if (!charts[name]) {
      charts[name] = echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      charts[name].setOption({ backgroundColor: "transparent" });  // the panel's own colour shows through
    }
    return charts[name];
  };
  var widthOf = function (name, share) {
    var el = document.querySelector("[data-panel=" + name + "] .chart");
    return Math.max(60, Math.round((el ? el.clientWidth : 300) * share));
  };

  // One chart's whole option (replacing the last one, so a poll leaves nothing stale behind), with what
  // every chart shares; an empty panel says so in words instead of drawing bare axes.
  var put = function (c, option, empty) {
    option.backgroundColor = "transparent";
    option.animation = !drawn;
    option.textStyle = { fontSize: fs };
    option.tooltip = option.tooltip || {};
    option.tooltip.confine = true;
    option.tooltip.textStyle = { fontSize: fs };
    if (empty) {
      option = { backgroundColor: "transparent", animation: false,
                 title: { text: text("empty"), left: "center", top: "middle", textStyle: { fontSize: fs, fontWeight: "normal", color: "#888" } } };
    }
    c.setOption(option, true);
    c.getDom().setAttribute("data-empty", empty ? "1" : "0");  // drawn with nothing to show (tests wait on it)
  };
  var grid = function (top) {
    return { left: 4, right: fs * 2, top: top, bottom: 4, outerBoundsMode: "same", outerBoundsContain: "all" };
  };
  var countAxis = function (label, across) {
    // Up the side (vertical bars, lines): the name on top. Along the bottom (horizontal bars): the name
    // under the middle, and fewer ticks so wide figures do not run into each other.
    return across ? { type: "value", minInterval: 1, splitNumber: 3, name: label, nameLocation: "middle", nameGap: fs * 1.6,
                      nameTextStyle: { fontSize: fs }, axisLabel: { fontSize: fs, hideOverlap: true } }
                  : { type: "value", minInterval: 1, name: label, nameTextStyle: { fontSize: fs, align: "left" },
                      axisLabel: { fontSize: fs } };
  };
  var categoryAxis = function (names, width) {
    return { type: "category", data: names, axisTick: { show: false },
             axisLabel: { fontSize: fs, width: width, overflow: "truncate" } };
  };
  // Horizontal bars of counts, the largest on top, each with its figure at its end.
  var bars = function (name, rows, color, unitKey, axisKey) {
    var c = chart(name); if (!c) { return; }
    rows = rows.slice().reverse();
    var unit = text(unitKey);
    put(c, {
      tooltip: { formatter: function (p) { return escape(p.name) + ": " + p.value + " " + escape(unit); } },
      grid: grid(fs / 2), xAxis: countAxis(text(axisKey), true),
      yAxis: categoryAxis(rows.map(function (r) { return r.name; }), widthOf(name, 0.48)),
      series: [{ type: "bar", barMaxWidth: fs * 1.6, itemStyle: color ? { color: color } : undefined,
                 label: { show: true, position: "right", fontSize: fs },
                 data: rows.map(function (r) { return r.n; }) }]
    }, rows.length === 0);
  };

  var draw = {
    trend: function (d) {
      var c = chart("trend"); if (!c) { return; }
      put(c, {
        tooltip: { trigger: "axis" },
        legend: { top: 0, right: fs, data: [text("reported"), text("closed")], textStyle: { fontSize: fs } },
        grid: grid(fs * 2.6),
        xAxis: { type: "category", name: text("axis-day"), nameTextStyle: { fontSize: fs }, boundaryGap: false,
                 axisLabel: { fontSize: fs }, data: d.days.map(function (s) { return s.slice(5); }) },
        yAxis: countAxis(text("axis-cases")),
        series: [{ name: text("reported"), type: "line", symbolSize: fs / 3, lineStyle: { width: dark ? 3 : 2 }, data: d.reported },
                 { name: text("closed"), type: "line", symbolSize: fs / 3, lineStyle: { width: dark ? 3 : 2 }, data: d.closed }]
      }, d.days.length === 0);
    },
    by_action: function (d) {
      bars("by_action", d.rows.slice(0, dark ? 8 : 12), null, "unit-steps", "axis-steps");
    },
    by_category: function (d) {
      var c = chart("by_category"); if (!c) { return; }
      var unit = text("unit-cases"), counts = {};
      // The ring in the left half, the legend in the right: sized in pixels so neither can leave the panel.
      var el = document.querySelector("[data-panel=by_category] .chart");
      var box = { w: el.clientWidth || 300, h: el.clientHeight || 200 };
      var outer = Math.max(30, Math.round(Math.min(box.w * 0.24, box.h * 0.45)));
      d.rows.forEach(function (r) { counts[r.name] = r.n; });
      // Percentages inside the ring (never cut at the panel's edge), names and counts in the legend beside it.
      put(c, {
        tooltip: { trigger: "item", formatter: function (p) { return escape(p.name) + ": " + p.value + " " + escape(unit) + " (" + p.percent + "%)"; } },
        legend: { type: "scroll", orient: "vertical", left: Math.round(box.w * 0.52), top: "middle", textStyle: { fontSize: fs },
                  formatter: function (n) { return n + "  " + counts[n] + " " + unit; } },
        series: [{ type: "pie", radius: [Math.round(outer * 0.5), outer], center: [Math.round(box.w * 0.26), Math.round(box.h / 2)],
                   label: { position: "inside", fontSize: Math.round(fs * 0.9), color: "#fff",
                            formatter: function (p) { return p.percent >= 6 ? Math.round(p.percent) + "%" : ""; } },
                   labelLine: { show: false },
                   data: d.rows.map(function (r) { return { name: r.name, value: r.n }; }) }]
      }, d.rows.length === 0);
    },
    heatmap: function (d) {
      // An ECharts map of the areas' outlines, drilled into by a click: heatmap.js.
      var c = chart("heatmap"); if (!c || !window.WenmingHeatmap) { return; }
      window.WenmingHeatmap.draw(c, d, document.querySelector("[data-panel=heatmap]"), dark);
    },
    overdue: function (d) {
      var total = document.querySelector("[data-panel=overdue] .total");
      if (total) { total.textContent = d.total; }
      bars("overdue", d.rows.slice(0, dark ? 8 : 10), "#d83a3a", "unit-cases", "axis-cases");
    },
    escalations: function (d) {
      var c = chart("escalations"); if (!c) { return; }
      put(c, {
        tooltip: { trigger: "axis" },
        legend: { top: 0, right: fs, data: [text("open"), text("late")], textStyle: { fontSize: fs } },
        grid: grid(fs * 2.6),
        xAxis: categoryAxis(d.rows.map(function (r) { return r.name; }), widthOf("escalations", 0.9 / Math.max(1, d.rows.length))),
        yAxis: countAxis(text("axis-notices")),
        series: [{ name: text("open"), type: "bar", barMaxWidth: fs * 2, label: { show: true, position: "top", fontSize: fs },
                   data: d.rows.map(function (r) { return r.n; }) },
                 { name: text("late"), type: "bar", barMaxWidth: fs * 2, itemStyle: { color: "#d83a3a" },
                   label: { show: true, position: "top", fontSize: fs }, data: d.rows.map(function (r) { return r.late; }) }]
      }, d.rows.length === 0);
    },
    rankings: function (d) {
      var list = document.querySelector("[data-panel=rankings] ol");
      if (!list) { return; }
      list.textContent = "";
      var cell = function (li, cls, value) {
        var span = document.createElement("span");
        span.className = cls; span.textContent = value;
        if (cls === "name") { span.title = value; }
        li.appendChild(span);
      };
      d.rows.concat(d.own || []).forEach(function (r, i) {
        var li = document.createElement("li");
        if (i >= d.rows.length) { li.className = "own"; }
        cell(li, "rank", r.rank || "—"); cell(li, "name", r.name);
        cell(li, "index", r.index === null ? "—" : r.index); cell(li, "grade", r.grade || "");
        list.appendChild(li);
      });
      if (!d.rows.length) {  // says so, as the page did before the first poll
        var none = document.createElement("li");
        none.className = "none"; none.textContent = text("no-ranking");
        list.insertBefore(none, list.firstChild);
      }
    }
  };

  // The big screen's headline figures: today's reported and closed (the trend's last day), overdue now, open
  // 督办单; and the time the figures were read, in Beijing time.
  var headline = function (data) {
    var set = function (key, value) {
      var el = document.querySelector("[data-figure=" + key + "]");
      if (el && value !== undefined) { el.textContent = value; }
    };
    if (data.trend) {
      set("reported_today", data.trend.reported[data.trend.reported.length - 1]);
      set("closed_today", data.trend.closed[data.trend.closed.length - 1]);
    }
    if (data.overdue) { set("overdue", data.overdue.total); }
    if (data.escalations) { set("notices", data.escalations.rows.reduce(function (n, r) { return n + r.n; }, 0)); }
    if (data.as_of) {
      set("as_of", data.as_of.slice(0, 10) + " " + data.as_of.slice(11, 19));
      var time = document.querySelector("[data-figure=as_of]");
      if (time) { time.setAttribute("datetime", data.as_of); }
    }
  };

  var last = JSON.parse(source.textContent);
  var render = function (data) {
    last = data;
    Object.keys(data).forEach(function (name) { if (draw[name]) { draw[name](data[name]); } });
    headline(data);
    drawn = true;
  };
  render(last);
  root.setAttribute("data-drawn", "1");
  window.addEventListener("resize", function () {
    var before = fs;
    sizeFonts();
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    if (fs !== before) { render(last); }
  });

  // The big screen polls every data-refresh seconds; a failed poll keeps the last figures and says so.
  var refresh = parseInt(root.getAttribute("data-refresh") || "0", 10);
  var url = root.getAttribute("data-url");
  var stale = document.getElementById("stale");
  if (refresh > 0 && url) {
    setInterval(function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; })
        .then(function (data) {
          if (stale) { stale.hidden = !!data; }
          if (data) { render(data); root.setAttribute("data-polls", String(parseInt(root.getAttribute("data-polls") || "0", 10) + 1)); }
        });
    }, refresh * 1000);
  }
})();

// The big screen fills the display on request (browsers allow it only after a click).
(function () {
  "use strict";
  var button = document.getElementById("fullscreen");
  if (!button || !document.documentElement.requestFullscreen) { return; }
  button.addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
  });
})();
