// fidelio serve: draws each <canvas data-chart> with Chart.js (served by fidelio itself).
// The data arrive in the attribute as JSON (escaped by the page's templates); nothing here
// writes HTML, so no value can become markup.
(function () {
  'use strict';
  var palette = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#0ea5e9', '#64748b'];
  var money = function (v) { return Number(v).toLocaleString('en-US', { maximumFractionDigits: 0 }); };
  function draw(canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute('data-chart')); } catch (e) { return; }
    var horizontal = !!spec.horizontal;
    var valueAxis = horizontal ? 'x' : 'y';
    var datasets = spec.datasets.map(function (d, i) {
      var color = palette[i % palette.length];
      var out = { label: d.label, data: d.data, backgroundColor: color, borderColor: color, borderWidth: d.type === 'line' ? 2 : 0 };
      if (d.type) { out.type = d.type; out.pointRadius = 0; out.tension = 0.2; }
      if (d.axis === 'y1') out.yAxisID = 'y1';
      if (spec.time) out.backgroundColor = d.data.map(function (v) { return v < 0 ? '#ef4444' : color; });
      return out;
    });
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      ticks: { callback: function (v) { return spec.percent ? Math.round(v * 100) + '%' : money(v); } },
    };
    if (spec.datasets.some(function (d) { return d.axis === 'y1'; })) {
      scales.y1 = { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } };
    }
    var labels = spec.labels;
    if (spec.time) {
      // Orders on a time line: a linear axis of days (no date adapter needed), labelled as dates.
      var day = function (s) { return Date.parse(s + 'T00:00:00Z') / 86400000; };
      datasets.forEach(function (d, i) { d.data = spec.datasets[i].data.map(function (v, j) { return { x: day(spec.labels[j]), y: v }; }); d.barThickness = 6; });
      labels = undefined;
      var xs = spec.labels.map(day).concat(spec.asOf ? [day(spec.asOf)] : []);
      scales.x = {
        type: 'linear', min: Math.min.apply(null, xs) - 15, max: Math.max.apply(null, xs) + 15,
        ticks: { maxTicksLimit: 6, callback: function (v) { return new Date(v * 86400000).toISOString().slice(0, 7); } },
      };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.datasets.length > 1, position: 'bottom' },
          tooltip: {
            callbacks: {
              title: spec.time ? function (items) { return new Date(items[0].parsed.x * 86400000).toISOString().slice(0, 10); } : undefined,
              label: function (ctx) {
                var v = ctx.raw;
                if (Array.isArray(v)) return ctx.dataset.label + ': ' + v[0].toFixed(1) + ' to ' + v[1].toFixed(1);
                var y = spec.time ? v.y : v;
                return ctx.dataset.label + ': ' + (spec.percent ? (y * 100).toFixed(1) + '%' : money(y));
              },
            },
          },
        },
      },
    });
    canvas.setAttribute('data-drawn', 'true');
  }
  function start() {
    if (!window.Chart) return;
    var canvases = document.querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i++) draw(canvases[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
