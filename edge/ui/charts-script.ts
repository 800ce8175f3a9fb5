/**
 * The chart script, as a string (served by assets.ts after ECharts): fills
 * every `[data-chart]` element from its JSON data island. Colours come from
 * the stylesheet's variables, so light and dark themes both hold; text
 * reaches the page only through ECharts' canvas or textContent. Each chart
 * records when it first finished drawing (`data-finished`, ms since
 * navigation start) for anyone measuring the page.
 */
import { HEATMAP_SCRIPT } from './heatmap-script.ts';

export const CHARTS_SCRIPT = `(function () {
  'use strict';
  var ec = window.echarts;
  if (!ec) return;
  var css = getComputedStyle(document.documentElement);
  var v = function (n) { return css.getPropertyValue(n).trim(); };
  var C = { fg: v('--fg'), muted: v('--muted'), bg: v('--bg'), line: v('--line'), permit: v('--chart-permit'),
    deny: v('--chart-deny'), unc: v('--chart-unc'), a: v('--chart-a'), b: v('--chart-b') };
  var STATE = ['covered', 'denied', 'uncovered', 'contract, no traffic'];
  var STATE_COLOR = [C.permit, C.deny, C.unc, C.muted];
  // A collapsed cell shows the state that matters most among its cells: uncovered, then covered, then denied.
  var RANK = [2, 1, 3, 0];
  var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); };
  var text = { color: C.fg };
  var axis = { axisLine: { lineStyle: { color: C.line } }, axisLabel: { color: C.muted }, splitLine: { lineStyle: { color: C.line } } };
  function island(el) {
    var d = document.getElementById(el.getAttribute('data-src'));
    try { return d ? JSON.parse(d.textContent) : null; } catch (e) { return null; }
  }
  function rgb(hex) {
    var h = hex.replace('#', '');
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var n = parseInt(h, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  function mix(a, b, t) {
    var x = rgb(a), y = rgb(b);
    return 'rgb(' + [0, 1, 2].map(function (i) { return Math.round(x[i] + (y[i] - x[i]) * t); }).join(',') + ')';
  }
  function mount(el, option) {
    var chart = ec.init(el, null, { renderer: 'canvas' });
    chart.on('finished', function () {
      if (!el.hasAttribute('data-finished')) el.setAttribute('data-finished', String(Math.round(performance.now())));
    });
    chart.setOption(option);
    window.addEventListener('resize', function () { chart.resize(); });
    return chart;
  }
  // How long the page is left to its first chart before the next is drawn unasked.
  var LATER_MS = 500;
  var pct = function (x) { return x === null ? null : Math.round(x * 1000) / 10; };

  var draw = {
    // Readiness and coverage per hour, approvals and live-pointer moves marked.
    history: function (el, d) {
      var marks = (d.marks || []).map(function (m) { return { xAxis: m[0], name: m[1], label: { formatter: m[1], color: C.muted } }; });
      mount(el, {
        backgroundColor: 'transparent', textStyle: text, animation: false,
        tooltip: { trigger: 'axis', valueFormatter: function (x) { return x === null || x === undefined ? '–' : x + '%'; } },
        legend: { textStyle: text },
        grid: { left: 48, right: 24, top: 40, bottom: 40 },
        xAxis: Object.assign({ type: 'time' }, axis),
        yAxis: Object.assign({ type: 'value', min: 0, max: 100, axisLabel: { color: C.muted, formatter: '{value}%' } }, { axisLine: axis.axisLine, splitLine: axis.splitLine }),
        series: [
          { name: 'Readiness', type: 'line', showSymbol: d.points.length < 50, color: C.a, connectNulls: true,
            data: d.points.map(function (p) { return [p[0], pct(p[1])]; }),
            markLine: { symbol: 'none', lineStyle: { color: C.muted, type: 'dashed' }, data: marks } },
          { name: 'Coverage', type: 'line', showSymbol: d.points.length < 50, color: C.permit,
            data: d.points.map(function (p) { return [p[0], pct(p[2])]; }) }
        ]
      });
    },
    // Hits per hour of the busiest uncovered cells, one line each.
    uncovered: function (el, d) {
      var palette = [C.unc, C.deny, C.a, C.b, C.permit, C.muted];
      mount(el, {
        backgroundColor: 'transparent', textStyle: text, animation: false, color: palette,
        tooltip: { trigger: 'axis' }, legend: { type: 'scroll', textStyle: text },
        grid: { left: 56, right: 24, top: 40, bottom: 40 },
        xAxis: Object.assign({ type: 'time' }, axis), yAxis: Object.assign({ type: 'value', name: 'hits/h', nameTextStyle: { color: C.muted } }, axis),
        series: d.series.map(function (s) {
          return { name: s.name, type: 'line', showSymbol: d.hours.length < 50, data: d.hours.map(function (h, i) { return [h, s.data[i]]; }) };
        })
      });
    },
    heatmap: function (el, d) { heatmap(el, d); },
    // Traffic between groups: sources left, destinations right; uncovered hits as their own, highlighted, links.
    sankey: function (el, d) {
      var nodes = [], links = [];
      d.groups.forEach(function (g) { nodes.push({ name: 'from ' + g }); nodes.push({ name: 'to ' + g }); });
      d.links.forEach(function (l) {
        var s = 'from ' + d.groups[l[0]], t = 'to ' + d.groups[l[1]];
        if (l[2] > 0) links.push({ source: s, target: t, value: l[2], lineStyle: { color: C.muted, opacity: 0.35 } });
        if (l[3] > 0) links.push({ source: s, target: t, value: l[3], lineStyle: { color: C.unc, opacity: 0.8 } });
      });
      var used = {};
      links.forEach(function (l) { used[l.source] = used[l.target] = true; });
      mount(el, {
        backgroundColor: 'transparent', textStyle: text, animation: false,
        tooltip: { trigger: 'item' },
        series: [{ type: 'sankey', left: 8, right: 120, top: 8, bottom: 8, nodeGap: 6, emphasis: { focus: 'adjacency' },
          label: { color: C.fg }, itemStyle: { color: C.a, borderColor: C.line },
          data: nodes.filter(function (n) { return used[n.name]; }), links: links }]
      });
    },
    // One small line per pair: hits per minute; live deltas add to the last minute.
    spark: function (el, d) {
      var list = document.createElement('ul');
      list.className = 'sparks';
      list.setAttribute('aria-hidden', 'true');
      el.appendChild(list);
      el.style.height = 'auto';
      var charts = {};
      var n = 0;
      d.pairs.forEach(function (p) {
        var li = document.createElement('li'), cap = document.createElement('div'), box = document.createElement('div');
        cap.textContent = p.label; cap.className = 'muted'; box.className = 'spark';
        li.appendChild(cap); li.appendChild(box); list.appendChild(li);
        var data = p.data.slice();
        var c = ec.init(box, null, { renderer: 'canvas' });
        c.on('finished', function () { if (!el.hasAttribute('data-finished') && ++n >= d.pairs.length) el.setAttribute('data-finished', String(Math.round(performance.now()))); });
        var opt = function () { return { animation: false, grid: { left: 2, right: 2, top: 4, bottom: 4 }, xAxis: { type: 'category', show: false, data: data.map(function (_, i) { return i; }) },
          yAxis: { type: 'value', show: false, min: 0 }, series: [{ type: 'line', data: data, showSymbol: false, color: p.uncovered ? C.unc : C.a, areaStyle: { opacity: 0.2 } }] }; };
        c.setOption(opt());
        charts[p.sgt + '>' + p.dgt] = { bump: function (h) { data[data.length - 1] += h; c.setOption(opt()); } };
      });
      document.addEventListener('scopilot:flow', function (ev) {
        var f = ev.detail || {};
        var s = charts[f.sgt + '>' + f.dgt];
        if (s) s.bump(Number(f.hits) || 0);
      });
    }
  };

${HEATMAP_SCRIPT}
  // The first chart is drawn at once, so it and its controls answer before anything else runs. Each other
  // chart is drawn in a task of its own when it comes into the viewport or, at the latest, once the page has
  // been idle a moment (a Sankey below a 20,000-cell heat map need not hold up a search typed at once).
  function drawChart(el) {
    if (el.hasAttribute('data-drawn')) return;
    el.setAttribute('data-drawn', '');
    var d = island(el), f = draw[el.getAttribute('data-chart')];
    if (d && f) f(el, d);
  }
  var queue = Array.prototype.slice.call(document.querySelectorAll('[data-chart]'));
  if (queue.length > 0) drawChart(queue.shift());
  if (queue.length === 0) return;
  if (window.IntersectionObserver) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (!e.isIntersecting) return;
        seen.unobserve(e.target);
        setTimeout(function () { drawChart(e.target); }, 0);
      });
    });
    queue.forEach(function (el) { seen.observe(el); });
  }
  var idle = window.requestIdleCallback || function (f) { setTimeout(f, 50); };
  (function later() {
    var el = queue.shift();
    if (!el) return;
    setTimeout(function () { idle(function () { drawChart(el); later(); }, { timeout: 2000 }); }, LATER_MS);
  })();
})();
`;
