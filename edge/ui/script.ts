/**
 * The dashboard's one script, as a string (served by assets.ts). Pages work
 * without it except for the two things only a script can do: an upload with
 * a progress bar, and live flows from the SSE stream. Text from the server
 * goes into the page as textContent only, never as markup.
 */
export const SCRIPT = `(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  function say(el, text, kind) { if (!el) return; el.textContent = text; el.className = 'notice' + (kind ? ' ' + kind : ''); el.hidden = false; }

  // Upload: POST the file (multipart, plain or gzip) to the runs API with progress, then show its run.
  var form = $('upload-form');
  if (form) form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('upload-file'), bar = $('upload-progress'), status = $('upload-status');
    var file = input && input.files && input.files[0];
    if (!file) { say(status, 'Choose a syslog file first.', 'error'); return; }
    var xhr = new XMLHttpRequest();
    var q = new URLSearchParams({ classifier: $('upload-classifier').value });
    var body = new FormData();
    body.append('file', file, file.name);
    xhr.open('POST', '/api/v1/runs?' + q.toString());
    xhr.setRequestHeader('accept', 'application/json');
    bar.hidden = false; bar.value = 0;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; say(status, 'Uploading: ' + Math.round(100 * e.loaded / e.total) + '%'); }
    };
    xhr.upload.onload = function () { say(status, 'Uploaded; analysing…'); };
    xhr.onerror = function () { say(status, 'The upload failed: the server could not be reached.', 'error'); };
    xhr.onload = function () {
      var res = null;
      try { res = JSON.parse(xhr.responseText); } catch (e) { res = null; }
      if (xhr.status >= 200 && xhr.status < 300 && res && res.id) {
        say(status, 'Done.', 'ok');
        location.assign('/ui/upload/' + encodeURIComponent(res.id));
      } else {
        say(status, 'The analysis failed (' + xhr.status + '): ' + ((res && (res.detail || res.title)) || xhr.statusText), 'error');
      }
    };
    say(status, 'Uploading…');
    xhr.send(body);
  });

  // Live flows: the SSE stream feeds the flows table and the overview's rate.
  var table = $('flows-live'), rate = $('flow-rate'), live = $('live-status');
  if ((table || rate) && window.EventSource) {
    var seen = [];
    var es = new EventSource('/api/v1/flows/stream');
    es.onopen = function () { if (live) live.textContent = 'live'; };
    es.onerror = function () { if (live) live.textContent = es.readyState === 2 ? 'stream unavailable' : 'reconnecting…'; };
    var names = {};
    try { names = JSON.parse((table && table.getAttribute('data-names')) || '{}'); } catch (e) { names = {}; }
    var label = function (tag) { return (names[tag] || (tag === 0 ? 'Unknown' : 'SGT' + tag)) + ' (' + tag + ')'; };
    var cell = function (tr, text, cls) { var td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); };
    var onFlow = function (ev) {
      var d; try { d = JSON.parse(ev.data); } catch (e) { return; }
      var list = Array.isArray(d) ? d : (d && Array.isArray(d.flows) ? d.flows : [d]);
      list.forEach(function (f) {
        if (!f || typeof f !== 'object') return;
        seen.push(Date.now());
        document.dispatchEvent(new CustomEvent('scopilot:flow', { detail: f }));
        if (!table) return;
        var tb = table.tBodies[0], tr = document.createElement('tr');
        var at = f.lastSeenMs || f.atMs || Date.parse(f.lastSeen || f.at || '') || Date.now();
        cell(tr, new Date(at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
        cell(tr, label(f.sgt));
        cell(tr, label(f.dgt));
        cell(tr, String(f.protocol || '?') + '/' + (f.dstPort === undefined || f.dstPort === null ? 'any' : f.dstPort));
        cell(tr, String(f.hits === undefined ? '' : f.hits), 'n');
        cell(tr, String(f.events === undefined ? '' : f.events), 'n');
        tb.insertBefore(tr, tb.firstChild);
        while (tb.rows.length > 200) tb.deleteRow(tb.rows.length - 1);
      });
    };
    ['flow', 'message'].forEach(function (n) { es.addEventListener(n, onFlow); });
    if (rate) setInterval(function () {
      var now = Date.now();
      while (seen.length && seen[0] < now - 10000) seen.shift();
      rate.textContent = (seen.length / 10).toFixed(1);
    }, 1000);
  }
})();
`;
