// Battle map (挂图作战): sites in the tasks' scopes and open cases by action on a Leaflet map, and a
// timeline (Gantt) of tasks and milestones drawn with ECharts. Data comes from the JSON endpoint named
// in the filter form's data-url; filters reload both.
(function () {
  "use strict";
  var form = document.getElementById("map-filters");
  var mapEl = document.getElementById("battle-map");
  var ganttEl = document.getElementById("gantt");
  if (!form || !mapEl || typeof L === "undefined") { return; }
  var COLORS = { not_started: "#9e9e9e", on_track: "#1976d2", behind: "#f57c00", done: "#388e3c", overdue: "#d32f2f" };
  var map = L.map(mapEl, { zoomSnap: 0.5 }).setView([37.74, 115.67], 11);
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var siteLayer = L.layerGroup().addTo(map), caseLayer = L.layerGroup().addTo(map);
  L.control.layers(null, (function () {
    var o = {}; o[form.getAttribute("data-label-sites")] = siteLayer; o[form.getAttribute("data-label-cases")] = caseLayer; return o;
  })()).addTo(map);
  var chart = (ganttEl && typeof echarts !== "undefined") ? echarts.init(ganttEl) : null;
  var text = function (value) { var s = document.createElement("span"); s.textContent = value; return s; };

  function drawMap(data) {
    siteLayer.clearLayers(); caseLayer.clearLayers();
    var bounds = [];
    data.sites.forEach(function (s) {
      L.circleMarker([s.lat, s.lng], { radius: 4, color: "#5c6bc0", weight: 1 }).bindTooltip(text(s.type + " " + s.name)).addTo(siteLayer);
      bounds.push([s.lat, s.lng]);
    });
    var caseUrl = form.getAttribute("data-case-url");
    data.cases.forEach(function (c) {
      var m = L.circleMarker([c.lat, c.lng], { radius: 3, color: "#d32f2f", weight: 1 }).bindTooltip(text(c.action + " #" + c.id));
      m.on("click", function () { window.location.href = caseUrl.replace("/0/", "/" + c.id + "/"); });
      m.addTo(caseLayer);
      bounds.push([c.lat, c.lng]);
    });
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: 15 }); }
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
