// The trends page's line charts (scores by district and unit, pass rate by site type, across rounds). Data from
// the page's json_script blocks; no inline script (CSP script-src 'self').
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll(".trend-chart"), function (holder) {
    var source = document.getElementById(holder.getAttribute("data-source"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(holder);
    chart.setOption({
      title: { text: data.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 40, top: 50, bottom: 50, containLabel: true },
      xAxis: { type: "category", data: data.rounds, boundaryGap: false },
      yAxis: { type: "value", name: data.unit, min: 0, max: 100 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6 };
      })
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
