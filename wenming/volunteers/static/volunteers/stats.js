// The statistics page's chart: hours by theme (ECharts, served by the app).
(function () {
  "use strict";
  var el = document.getElementById("vol-theme-chart"), data = JSON.parse(document.getElementById("vol-theme-data").textContent);
  if (!el || !window.echarts || !data.labels.length) { if (el) { el.hidden = true; } return; }
  echarts.init(el).setOption({
    title: { text: el.getAttribute("data-title"), left: "center", textStyle: { fontSize: 14 } },
    animation: false, tooltip: {}, grid: { left: 60, right: 20, bottom: 60 },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", name: el.getAttribute("data-unit") },
    series: [{ type: "bar", data: data.values }]
  });
})();
