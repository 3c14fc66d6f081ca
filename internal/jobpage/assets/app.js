// The job page's live transcript: new lines arrive as Server-Sent Events and are added as text
// (never as HTML); when the job ends the page reloads to show its final state.
(function () {
  'use strict';
  var list = document.getElementById('transcript');
  if (!list || !list.dataset.events || !window.EventSource) { return; }
  var last = Number(list.dataset.after || 0);
  var live = document.getElementById('live');
  var steps = document.querySelector('#steps tbody');
  var es = new EventSource(list.dataset.events);

  function cell(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = text;
    return el;
  }

  es.addEventListener('line', function (e) {
    var ev = JSON.parse(e.data);
    if (ev.seq <= last) { return; }
    last = ev.seq;
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    var li = document.createElement('li');
    li.className = 'line ' + ev.kind;
    li.dataset.seq = String(ev.seq);
    li.appendChild(cell('time', '', ev.at));
    li.appendChild(cell('span', 'kind', ev.kind));
    li.appendChild(cell('span', 'text', ev.text));
    list.appendChild(li);
    if (steps && (ev.kind === 'step' || ev.kind === 'error')) {
      var tr = document.createElement('tr');
      tr.className = ev.kind;
      tr.appendChild(cell('td', '', ev.at));
      tr.appendChild(cell('td', '', ''));
      tr.appendChild(cell('td', '', ev.text));
      steps.appendChild(tr);
    }
    if (live) { live.textContent = 'live'; }
    if (atBottom) { li.scrollIntoView({block: 'end'}); }
  });
  es.addEventListener('end', function () {
    es.close();
    if (live) { live.textContent = 'finished'; }
    window.setTimeout(function () { window.location.reload(); }, 300);
  });
  es.onerror = function () { if (live) { live.textContent = 'reconnecting…'; } };
}());
