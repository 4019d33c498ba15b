// The indicator page's map: village outlines and households coloured by whether they count.
// Data comes from the page's JSON block (not executed as a script); no inline script is
// needed, so the Content-Security-Policy can allow scripts from this server only.
(function () {
  var data = JSON.parse(document.getElementById("indicator-geojson").textContent);
  var map = L.map("indicator-map", {attributionControl: false});
  var colours = {counted: "#1a7f37", not_counted: "#c62828"};
  var layer = L.geoJSON(data, {
    style: function () { return {color: "#5b6b7a", weight: 2, fillOpacity: 0.08}; },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 6, weight: 1, color: "#333",
        fillColor: colours[f.properties.group] || "#888", fillOpacity: 0.9});
    },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
  }).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {padding: [12, 12]}); }
  else { map.setView([21.9, 105.8], 12); }
  document.getElementById("indicator-map").dataset.features = layer.getLayers().length;
})();
