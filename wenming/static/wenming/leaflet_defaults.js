// Leaflet's defaults for every map of the app (and the citizen's), loaded right after leaflet.js and before
// any map is made, so they are set in this one place:
// - its credit as plain text: the default prefix draws a national flag (an inline SVG) beside the name, out
//   of place on a government platform;
// - its controls' tooltips in the page's language, from the translated data-map-* attributes base.html puts
//   on <body> (Leaflet's own are English).
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  L.Control.Attribution.prototype.options.prefix = '<a href="https://leafletjs.com">Leaflet</a>';
  var body = document.body;
  var text = function (key) { return body.getAttribute("data-map-" + key); };
  if (text("zoom-in")) { L.Control.Zoom.prototype.options.zoomInTitle = text("zoom-in"); }
  if (text("zoom-out")) { L.Control.Zoom.prototype.options.zoomOutTitle = text("zoom-out"); }
  // The layer switch's title is not an option: Leaflet writes "Layers" when it builds the control.
  var layout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.prototype._initLayout = function () {
    layout.apply(this, arguments);
    if (this._layersLink && text("layers")) { this._layersLink.title = text("layers"); }
  };
})();
