// The dashboards' heat map: open cases per area on an ECharts map of the areas' own outlines (registered with
// echarts.registerMap from the outlines endpoint, cached per view). A view of the city or a district colours its
// streets and draws the districts over them; a street's view colours its grids and draws its communities. A click
// drills down (district → streets → grids); a click on a grid opens the workbench filtered to that grid. The
// breadcrumbs above the map go back up. scoring.js hands it the panel's data (and, on the big screen, each
// refresh); every word comes translated from the panel's data-label-* attributes.
window.WenmingHeatmap = (function () {
  "use strict";
  if (typeof echarts === "undefined") { return null; }
  var RAMP = ["#fde9a9", "#fdc266", "#f68f3c", "#e0492e", "#a50f15"];
  var states = [];  // one per panel on the page

  var fetchJson = function (url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  };

  // Whole, readable steps for the legend: 0, then up to five ranges ending at the largest count.
  var pieces = function (max, label, unit) {
    var out = [{ value: 0, label: "0 " + unit, color: null }];
    if (max <= 0) { return out; }
    var raw = max / 5, mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var step = [1, 2, 5, 10].map(function (k) { return k * mag; }).filter(function (s) { return s >= raw; })[0] || raw;
    step = Math.max(1, Math.ceil(step));
    for (var lo = 1; lo <= max; lo += step) {
      var hi = lo + step - 1;
      out.push({ gte: lo, lte: hi, label: (lo === hi ? String(lo) : lo + "–" + hi) + " " + unit });
    }
    // The ramp spread over the pieces there are, so the largest counts are always the darkest red.
    var n = out.length - 1;
    out.slice(1).forEach(function (p, i) { p.color = RAMP[n === 1 ? RAMP.length - 1 : Math.round(i * (RAMP.length - 1) / (n - 1))]; });
    return out;
  };

  // The rings of the frame's polygons as polylines for a "lines" series, and a label point for each.
  var frameOf = function (features) {
    var lines = [], labels = [];
    features.forEach(function (f) {
      var g = f.geometry, polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      polys.forEach(function (poly) { poly.forEach(function (ring) { lines.push({ coords: ring }); }); });
      if (f.properties.label) { labels.push({ name: f.properties.name, value: f.properties.label }); }
    });
    return { lines: lines, labels: labels };
  };

  // The bounding box of the features: [west, south, east, north].
  var boxOf = function (features) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    var walk = function (c) {
      if (typeof c[0] === "number") {
        b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
      } else { c.forEach(walk); }
    };
    features.forEach(function (f) { walk(f.geometry.coordinates); });
    return b;
  };

  // Where the map goes in the chart, keeping the outlines' shape (a degree of longitude is shorter than one of
  // latitude by cos(latitude)): the longer side fills the room left of nothing and right of the legend.
  var layout = function (chart, box) {
    var room = { left: 104, right: 10, top: 10, bottom: 10 };
    var w = Math.max(50, chart.getWidth() - room.left - room.right), h = Math.max(50, chart.getHeight() - room.top - room.bottom);
    var scale = Math.cos(((box[1] + box[3]) / 2) * Math.PI / 180) || 1;
    var aspect = ((box[2] - box[0]) * scale) / Math.max(box[3] - box[1], 1e-9);
    var size = aspect >= 1 ? Math.min(w, h * aspect) : Math.min(h, w / aspect);
    return { layoutCenter: [room.left + w / 2, room.top + h / 2], layoutSize: size, aspectScale: scale };
  };

  function State(chart, section, dark) {
    this.chart = chart;
    this.section = section;
    this.dark = dark;
    this.top = null;  // the panel's own data (the person's top areas)
    this.view = null;  // what is drawn now: the top or a drilled view
    this.maps = {};  // registered map name → frame, per view
    this.label = function (key) { return section.getAttribute("data-label-" + key) || ""; };
    var self = this;
    var crumbs = document.createElement("nav");
    crumbs.className = "heatmap-crumbs";
    section.insertBefore(crumbs, section.querySelector(".chart"));
    this.crumbs = crumbs;
    chart.on("click", function (p) { self.click(p); });
    window.addEventListener("resize", function () {
      if (self.frame) { self.chart.resize(); self.chart.setOption({ geo: layout(self.chart, self.frame.box) }); }
    });
  }

  State.prototype.open = function (code) {
    var self = this;
    return fetchJson(this.section.getAttribute("data-url") + "?area=" + encodeURIComponent(code))
      .then(function (data) { return self.render(data); })
      .catch(function () {});
  };

  State.prototype.click = function (p) {
    if (!this.view || (p.componentType !== "geo" && p.seriesType !== "map")) { return; }
    var code = p.name, region = null;
    this.view.regions.forEach(function (r) { if (r.code === code) { region = r; } });
    if (!region) { return; }
    if (this.view.level === "grid") {
      window.location.href = this.section.getAttribute("data-workbench") + "?queue=all&area=" + encodeURIComponent(code);
    } else if (region.to) {
      this.open(region.to);
    }
  };

  State.prototype.drawCrumbs = function () {
    var self = this, nav = this.crumbs;
    nav.textContent = "";
    var chain = this.view.chain || [];
    var add = function (name, code, current) {
      if (nav.childNodes.length) { nav.appendChild(document.createTextNode(" › ")); }
      var el = document.createElement(current ? "strong" : "button");
      el.textContent = name;
      if (!current) {
        el.type = "button";
        el.className = "link";
        el.addEventListener("click", function () { if (code) { self.open(code); } else { self.render(self.top); } });
      }
      nav.appendChild(el);
    };
    if (chain.length) {
      var topNames = this.top.views.map(function (v) { return v.name; }).join("、");
      add(topNames, "", false);
      chain.forEach(function (c, i) {
        if (i === 0 && self.top.views.length === 1 && self.top.views[0].code === c.code) { return; }
        add(c.name, c.code, i === chain.length - 1);
      });
    } else {
      add(this.view.views.map(function (v) { return v.name; }).join("、"), "", true);
    }
    var hint = document.createElement("span");
    hint.className = "muted small heatmap-hint";
    hint.textContent = " · " + this.label(this.view.level === "grid" ? "hint-grid" : "hint-area");
    nav.appendChild(hint);
  };

  // Registers the view's outlines as an ECharts map once, then draws the counts over them.
  State.prototype.render = function (data) {
    var self = this;
    this.view = data;
    var within = data.views.map(function (v) { return v.code; });
    var name = "wenming-" + data.level + "-" + within.join("-");
    var ready;
    if (this.maps[name]) {
      ready = Promise.resolve(this.maps[name]);
    } else {
      var levels = [data.level].concat(data.frame && data.frame !== data.level ? [data.frame] : []);
      ready = fetchJson(this.section.getAttribute("data-outlines") + "?level=" + levels.join(",") + "&within=" + within.join(","))
        .then(function (geo) {
          var regions = geo.features.filter(function (f) { return f.properties.kind === data.level; });
          var frame = geo.features.filter(function (f) { return f.properties.kind === data.frame && data.frame !== data.level; });
          if (data.frame === data.level) {  // a view's own outline frames it
            frame = [];
          }
          echarts.registerMap(name, { type: "FeatureCollection", features: regions });
          self.maps[name] = frameOf(frame);
          self.maps[name].box = boxOf(regions.concat(frame));
          return self.maps[name];
        });
    }
    return ready.then(function (frame) { self.paint(name, frame); self.drawCrumbs(); });
  };

  State.prototype.paint = function (name, frame) {
    this.frame = frame;
    var data = this.view, dark = this.dark, unit = this.label("unit");
    var names = {};
    data.regions.forEach(function (r) { names[r.code] = r.name; });
    // Region names only where no frame is labelled over them and they are few; else the tooltip names them.
    var few = data.regions.length <= 40 && !frame.labels.length;
    var list = pieces(data.max, this.label("legend"), unit);
    var empty = dark ? "#1f3b5c" : "#eef1f3";
    list[0].color = empty;
    var ink = dark ? "#e8eefc" : "#263238", halo = dark ? "#061a33" : "#ffffff";
    var label = this.label("open");
    var geoLayout = layout(this.chart, frame.box);
    this.chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesType !== "map" && p.componentType !== "geo") { return ""; }
          var n = typeof p.value === "number" && !isNaN(p.value) ? p.value : 0;
          return echarts.format.encodeHTML(names[p.name] || p.name) + "<br>" + echarts.format.encodeHTML(label) + ": <b>" + n + "</b> " +
            echarts.format.encodeHTML(unit);
        }
      },
      visualMap: {
        type: "piecewise", pieces: list, left: 6, top: 26, orient: "vertical", itemWidth: 14, itemHeight: 10, itemGap: 5,
        showLabel: true, textStyle: { color: ink, fontSize: 11 }, seriesIndex: 0
      },
      // The legend's title, above its pieces.
      graphic: [{ type: "text", left: 6, top: 6, style: { text: this.label("legend"), fill: ink, fontSize: 12, fontWeight: "bold" } }],
      geo: {
        map: name, nameProperty: "code", roam: true, scaleLimit: { min: 0.8, max: 12 },
        itemStyle: { areaColor: empty, borderColor: dark ? "#5b7fa6" : "#ffffff", borderWidth: data.level === "grid" ? 0.5 : 1 },
        emphasis: { itemStyle: { areaColor: "#ffd54f" }, label: { show: true, color: "#1a1a1a" } },
        select: { disabled: true },
        layoutCenter: geoLayout.layoutCenter, layoutSize: geoLayout.layoutSize, aspectScale: geoLayout.aspectScale,
        label: {
          show: few, color: ink, fontSize: 11, textBorderColor: halo, textBorderWidth: 2,
          formatter: function (p) { return names[p.name] || ""; }
        }
      },
      series: [
        { type: "map", geoIndex: 0, data: data.regions.map(function (r) { return { name: r.code, value: r.n }; }) },
        { type: "lines", coordinateSystem: "geo", polyline: true, silent: true, data: frame.lines,
          lineStyle: { color: dark ? "#cfe0ff" : "#263238", width: 2, opacity: 0.9 }, z: 3 },
        { type: "scatter", coordinateSystem: "geo", silent: true, symbolSize: 0, data: frame.labels, z: 4,
          label: { show: true, formatter: "{b}", color: ink, fontWeight: "bold", fontSize: 13, textBorderColor: halo, textBorderWidth: 3 },
          labelLayout: { hideOverlap: true } }
      ]
    }, true);
    var chartEl = this.section.querySelector(".chart");
    chartEl.setAttribute("data-level", data.level);
    chartEl.setAttribute("data-view", data.views.map(function (v) { return v.code; }).join(","));
    chartEl.setAttribute("data-regions", String(data.regions.length));
  };

  return {
    // chart: the panel's ECharts instance; data: the panel's JSON (its top view); section: the panel element.
    draw: function (chart, data, section, dark) {
      var state = null;
      states.forEach(function (s) { if (s.chart === chart) { state = s; } });
      if (!state) { state = new State(chart, section, dark); states.push(state); }
      state.top = data;
      // A refresh (the big screen's, every minute) redraws what is on screen: the top, or the view drilled into.
      if (state.view && state.view.chain && state.view.chain.length) {
        state.open(state.view.chain[state.view.chain.length - 1].code);
      } else {
        state.render(data);
      }
    }
  };
})();
