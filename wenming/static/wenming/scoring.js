// Dashboards: every panel is drawn from the JSON the page carries (json_script) and, on the big screen,
// refreshed from /scoring/panels.json. ECharts is served by the app itself (vendor/echarts). No inline scripts.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var root = document.getElementById("dashboard");
  var dark = root.getAttribute("data-theme") === "dark";
  // Every word a chart shows comes translated from the page's data-label-* attributes, never from here.
  var text = function (key) { return root.getAttribute("data-label-" + key) || ""; };
  var charts = {};

  var chart = function (name) {
    var el = document.querySelector("[data-panel=" + name + "] .chart");
    if (!el) { return null; }
    if (!charts[name]) {
      charts[name] = echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      charts[name].setOption({ backgroundColor: "transparent" });  // the panel's own colour shows through
    }
    return charts[name];
  };

  var draw = {
    trend: function (d) {
      var c = chart("trend"); if (!c) { return; }
      c.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0, data: [text("reported"), text("closed")] },
        grid: { left: 40, right: 16, top: 32, bottom: 24 },
        xAxis: { type: "category", data: d.days.map(function (s) { return s.slice(5); }) }, yAxis: { type: "value" },
        series: [{ name: text("reported"), type: "line", smooth: true, data: d.reported },
                 { name: text("closed"), type: "line", smooth: true, data: d.closed }]
      });
    },
    by_action: function (d) {
      var c = chart("by_action"); if (!c) { return; }
      var rows = d.rows.slice(0, 12).reverse();
      c.setOption({
        tooltip: {}, grid: { left: 110, right: 16, top: 8, bottom: 24 },
        xAxis: { type: "value" }, yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", data: rows.map(function (r) { return r.n; }) }]
      });
    },
    by_category: function (d) {
      var c = chart("by_category"); if (!c) { return; }
      c.setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: d.rows.map(function (r) { return { name: r.name, value: r.n }; }) }]
      });
    },
    heatmap: function (d) {
      // An ECharts map of the areas' outlines, drilled into by a click: heatmap.js.
      var c = chart("heatmap"); if (!c || !window.WenmingHeatmap) { return; }
      window.WenmingHeatmap.draw(c, d, document.querySelector("[data-panel=heatmap]"), dark);
    },
    overdue: function (d) {
      var c = chart("overdue"); if (!c) { return; }
      var rows = d.rows.slice().reverse();
      var total = document.querySelector("[data-panel=overdue] .total");
      if (total) { total.textContent = d.total; }
      c.setOption({
        tooltip: {}, grid: { left: 110, right: 16, top: 8, bottom: 24 },
        xAxis: { type: "value" }, yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", itemStyle: { color: "#c0161d" }, data: rows.map(function (r) { return r.n; }) }]
      });
    },
    escalations: function (d) {
      var c = chart("escalations"); if (!c) { return; }
      c.setOption({
        tooltip: {}, legend: { top: 0, data: [text("open"), text("late")] }, grid: { left: 40, right: 16, top: 32, bottom: 24 },
        xAxis: { type: "category", data: d.rows.map(function (r) { return r.name; }) }, yAxis: { type: "value" },
        series: [{ name: text("open"), type: "bar", data: d.rows.map(function (r) { return r.n; }) },
                 { name: text("late"), type: "bar", data: d.rows.map(function (r) { return r.late; }) }]
      });
    },
    rankings: function (d) {
      var list = document.querySelector("[data-panel=rankings] ol");
      if (!list) { return; }
      list.textContent = "";
      d.rows.concat(d.own || []).forEach(function (r, i) {
        var li = document.createElement("li");
        if (i >= d.rows.length) { li.className = "own"; }
        li.textContent = (r.rank || "—") + ". " + r.name + " · " + (r.index === null ? "—" : r.index) + " " + (r.grade || "");
        list.appendChild(li);
      });
    }
  };

  // The big screen's headline figures: today's reported and closed (the trend's last day) and overdue now.
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
  };

  var render = function (data) {
    Object.keys(data).forEach(function (name) { if (draw[name]) { draw[name](data[name]); } });
    headline(data);
  };
  render(JSON.parse(source.textContent));
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  var refresh = parseInt(root.getAttribute("data-refresh") || "0", 10);
  var url = root.getAttribute("data-url");
  if (refresh > 0 && url) {
    setInterval(function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { render(data); } });
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
