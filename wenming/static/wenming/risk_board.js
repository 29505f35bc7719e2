// Risk board (负面清单 风险管控): the signals of the listed records on a Leaflet map (WenmingMap from outlines.js:
// outlines, legend, clusters), with the evaluation sites they were near; and a bar chart (ECharts) of the open
// records per domain by level. Data comes from the page: #risk-map-data (json_script) and the domain rows'
// data attributes; words from the elements' data-label-* attributes (translated by the template).
(function () {
  "use strict";
  var COLORS = { watch: "#1976d2", warning: "#ef6c00", triggered: "#c62828" };
  var SITE = "#6d4c41";
  var LEVELS = ["triggered", "warning", "watch"];

  var mapEl = document.getElementById("risk-map");
  var dataEl = document.getElementById("risk-map-data");
  if (mapEl && dataEl && window.WenmingMap) {
    var W = window.WenmingMap;
    var data = JSON.parse(dataEl.textContent);
    var label = function (key) { return mapEl.getAttribute("data-label-" + key) || ""; };
    var recordUrl = mapEl.getAttribute("data-record-url");
    var map = W.create(mapEl).setView([37.74, 115.67], 11);
    var outlines = W.outlines(map, {});
    var sites = W.markers(map, data.sites.map(function (s) {
      return { lat: s.lat, lng: s.lng, color: SITE, radius: 5, title: label("site") + " · " + s.type + " · " + s.name };
    }), { cluster: false });
    var signals = W.markers(map, data.signals.map(function (s) {
      var title = s.code + " · " + label(s.level) + " · " + s.kind;
      if (s.distance !== null) { title += " · " + s.distance + " " + label("m"); }
      return { lat: s.lat, lng: s.lng, color: COLORS[s.level], radius: 7, title: title,
               url: recordUrl.replace("/0/", "/" + s.record + "/") };
    }));
    W.legend(map, LEVELS.map(function (l) { return { color: COLORS[l], label: label(l) }; })
      .concat([{ color: SITE, label: label("site"), shape: "square" }]));
    mapEl.setAttribute("data-signals", String(data.signals.length));
    var bounds = signals.bounds().extend(sites.bounds());
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
    } else {
      outlines.ready.then(function () { W.fit(map, [outlines.bounds()]); });
    }
  }

  var chartEl = document.getElementById("risk-chart");
  if (chartEl && typeof echarts !== "undefined") {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#risk-domains .domain-row"));
    var word = function (key) { return chartEl.getAttribute("data-" + key) || ""; };
    var chart = echarts.init(chartEl);
    chart.setOption({
      title: { text: word("title"), left: 0, top: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0, left: "center" },
      grid: { left: 40, right: 10, top: 48, bottom: 56 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.getAttribute("data-domain"); }) },
      yAxis: { type: "value", minInterval: 1, name: word("unit") },
      series: LEVELS.map(function (l) {
        return { name: word("label-" + l), type: "bar", stack: "open", itemStyle: { color: COLORS[l] },
                 data: rows.map(function (r) { return Number(r.getAttribute("data-" + l)); }) };
      })
    });
    chartEl.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
