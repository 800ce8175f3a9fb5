/**
 * The matrix heat map's part of the chart script (a string, spliced into
 * charts-script.ts, whose helpers it uses: C, STATE, STATE_COLOR, RANK, mix,
 * esc, text, axis, mount). Hue by state, strength by volume (log scale);
 * search, filter by state, collapse into groups.
 *
 * At 500 tags there are tens of thousands of cells. ECharts' heatmap series
 * makes an element per cell (shape, style, states, label), which took most
 * of a second at 20,000 cells. Here each colour (state × strength level) is
 * one scatter series of square symbols, sized to the category bands, in
 * ECharts' large mode above LARGE_ABOVE cells: one path per series, its
 * points in a typed array. The picture, the tooltip and the click to a cell
 * are the same; a zoom or a resize sizes the squares again.
 */
export const HEATMAP_SCRIPT = `
  var LEVELS = 8, LARGE_ABOVE = 2000;
  // A point: [column, row, hits, state, source index, destination index].
  var DIMS = ['column', 'row', 'hits', 'state', 'source', 'destination'];
  function heatmap(el, d) {
    var search = document.getElementById('matrix-search'), stateSel = document.getElementById('matrix-state'),
      collapse = document.getElementById('matrix-collapse'), shown = document.getElementById('matrix-shown');
    var labels = d.tags.map(function (t, i) { return d.names[i] + ' (' + t + ')'; });
    var lower = labels.map(function (l) { return l.toLowerCase(); });
    var colors = [];
    STATE_COLOR.forEach(function (color, st) {
      for (var l = 0; l < LEVELS; l++) colors.push(mix(C.bg, color, l === 0 ? 0.15 : 0.3 + 0.7 * l / (LEVELS - 1)));
    });
    // d.cells is flat: source index, destination index, hits, state; four numbers a cell.
    var all = d.cells, n = all.length / 4;
    var chart = null, cats = [], size = [1, 1], count = 0;
    // One category band in pixels on each axis, plus half a pixel so neighbours leave no gap: estimated from
    // the grid's margins before a drawing, measured on the chart after it (and after a zoom or a resize).
    function estimate(grid) {
      var k = Math.max(1, cats.length);
      return [(el.clientWidth - grid.left - grid.right) / k + 0.5, (el.clientHeight - grid.top - grid.bottom) / k + 0.5];
    }
    function measure() {
      var a = chart.convertToPixel({ gridIndex: 0 }, [0, 0]), b = chart.convertToPixel({ gridIndex: 0 }, [1, 1]);
      return [Math.abs(b[0] - a[0]) + 0.5, Math.abs(b[1] - a[1]) + 0.5];
    }
    function fit() {
      if (chart === null || cats.length < 2) return;
      var b = measure();
      if (Math.abs(b[0] - size[0]) < 0.25 && Math.abs(b[1] - size[1]) < 0.25) return;
      size = b;
      var s = [];
      for (var i = 0; i < count; i++) s.push({ symbolSize: size });
      chart.setOption({ series: s });
    }
    function build() {
      var q = search ? search.value.trim().toLowerCase() : '', st = stateSel ? stateSel.value : '', grouped = collapse && collapse.checked;
      var want = st === '' ? -1 : Number(st);
      var match = null, i, c;
      if (q !== '') { match = lower.map(function (l) { return l.indexOf(q) >= 0; }); }
      var cells = [];
      for (i = 0; i < n; i++) {
        c = i * 4;
        if ((want < 0 || all[c + 3] === want) && (match === null || match[all[c]] || match[all[c + 1]]))
          cells.push([all[c], all[c + 1], all[c + 2], all[c + 3]]);
      }
      var names = grouped ? d.groups : labels;
      if (grouped) {
        var agg = {};
        cells.forEach(function (c) {
          var gs = d.group[c[0]], gd = d.group[c[1]], k = gs + '>' + gd, a = agg[k];
          if (!a) a = agg[k] = [gs, gd, 0, c[3]];
          a[2] += c[2];
          if (RANK[c[3]] > RANK[a[3]]) a[3] = c[3];
        });
        cells = Object.keys(agg).map(function (k) { return agg[k]; });
      }
      var filtered = q !== '' || st !== '';
      var used = new Uint8Array(names.length);
      cells.forEach(function (c) { used[c[0]] = 1; used[c[1]] = 1; });
      var pos = new Int32Array(names.length);
      cats = [];
      for (i = 0; i < names.length; i++) if (!filtered || used[i]) { pos[i] = cats.length; cats.push(names[i]); }
      var max = 1;
      cells.forEach(function (c) { if (c[2] > max) max = c[2]; });
      var lmax = Math.log(max + 1);
      var byColor = [];
      cells.forEach(function (c) {
        var level = c[2] > 0 ? Math.max(1, Math.round((LEVELS - 1) * Math.log(c[2] + 1) / lmax)) : 0;
        var code = c[3] * LEVELS + level;
        (byColor[code] = byColor[code] || []).push(pos[c[1]], pos[c[0]], c[2], c[3], c[0], c[1]);
      });
      var big = cats.length > 40, large = cells.length > LARGE_ABOVE;
      var grid = { left: big ? 60 : 160, right: 40, top: 16, bottom: big ? 60 : 120 };
      size = estimate(grid);
      var series = [];
      byColor.forEach(function (points, code) {
        if (!points) return;
        series.push({ type: 'scatter', name: STATE[Math.floor(code / LEVELS)], large: large, largeThreshold: 0, progressive: 0,
          symbol: 'rect', symbolSize: size, dimensions: DIMS, encode: { x: 0, y: 1 }, data: new Float64Array(points),
          itemStyle: { color: colors[code], opacity: 1 }, emphasis: { scale: false, itemStyle: { borderColor: C.fg, borderWidth: 1 } } });
      });
      count = series.length;
      if (shown) shown.textContent = cells.length + ' cells of ' + cats.length + ' ' + (grouped ? 'groups' : 'tags') + ' shown';
      var option = {
        backgroundColor: 'transparent', textStyle: text, animation: false,
        tooltip: { formatter: function (p) { var x = p.value; return esc(cats[x[1]]) + ' → ' + esc(cats[x[0]]) + '<br>' + STATE[x[3]] + ', ' + x[2] + ' hits'; } },
        grid: grid,
        xAxis: { type: 'category', data: cats, name: 'destination', nameLocation: 'middle', nameGap: big ? 40 : 100, nameTextStyle: { color: C.muted },
          axisLabel: { color: C.muted, rotate: 60, show: !big }, axisLine: axis.axisLine, splitLine: { show: false }, splitArea: { show: false } },
        yAxis: { type: 'category', data: cats, inverse: true, name: 'source', nameTextStyle: { color: C.muted },
          axisLabel: { color: C.muted, show: !big }, axisLine: axis.axisLine, splitLine: { show: false }, splitArea: { show: false } },
        dataZoom: big ? [{ type: 'inside', xAxisIndex: 0 }, { type: 'inside', yAxisIndex: 0 },
          { type: 'slider', xAxisIndex: 0, height: 14, bottom: 8, showDataShadow: false }, { type: 'slider', yAxisIndex: 0, width: 14, right: 8, showDataShadow: false }] : [],
        series: series
      };
      if (chart === null) {
        chart = mount(el, option);
        chart.on('datazoom', fit);
        window.addEventListener('resize', fit);
      } else chart.setOption(option, { replaceMerge: ['series', 'dataZoom'] });
      fit();
      chart.off('click');
      if (!grouped) chart.on('click', function (p) { location.assign('/ui/matrix/cell/' + d.tags[p.value[4]] + '/' + d.tags[p.value[5]]); });
    }
    [search, stateSel, collapse].forEach(function (c) { if (c) c.addEventListener(c === search ? 'input' : 'change', build); });
    build();
  }
`;
