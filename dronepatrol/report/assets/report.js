/* dronepatrol report: photo clusters, footprints and triggers drawn from compact columns.
 * No template literals and no innerHTML of raw data: every string in DP data was escaped by
 * the report (dronepatrol.report.escape.esc) before it was written into the page. */
(function () {
  "use strict";
  var DP = (window.DP = window.DP || {});

  DP.data = function () {
    var el = document.getElementById("dp-data");
    return el ? JSON.parse(el.textContent) : {};
  };

  /* "2 ธ.ค. 2568 14:25:07" in Thai time (UTC+7) from UTC seconds; s: {months, year_offset} */
  DP.fmtTime = function (t, s) {
    var d = new Date((t + 7 * 3600) * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCDate() + " " + s.months[d.getUTCMonth()] + " " + (d.getUTCFullYear() + s.year_offset) +
      " " + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
  };


  /* One layer for all photos: grid clusters (cell px) until singleZoom, then one dot per photo. */
  DP.PhotoLayer = L.Layer.extend({
    options: { cell: 80, singleZoom: 19, radius: 6, pane: "dpPhotos" },
    initialize: function (p, strings, options) {
      L.setOptions(this, options);
      this._p = p; this._s = strings; this.count = p.lon.length;
      this._x = new Float64Array(this.count); this._y = new Float64Array(this.count);
      for (var i = 0; i < this.count; i++) {
        var pt = L.CRS.EPSG3857.latLngToPoint(L.latLng(p.lat[i], p.lon[i]), 0);
        this._x[i] = pt.x; this._y[i] = pt.y;
      }
      this.drawn = { clusters: 0, singles: 0, photos: 0 };
    },
    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) map.createPane(this.options.pane).style.zIndex = 590;  // under hotspots
      this._group = L.layerGroup().addTo(map);
      this._renderer = this._renderer || L.canvas({ padding: 0.2 });
      map.on("moveend", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off("moveend", this._redraw, this);
      map.removeLayer(this._group);
    },
    getLayers: function () { return this._group ? this._group.getLayers() : []; },
    /* The photos as one GeoJSON FeatureCollection (points, [lon, lat]; text as escaped HTML). */
    toGeoJSON: function () {
      var p = this._p, features = [];
      for (var i = 0; i < this.count; i++) {
        features.push({ type: "Feature", geometry: { type: "Point", coordinates: [p.lon[i], p.lat[i]] },
          properties: { file: p.file[i], drone: p.drones[p.drone[i]], time_utc_s: p.t[i] === null ? null : p.t0 + p.t[i],
            alt_rel_m: p.alt[i], heading_deg: p.hdg[i] } });
      }
      return { type: "FeatureCollection", features: features };
    },
    popupHtml: function (i) {
      var p = this._p, s = this._s, h = "<b>" + p.file[i] + "</b><br>";
      if (p.thumb && p.thumb[i]) h += '<img class="dp-thumb" src="' + p.thumb[i] + '" alt=""><br>';
      h += s.drone + ": " + p.drones[p.drone[i]] + "<br>";
      if (p.t[i] !== null) h += s.time + ": " + DP.fmtTime(p.t0 + p.t[i], s) + "<br>";
      if (p.alt[i] !== null) h += s.altitude + ": " + p.alt[i] + " " + s.above_home + "<br>";
      if (p.hdg[i] !== null) h += s.heading + ": " + p.hdg[i] + "°<br>";
      h += p.lat[i].toFixed(6) + ", " + p.lon[i].toFixed(6);
      if (p.href[i]) h += '<br><a href="' + p.href[i] + '" target="_blank" rel="noopener">' + s.open_photo + "</a>";
      return h;
    },
    _single: function (i) {
      var self = this, colour = this._p.colours[this._p.drone[i]];
      var m = L.circleMarker([this._p.lat[i], this._p.lon[i]], {
        renderer: this._renderer, radius: this.options.radius, color: "#fff", weight: 1.5,
        fillColor: colour, fillOpacity: 0.95
      });
      m.bindPopup(function () { return self.popupHtml(i); }, { maxWidth: 260, minWidth: 210 });
      m.bindTooltip(this._p.file[i]);
      m.dpIndex = i;
      return m;
    },
    _cluster: function (members) {
      var lat = 0, lon = 0, p = this._p, n = members.length, b = L.latLngBounds([]);
      for (var k = 0; k < n; k++) { var i = members[k]; lat += p.lat[i]; lon += p.lon[i]; b.extend([p.lat[i], p.lon[i]]); }
      var size = n < 10 ? 24 : n < 100 ? 30 : n < 1000 ? 36 : 42;
      var m = L.marker([lat / n, lon / n], {
        pane: this.options.pane,
        icon: L.divIcon({ className: "dp-cluster", html: "<span>" + n + "</span>", iconSize: [size, size] }),
        keyboard: false
      });
      var map = this._map, s = this._s;
      m.dpCount = n;
      m.bindTooltip(s.zoom_in.replace("{n}", String(n)));
      m.on("click", function () {
        if (b.getNorthEast().equals(b.getSouthWest())) map.setView(b.getCenter(), this.options.singleZoom);
        else map.fitBounds(b.pad(0.1), { maxZoom: this.options.singleZoom });
      }, this);
      return m;
    },
    _redraw: function () {
      var map = this._map; if (!map) return;
      this._group.clearLayers();
      var z = map.getZoom(), scale = Math.pow(2, z), pb = map.getPixelBounds();
      var pad = 40, x0 = pb.min.x - pad, y0 = pb.min.y - pad, x1 = pb.max.x + pad, y1 = pb.max.y + pad;
      var cell = z >= this.options.singleZoom ? 0 : this.options.cell, buckets = {}, keys = [], inView = 0;
      for (var i = 0; i < this.count; i++) {
        var x = this._x[i] * scale, y = this._y[i] * scale;
        if (x < x0 || x > x1 || y < y0 || y > y1) continue;
        inView++;
        var key = cell ? Math.floor(x / cell) + ":" + Math.floor(y / cell) : "p" + i;
        var b = buckets[key];
        if (!b) { b = buckets[key] = []; keys.push(key); }
        b.push(i);
      }
      var clusters = 0, singles = 0;
      for (var k = 0; k < keys.length; k++) {
        var members = buckets[keys[k]];
        if (members.length === 1) { this._group.addLayer(this._single(members[0])); singles++; }
        else { this._group.addLayer(this._cluster(members)); clusters++; }
      }
      this.drawn = { clusters: clusters, singles: singles, photos: inView };
    }
  });

  /* Footprints: polygons from each photo's position and its corners' offsets (1e-6 degree). */
  DP.FootprintLayer = L.Layer.extend({
    initialize: function (p, colourOf) { this._p = p; this.count = 0; for (var i = 0; i < p.fp.length; i++) if (p.fp[i]) this.count++; },
    onAdd: function (map) {
      if (!this._group) {
        var p = this._p, r = L.canvas({ padding: 0.2 }), layers = [];
        for (var i = 0; i < p.fp.length; i++) {
          var o = p.fp[i]; if (!o) continue;
          var ring = [];
          for (var k = 0; k < o.length; k += 2) ring.push([p.lat[i] + o[k + 1] * 1e-6, p.lon[i] + o[k] * 1e-6]);
          layers.push(L.polygon(ring, { renderer: r, color: p.colours[p.drone[i]], weight: 0.6, opacity: 0.7,
            fillOpacity: 0.06, interactive: false }));
        }
        this._group = L.layerGroup(layers);
      }
      this._group.addTo(map);
    },
    onRemove: function (map) { map.removeLayer(this._group); },
    getLayers: function () { return this._group ? this._group.getLayers() : []; }
  });

  /* Camera triggers reported by the drones (small dots, one per shot). */
  DP.TriggerLayer = L.Layer.extend({
    initialize: function (tr, strings) { this._t = tr; this._s = strings; this.count = tr.lat.length; },
    onAdd: function (map) {
      if (!this._group) {
        var t = this._t, s = this._s, r = L.canvas({ padding: 0.2 }), layers = [];
        for (var i = 0; i < this.count; i++) {
          var m = L.circleMarker([t.lat[i], t.lon[i]], { renderer: r, radius: 2.5, weight: 0, fillOpacity: 0.9,
            fillColor: t.colours[t.drone[i]] });
          m.bindTooltip(s.trigger.replace("{n}", String(t.idx[i])) + "<br>" + t.drones[t.drone[i]] + "<br>" +
            DP.fmtTime(t.t0 + t.t[i], s));
          layers.push(m);
        }
        this._group = L.layerGroup(layers);
      }
      this._group.addTo(map);
    },
    onRemove: function (map) { map.removeLayer(this._group); },
    getLayers: function () { return this._group ? this._group.getLayers() : []; }
  });
})();
