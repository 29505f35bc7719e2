// The register page's trend: the area's rate (%) on each import date. Data from the page's json_script block; no
// inline script (CSP script-src 'self').
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var holder = document.getElementById("registry-trend-chart");
  var source = document.getElementById("registry-trend-data");
  if (!holder || !source) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    title: { text: data.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + " " + data.unit; } },
    grid: { left: 40, right: 40, top: 50, bottom: 30, containLabel: true },
    xAxis: { type: "category", data: data.points.map(function (p) { return p.as_of; }), boundaryGap: false },
    yAxis: { type: "value", name: data.unit, min: 0, max: 100 },
    series: [{ name: data.title, type: "line", data: data.points.map(function (p) { return p.rate; }),
               connectNulls: false, symbolSize: 6 }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
