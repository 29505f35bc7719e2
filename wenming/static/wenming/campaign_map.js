// Battle map (挂图作战): sites in the tasks' scopes and open cases by action on a Leaflet map, and a
// timeline (Gantt) of tasks and milestones drawn with ECharts. Data comes from the JSON endpoint named
// in the filter form's data-url; filters reload both. The map's outlines, labels, legend and clusters of
// markers are drawn by outlines.js (WenmingMap), as on every map of the app.
(function () {
  "use strict";
  var form = document.getElementById("map-filters");
  var mapEl = document.getElementById("battle-map");
  var ganttEl = document.getElementById("gantt");
  if (!form || !mapEl || !window.WenmingMap) { return; }
  var W = window.WenmingMap;
  var COLORS = { not_started: "#9e9e9e", on_track: "#1976d2", behind: "#f57c00", done: "#388e3c", overdue: "#d32f2f" };
  var map = W.create(mapEl).setView([37.74, 115.67], 11);
  var outlines = W.outlines(map, {});
  var sites = W.markers(map, []), cases = W.markers(map, []);
  L.control.layers(null, (function () {
    var o = {}; o[form.getAttribute("data-label-sites")] = sites.layer; o[form.getAttribute("data-label-cases")] = cases.layer; return o;
  })(), { position: "topright" }).addTo(map);
  var chart = (ganttEl && typeof echarts !== "undefined") ? echarts.init(ganttEl) : null;
  var text = function (value) { var s = document.createElement("span"); s.textContent = value; return s; };

  // Site types in a fixed order of colours (by their code), so a type keeps its colour whatever the filter.
  var SITE_PALETTE = ["#3949ab", "#00897b", "#8e24aa", "#6d4c41", "#0277bd", "#558b2f", "#5e35b1", "#00838f",
                      "#ad1457", "#4e342e", "#283593", "#2e7d32"];
  var CASE_OPEN = "#ef6c00", CASE_LATE = "#c62828";
  var legend = null;

  function drawMap(data) {
    var types = {};
    data.sites.forEach(function (s) { types[s.type_code] = s.type; });
    var codes = Object.keys(types).sort();
    var colour = function (code) { return SITE_PALETTE[codes.indexOf(code) % SITE_PALETTE.length]; };
    var siteUrl = form.getAttribute("data-site-url"), caseUrl = form.getAttribute("data-case-url");
    var names = data.action_names || {};
    sites.set(data.sites.map(function (s) {
      return { lat: s.lat, lng: s.lng, color: colour(s.type_code), radius: 5, title: s.type + " · " + s.name,
               url: siteUrl.replace("SITE-CODE", encodeURIComponent(s.code)) };
    }));
    cases.set(data.cases.map(function (c) {
      return { lat: c.lat, lng: c.lng, color: c.overdue ? CASE_LATE : CASE_OPEN, radius: 6, stroke: "#fff",
               title: "#" + c.id + (c.action ? " · " + c.action + " " + (names[c.action] || "") : ""),
               url: caseUrl.replace("/0/", "/" + c.id + "/") };
    }));
    if (legend) { legend.remove(); }
    legend = W.legend(map, [
      { color: CASE_OPEN, label: form.getAttribute("data-label-cases") },
      { color: CASE_LATE, label: form.getAttribute("data-label-overdue") }
    ].concat(codes.map(function (code) { return { color: colour(code), label: types[code], shape: "square" }; })));
    var bounds = sites.bounds().extend(cases.bounds());
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
    } else {
      outlines.ready.then(function () { W.fit(map, [outlines.bounds()]); });
    }
    document.getElementById("map-counts").textContent =
      form.getAttribute("data-label-sites") + " " + data.sites.length + " · " + form.getAttribute("data-label-cases") + " " + data.cases.length;
  }

  function drawGantt(data) {
    if (!chart) { return; }
    var tasks = data.tasks.slice().reverse();
    var names = tasks.map(function (t) { return t.code; });
    var day = function (s) { return new Date(s + "T00:00:00").getTime(); };
    var bars = tasks.map(function (t, i) {
      return { value: [i, day(t.start), day(t.end), t.percent], name: t.code + " " + t.title + " · " + t.status_label + " · " + t.percent + "%",
               itemStyle: { color: COLORS[t.status] || "#999", opacity: t.has_deadline ? 1 : 0.4 } };
    });
    var marks = [];
    tasks.forEach(function (t, i) { t.milestones.forEach(function (m) { marks.push({ value: [day(m.day), i], name: t.code + " " + m.title }); }); });
    ganttEl.style.height = Math.max(240, tasks.length * 18 + 60) + "px";
    chart.resize();
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return echarts.format.encodeHTML(p.name); } },
      grid: { left: 70, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: names, axisLabel: { fontSize: 10 } },
      series: [
        { type: "custom", encode: { x: [1, 2], y: 0 }, data: bars, renderItem: function (params, api) {
            var start = api.coord([api.value(1), api.value(0)]), end = api.coord([api.value(2), api.value(0)]);
            var h = api.size([0, 1])[1] * 0.6;
            return { type: "rect", shape: { x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h },
                     style: api.style() };
          } },
        { type: "scatter", symbol: "diamond", symbolSize: 9, data: marks, itemStyle: { color: "#000" } },
        { type: "line", data: [], markLine: { symbol: "none", label: { formatter: form.getAttribute("data-label-today") },
                                               data: [{ xAxis: Date.now() }],
                                               lineStyle: { color: "#d32f2f", type: "dashed" } } }
      ]
    }, true);
    chart.off("click");
    var taskUrl = form.getAttribute("data-task-url");
    chart.on("click", function (p) {
      if (p.seriesIndex === 0) { window.location.href = taskUrl.replace("/0/", "/" + tasks[p.value[0]].id + "/"); }
    });
  }

  function load() {
    var params = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("data-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { drawMap(data); drawGantt(data); form.setAttribute("data-loaded", "1"); });
  }
  form.addEventListener("change", load);
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
  window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
  load();
})();
