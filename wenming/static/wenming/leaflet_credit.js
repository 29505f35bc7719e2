// Leaflet's credit as plain text: its default prefix draws a national flag (an inline SVG) beside the name,
// out of place on a government platform. Loaded right after leaflet.js and before any map is made, so every
// map of the app (and the citizen's) takes it from this one place.
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  L.Control.Attribution.prototype.options.prefix = '<a href="https://leafletjs.com">Leaflet</a>';
})();
