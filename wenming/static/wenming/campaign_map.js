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
  var sites = W.markers(map, []), cases = W.markers(map, []), targets = W.markers(map, [], { noClusterZoom: 15 });
  var T = window.WenmingTargets;
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
    var picked = data.targets;
    targets.set(picked && T ? T.markers(picked.lines, form.getAttribute("data-line-url")) : []);
    mapEl.setAttribute("data-target-lines", picked ? String(picked.lines.length) : "0");
    drawTargetPanel(picked);
    if (legend) { legend.remove(); }
    legend = W.legend(map, (picked && T ? ["ok", "submitted", "todo", "out"].map(function (k) {
      return { color: T.COLOURS[k], label: form.getAttribute("data-label-line-" + k) };
    }) : []).concat([
      { color: CASE_OPEN, label: form.getAttribute("data-label-cases") },
      { color: CASE_LATE, label: form.getAttribute("data-label-overdue") }
    ].concat(codes.map(function (code) { return { color: colour(code), label: types[code], shape: "square" }; }))));
    var bounds = picked && picked.lines.length ? targets.bounds() : sites.bounds().extend(cases.bounds());
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
    } else {
      outlines.ready.then(function () { W.fit(map, [outlines.bounds()]); });
    }
    document.getElementById("map-counts").textContent =
      form.getAttribute("data-label-sites") + " " + data.sites.length + " · " + form.getAttribute("data-label-cases") + " " + data.cases.length;
  }

  // Beside the map, for a selected task: its lines by status and its gap list (the largest gaps first).
  function drawTargetPanel(picked) {
    var panel = document.getElementById("target-panel");
    if (!panel) { return; }
    panel.hidden = !picked;
    if (!picked) { return; }
    var lineUrl = form.getAttribute("data-line-url");
    var head = document.getElementById("target-panel-title");
    head.textContent = picked.task.code + " " + picked.task.title;
    head.href = form.getAttribute("data-task-url").replace("/0/", "/" + picked.task.id + "/");
    var counts = document.getElementById("target-panel-counts");
    counts.textContent = "";
    ["ok", "submitted", "todo", "out"].forEach(function (k) {
      var n = k === "ok" ? (picked.counts.accepted || 0) + (picked.counts.met || 0)
        : k === "submitted" ? (picked.counts.submitted || 0)
        : k === "todo" ? (picked.counts.pending || 0) + (picked.counts.returned || 0) + (picked.counts.gap || 0)
        : (picked.counts.out_of_scope || 0);
      var li = document.createElement("li");
      var dot = text(form.getAttribute("data-label-line-" + k) + " " + n);
      dot.className = "line-st line-" + k;
      li.appendChild(dot);
      counts.appendChild(li);
    });
    var list = document.getElementById("target-panel-gaps");
    list.textContent = "";
    picked.gaps.forEach(function (g) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = lineUrl.replace("/0/", "/" + g.id + "/");
      a.textContent = g.name;
      li.appendChild(a);
      li.appendChild(text(" " + g.count + " / " + g.required + " (" + form.getAttribute("data-label-gap") + " " + g.gap + ")"));
      list.appendChild(li);
    });
    if (!picked.gaps.length) { list.appendChild(text(form.getAttribute("data-label-no-gaps"))); }
  }

  // The timeline (Gantt): one row per task, the first task on top, labelled with its code and short title;
  // one bar series per status (so the legend names and toggles them), a filled part for progress, milestones
  // as diamonds, a dashed 今天 line at the server's date. Rows past ROWS scroll with the slider on the right.
  var ROWS = 18, ROW_HEIGHT = 28;
  var label = function (key) { return ganttEl.getAttribute("data-label-" + key) || ""; };
  var html = function (s) { return echarts.format.encodeHTML(String(s)); };
  var shortTitle = function (t) { return t.title.length > 14 ? t.title.slice(0, 13) + "…" : t.title; };

  function renderBar(params, api) {
    var row = api.value(0), from = api.coord([api.value(1), row]), to = api.coord([api.value(2), row]);
    var h = api.size([0, 1])[1] * 0.62, width = Math.max(3, to[0] - from[0]), percent = api.value(3);
    var box = params.coordSys, area = { x: box.x, y: box.y, width: box.width, height: box.height };
    var whole = echarts.graphic.clipRectByRect({ x: from[0], y: from[1] - h / 2, width: width, height: h }, area);
    if (!whole) { return null; }
    var color = api.visual("color"), dashed = !api.value(4);
    var done = echarts.graphic.clipRectByRect({ x: from[0], y: from[1] - h / 2, width: width * percent / 100, height: h }, area);
    var children = [{ type: "rect", shape: whole, style: { fill: color, opacity: 0.3, stroke: color, lineWidth: 1, lineDash: dashed ? [4, 3] : null } }];
    if (done) { children.push({ type: "rect", shape: done, style: { fill: color } }); }
    var words = api.value(5);
    if (words && whole.width > words.length * 12 + 16) {
      children.push({ type: "text", x: whole.x + 6, y: from[1], style: { text: words, fill: "#1b1b1b", font: "12px sans-serif", verticalAlign: "middle" } });
    }
    return { type: "group", children: children };
  }

  // The dashed 今天 line across the rows, labelled with the day.
  function todayRenderer(words) {
    return function (params, api) {
      var x = api.coord([api.value(0), 0])[0], box = params.coordSys;
      if (x < box.x || x > box.x + box.width) { return null; }
      return { type: "group", children: [
        { type: "line", shape: { x1: x, y1: box.y, x2: x, y2: box.y + box.height }, style: { stroke: "#d32f2f", lineWidth: 2, lineDash: [6, 4] } },
        // Left of the line near the right edge, so the label is never cut.
        { type: "text", x: x + (x > box.x + box.width - 90 ? -4 : 4), y: box.y + 2,
          style: { text: words, fill: "#d32f2f", font: "bold 13px sans-serif", verticalAlign: "top",
                   align: x > box.x + box.width - 90 ? "right" : "left", backgroundColor: "rgba(255,255,255,.85)", padding: [1, 3] } }
      ] };
    };
  }

  function tip(t) {
    var lines = ["<b>" + html(t.code + " " + t.title) + "</b>"];
    if (t.force) { lines.push(html(label("force") + "：" + t.force)); }
    if (t.lead_unit) { lines.push(html(label("lead") + "：" + t.lead_unit)); }
    lines.push(html(label("status") + "：" + t.status_label + " · " + label("progress") + " " + t.percent + "%"));
    lines.push(html(label("plan") + "：" + t.start + " – " + t.end + (t.has_deadline ? "" : "（" + label("no-deadline") + "）")));
    t.milestones.forEach(function (m) { lines.push(html("◆ " + m.day + " " + m.title)); });
    return lines.join("<br>");
  }

  function drawGantt(data) {
    if (!chart) { return; }
    var tasks = data.tasks.slice().reverse();
    var day = function (s) { return new Date(s + "T00:00:00").getTime(); };
    var today = day(data.today), week = 7 * 86400000;
    var first = Math.min.apply(null, tasks.map(function (t) { return day(t.start); }).concat([today - 2 * week]));
    var last = Math.max.apply(null, tasks.map(function (t) { return day(t.end); }).concat([today + 2 * week]));
    var series = data.statuses.map(function (st) {
      return { type: "custom", name: st.label, renderItem: renderBar, encode: { x: [1, 2], y: 0 }, clip: true,
               itemStyle: { color: COLORS[st.code] || "#999" },
               data: tasks.map(function (t, i) {
                 return t.status !== st.code ? null : { value: [i, day(t.start), day(t.end), t.percent, t.has_deadline ? 1 : 0,
                                                              (t.force || t.lead_unit) + " · " + t.percent + "%"], task: t };
               }).filter(Boolean) };
    });
    var marks = [];
    tasks.forEach(function (t, i) { t.milestones.forEach(function (m) { marks.push({ value: [day(m.day), i], task: t, milestone: m }); }); });
    series.push({ type: "scatter", name: label("milestone"), symbol: "diamond", symbolSize: 12, data: marks, z: 5,
                  itemStyle: { color: "#263238", borderColor: "#fff", borderWidth: 1 } });
    series.push({ type: "custom", id: "today", name: form.getAttribute("data-label-today"), silent: true, z: 6,
                  renderItem: todayRenderer(form.getAttribute("data-label-today") + " " + data.today.slice(5)),
                  encode: { x: 0, y: 1 }, tooltip: { show: false }, data: [[today, 0]] });
    var rows = Math.min(ROWS, Math.max(tasks.length, 1));
    var scroll = tasks.length > ROWS;
    ganttEl.style.height = (rows * ROW_HEIGHT + 120) + "px";
    chart.resize();
    chart.setOption({
      animation: false,
      legend: { top: 0, left: 0, data: data.statuses.map(function (st) { return st.label; }).concat([label("milestone")]) },
      tooltip: { confine: true, formatter: function (p) {
        if (!p.data || !p.data.task) { return ""; }
        return p.data.milestone ? html("◆ " + p.data.milestone.day + " " + p.data.milestone.title) + "<br>" + tip(p.data.task) : tip(p.data.task);
      } },
      grid: { left: 8, right: scroll ? 48 : 16, top: 40, bottom: 64, outerBoundsMode: "same", outerBoundsContain: "all" },
      xAxis: { type: "time", min: first - week, max: last + week, position: "top", splitLine: { show: true, lineStyle: { color: "#eee" } },
               axisLabel: { formatter: { year: "{yyyy}", month: "{M}月", day: "{MM}-{dd}" } } },
      yAxis: { type: "category", data: tasks.map(function (t) { return t.code + " " + shortTitle(t); }),
               axisTick: { show: false }, axisLabel: { width: 250, overflow: "truncate", fontSize: 12 } },
      dataZoom: [
        { type: "slider", xAxisIndex: 0, filterMode: "none", bottom: 8, height: 22, showDataShadow: false, labelFormatter: function (v) { return echarts.time.format(v, "{yyyy}-{MM}-{dd}", false); } },
        { type: "inside", xAxisIndex: 0, filterMode: "none", zoomOnMouseWheel: "ctrl", moveOnMouseWheel: false },
        { type: "slider", yAxisIndex: 0, show: scroll, filterMode: "none", right: 8, width: 18, zoomLock: true, showDetail: false,
          showDataShadow: false, brushSelect: false,
          startValue: Math.max(0, tasks.length - ROWS), endValue: tasks.length - 1 },
        { type: "inside", yAxisIndex: 0, disabled: !scroll, filterMode: "none", zoomOnMouseWheel: false, moveOnMouseWheel: true }
      ],
      series: series
    }, true);
    chart.off("click");
    var taskUrl = form.getAttribute("data-task-url");
    chart.on("click", function (p) {
      if (p.data && p.data.task) { window.location.href = taskUrl.replace("/0/", "/" + p.data.task.id + "/"); }
    });
    ganttEl.setAttribute("data-rows", String(tasks.length));
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
