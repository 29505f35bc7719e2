// The mock evaluation's chart (模拟测评): per evaluation project the forecast score with its band, beside the full
// points. Data from the page's json_script; no inline script (CSP script-src 'self').
(function () {
  "use strict";
  var holder = document.getElementById("forecast-chart");
  var source = document.getElementById("forecast-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var band = data.low.map(function (low, i) { return [i, low, data.high[i]]; });
  var chart = echarts.init(holder);
  chart.setOption({
    title: { text: data.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0, data: [data.labels.points, data.labels.expected, data.labels.band] },
    grid: { left: 40, right: 10, top: 40, bottom: 70, containLabel: true },
    xAxis: { type: "category", data: data.domains },
    yAxis: { type: "value", name: data.unit },
    series: [
      { name: data.labels.points, type: "bar", data: data.points, barGap: "-100%", itemStyle: { color: "#e0e0e0" } },
      { name: data.labels.expected, type: "bar", data: data.expected, itemStyle: { color: "#1565c0" } },
      { name: data.labels.band, type: "custom", data: band, itemStyle: { color: "#c62828" },
        renderItem: function (params, api) {
          var low = api.coord([api.value(0), api.value(1)]);
          var high = api.coord([api.value(0), api.value(2)]);
          var half = api.size([1, 0])[0] * 0.15;
          var style = { stroke: "#c62828", lineWidth: 2 };
          return { type: "group", children: [
            { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
            { type: "line", shape: { x1: low[0] - half, y1: low[1], x2: low[0] + half, y2: low[1] }, style: style },
            { type: "line", shape: { x1: high[0] - half, y1: high[1], x2: high[0] + half, y2: high[1] }, style: style }
          ] };
        },
        encode: { x: 0, y: [1, 2] }, z: 10 }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
