// The completeness board's chart (网报材料): materials by domain, stacked by state. Data from the page's
// json_script; no inline script (CSP script-src 'self').
(function () {
  "use strict";
  var holder = document.getElementById("materials-chart");
  var source = document.getElementById("materials-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { approved: "#2e7d32", submitted: "#1565c0", returned: "#ef6c00", missing: "#c62828" };
  var series = Object.keys(data.series).map(function (key) {
    return { name: data.labels[key], type: "bar", stack: "all", data: data.series[key],
             itemStyle: { color: colours[key] } };
  });
  var chart = echarts.init(holder);
  chart.setOption({
    title: { text: data.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0 },
    grid: { left: 40, right: 10, top: 40, bottom: 70, containLabel: true },
    xAxis: { type: "category", data: data.domains },
    yAxis: { type: "value", name: data.unit, minInterval: 1 },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
