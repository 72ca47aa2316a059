'use strict';
// Sluice dashboard. Every value from the server reaches the page through textContent or attributes,
// never as markup, so names and messages cannot inject script.

const state = { me: null, csrf: null, stream: null, charts: [], liveHandlers: [] };
const main = () => document.getElementById('main');

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function say(message, isError) {
  const s = document.getElementById('status');
  s.replaceChildren(message ? h('div', { class: 'notice' + (isError ? ' error' : '') }, message) : '');
}

async function api(method, path, body, headers) {
  const opts = { method, headers: Object.assign({}, headers || {}), credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch(path, opts);
  const type = r.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    if (r.status === 401 && !path.startsWith('/api/session')) { location.hash = '#/login'; }
    const err = new Error(typeof data === 'object' ? (data.detail || data.title) : String(data));
    err.problem = typeof data === 'object' ? data : {};
    err.status = r.status;
    throw err;
  }
  return { data, headers: r.headers };
}

const fmt = {
  num: v => (v === null || v === undefined) ? '–' : Number(v).toLocaleString(undefined, { maximumFractionDigits: 1 }),
  mbps: v => fmt.num((v || 0) / 1e6) + ' MB/s',
  ms: v => fmt.num((v || 0) / 1000) + ' ms',
  time: v => v ? new Date(v).toLocaleString() : '–',
  gib: v => fmt.num((v || 0) / 2 ** 30) + ' GiB',
  scope: s => s ? `${s.kind || ''} ${s.id || ''}` : '–',
};

function stateTag(s) { return h('span', { class: 'state ' + (s || ''), text: (s || '–').replace('_', ' ').toLowerCase() }); }

function table(columns, rows, empty) {
  if (!rows || rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', text: c[0] })))),
    h('tbody', {}, rows.map(r => h('tr', {}, columns.map(c => {
      const v = c[1](r);
      return h('td', {}, v instanceof Node ? v : (v === null || v === undefined ? '–' : String(v)));
    }))))));
}

// ------------------------------------------------------------------------------------------ routing

const views = {};
async function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query || '');
  for (const c of state.charts) c.destroy();
  state.charts = [];
  state.liveHandlers = [];
  say('');
  if (!state.me && path !== '/setup') {
    try { await loadMe(); } catch (e) { say('The server is not answering: ' + e.message, true); }
  }
  let name = path.replace(/^\//, '') || 'overview';
  if (!state.me && name !== 'setup') name = 'login';
  document.querySelectorAll('#nav a').forEach(a => a.toggleAttribute('aria-current', a.getAttribute('href') === '#/' + name)
    || a.setAttribute('aria-current', a.getAttribute('href') === '#/' + name ? 'page' : 'false'));
  const view = views[name] || views.overview;
  main().replaceChildren(h('p', { text: 'Loading…' }));
  try {
    await view(params);
  } catch (e) {
    main().replaceChildren(h('h1', { text: 'Could not load this page' }), h('p', { class: 'notice error', text: e.message }));
  }
  main().focus();
}

async function loadMe() {
  const { data } = await api('GET', '/api/session');
  state.me = data.signedIn ? data : null;
  state.csrf = data.signedIn ? data.csrfToken : null;
  state.setupRequired = !!data.setupRequired;
  document.getElementById('nav').hidden = !state.me;
  document.getElementById('logout').hidden = !state.me;
  document.getElementById('who').textContent = state.me ? `${state.me.login} (${state.me.role.toLowerCase()})` : '';
  if (state.me) { startStream(); refreshAlertCount(); }
}

function can(role) {
  const order = ['VIEWER', 'OPERATOR', 'ADMIN'];
  return state.me && order.indexOf(state.me.role) >= order.indexOf(role);
}

// ------------------------------------------------------------------------------------------ live stream

function startStream() {
  if (state.stream) return;
  state.stream = new EventSource('/api/live/stream');
  state.stream.addEventListener('live', ev => {
    const snap = JSON.parse(ev.data);
    state.latest = snap;
    for (const f of state.liveHandlers) f(snap);
  });
  state.stream.addEventListener('unavailable', ev => {
    state.latest = null;
    const detail = JSON.parse(ev.data).detail;
    for (const f of state.liveHandlers) f(null, detail);
  });
}

async function refreshAlertCount() {
  try {
    const { data } = await api('GET', '/api/alerts?state=OPEN');
    const open = data.items.filter(a => !a.acknowledgedAt).length;
    const badge = document.getElementById('alert-count');
    badge.hidden = open === 0;
    badge.textContent = String(open);
    badge.setAttribute('aria-label', open + ' unacknowledged alerts');
  } catch (e) { /* the badge is a hint; the alerts page reports errors */ }
}

// ------------------------------------------------------------------------------------------ sign-in and setup

views.login = async () => {
  if (state.setupRequired) {
    main().replaceChildren(h('h1', { text: 'Sluice is not set up yet' }),
      h('p', { class: 'empty', text: 'No user exists. Open the one-time setup link printed by "sluice web" when it started.' }));
    return;
  }
  const err = h('p', { class: 'field-error', id: 'login-error', role: 'alert' });
  const form = h('form', { class: 'grid', 'aria-describedby': 'login-error' },
    h('label', {}, 'Login', h('input', { name: 'login', autocomplete: 'username', required: true })),
    h('label', {}, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Sign in' })), err);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      await api('POST', '/api/session', { login: form.login.value, password: form.password.value });
      await loadMe();
      location.hash = '#/overview';
    } catch (e) { err.textContent = e.message; }
  });
  main().replaceChildren(h('h1', { text: 'Sign in' }), form);
};

views.setup = async params => {
  const err = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'grid' },
    h('label', {}, 'Setup token', h('input', { name: 'token', value: params.get('token') || '', required: true })),
    h('label', {}, 'Admin login', h('input', { name: 'login', autocomplete: 'username', required: true })),
    h('label', {}, 'Password (12+ characters)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 12, required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Create admin' })), err);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      await api('POST', '/api/setup', { token: form.token.value, login: form.login.value, password: form.password.value });
      await api('POST', '/api/session', { login: form.login.value, password: form.password.value });
      history.replaceState(null, '', '#/overview');
      await loadMe();
      route();
    } catch (e) { err.textContent = e.message; }
  });
  main().replaceChildren(h('h1', { text: 'Create the first admin' }), form);
};

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('DELETE', '/api/session'); } finally {
    state.me = null; state.csrf = null;
    if (state.stream) { state.stream.close(); state.stream = null; }
    document.getElementById('nav').hidden = true;
    document.getElementById('logout').hidden = true;
    document.getElementById('who').textContent = '';
    location.hash = '#/login';
  }
});

// ------------------------------------------------------------------------------------------ overview

views.overview = async () => {
  const [alerts] = await Promise.all([api('GET', '/api/alerts?state=OPEN').then(r => r.data.items).catch(() => null)]);
  const summary = h('div', { class: 'cards' });
  const slaBox = h('section', { 'aria-labelledby': 'o-sla' }, h('h2', { id: 'o-sla', text: 'SLA compliance' }));
  const volBox = h('section', { 'aria-labelledby': 'o-vol' }, h('h2', { id: 'o-vol', text: 'Volumes and throttle levels' }));
  const alertBox = h('section', { 'aria-labelledby': 'o-al' }, h('h2', { id: 'o-al', text: 'Open alerts' }),
    alerts === null ? h('p', { class: 'notice error', text: 'Alerts unavailable: the database manager is not answering.' })
      : table([['Severity', a => stateTag(a.severity)], ['Message', a => a.message], ['Since', a => fmt.time(a.openedAt)]],
        alerts, 'No open alerts.'));
  const slaBody = h('div');
  const volBody = h('div');
  slaBox.append(slaBody);
  volBox.append(volBody);
  const render = (snap, detail) => {
    if (!snap) {
      summary.replaceChildren(h('p', { class: 'notice error', text: 'Live data unavailable: ' + (detail || 'waiting for the SLA services') }));
      return;
    }
    const count = s => snap.compliance.filter(c => c.state === s).length;
    summary.replaceChildren(
      h('div', { class: 'card' }, h('div', { text: 'Met' }), h('div', { class: 'big state MET', text: count('MET') })),
      h('div', { class: 'card' }, h('div', { text: 'At risk' }), h('div', { class: 'big state AT_RISK', text: count('AT_RISK') })),
      h('div', { class: 'card' }, h('div', { text: 'Violated' }), h('div', { class: 'big state VIOLATED', text: count('VIOLATED') })),
      h('div', { class: 'card' }, h('div', { text: 'Open alerts' }), h('div', { class: 'big', text: alerts ? alerts.length : '–' })));
    slaBody.replaceChildren(table([['SLA', c => c.sla], ['Scope', c => fmt.scope(c.scope)], ['State', c => stateTag(c.state)],
      ['Met (1 min)', c => fmt.num(c.metPercent1m) + ' %'], ['Met (1 h)', c => fmt.num(c.metPercent1h) + ' %']],
      snap.compliance, h('span', {}, 'No SLAs yet. ', h('a', { href: '#/slas', text: 'Create the first SLA' }), ' to start enforcing limits.')));
    volBody.replaceChildren(table([['Volume', v => h('a', { href: '#/live?volume=' + v.volumeId, text: v.volumeId })],
      ['SLA', v => v.sla || '–'], ['State', v => stateTag(v.state)], ['IOPS', v => fmt.num(v.iops)],
      ['Throttle (IOPS limit)', v => v.iopsLimit ? fmt.num(v.iopsLimit) : 'none'], ['p99 latency', v => fmt.ms(v.latencyP99Micros)]],
      snap.volumes, 'No volumes reported yet. Start a gateway and approve it on the Gateways page.'));
  };
  state.liveHandlers.push(render);
  render(state.latest, 'waiting for the first update');
  main().replaceChildren(h('h1', { text: 'Overview' }), summary, slaBox, volBox, alertBox);
};

// ------------------------------------------------------------------------------------------ live charts

function lineChart(canvas, label, datasets, yTitle) {
  // eslint-disable-next-line no-undef
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: datasets.map(d => ({ label: d, data: [], pointRadius: 0, borderWidth: 2, tension: 0.2 })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { title: { display: true, text: label } },
      scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } } },
  });
  state.charts.push(chart);
  return chart;
}

function pushPoint(chart, label, values, keep) {
  chart.data.labels.push(label);
  values.forEach((v, i) => chart.data.datasets[i].data.push(v));
  while (chart.data.labels.length > keep) {
    chart.data.labels.shift();
    chart.data.datasets.forEach(d => d.data.shift());
  }
  chart.update('none');
}

views.live = async params => {
  const { data: vols } = await api('GET', '/api/live/volumes').catch(e => ({ data: { items: [], error: e.message } }));
  const groups = await api('GET', '/api/live/groups').then(r => r.data.items).catch(() => []);
  const choices = vols.items.map(v => ({ key: 'v' + v.volumeId, text: 'Volume ' + v.volumeId + (v.sla ? ' (' + v.sla + ')' : '') }))
    .concat(groups.map(g => ({ key: 'g' + g.kind + ':' + g.id, text: 'Group ' + g.kind.toLowerCase() + ' ' + g.id })));
  if (choices.length === 0) {
    main().replaceChildren(h('h1', { text: 'Live' }), h('p', { class: 'empty', text: vols.error
      ? 'Live data unavailable: ' + vols.error : 'No volumes are reporting yet. Approve a gateway on the Gateways page; its volumes appear here within a second.' }));
    return;
  }
  const wanted = params.get('volume') ? 'v' + params.get('volume') : (params.get('group') ? 'g' + params.get('group') : choices[0].key);
  const select = h('select', { id: 'live-target', name: 'target' },
    choices.map(c => h('option', { value: c.key, selected: c.key === wanted, text: c.text })));
  select.addEventListener('change', () => { location.hash = '#/live?' + (select.value[0] === 'v' ? 'volume=' + select.value.slice(1) : 'group=' + encodeURIComponent(select.value.slice(1))); });
  const key = select.value;
  const canvases = [1, 2, 3, 4].map(i => h('canvas', { id: 'chart-' + i, role: 'img' }));
  const boxes = canvases.map(c => h('div', { class: 'chart-box' }, c));
  const readout = h('p', { id: 'live-readout', 'aria-live': 'off' });
  main().replaceChildren(h('h1', { text: 'Live' }), h('label', {}, 'Show', select), readout, h('div', { class: 'charts' }, boxes));
  canvases[0].setAttribute('aria-label', 'IOPS against the IOPS limit');
  canvases[1].setAttribute('aria-label', 'Bandwidth in MB/s');
  canvases[2].setAttribute('aria-label', 'Latency p50 and p99 against the target');
  canvases[3].setAttribute('aria-label', 'Throttle level');
  const iops = lineChart(canvases[0], 'IOPS', ['IOPS', 'Limit'], 'IO/s');
  const mbps = lineChart(canvases[1], 'Bandwidth', ['MB/s'], 'MB/s');
  const lat = lineChart(canvases[2], 'Latency', ['p50', 'p99', 'Target'], 'ms');
  const thr = lineChart(canvases[3], 'Throttle level (IOPS limit)', ['Limit'], 'IO/s');
  const keep = 120;
  if (key[0] === 'v') {
    const id = key.slice(1);
    const hist = await api('GET', '/api/live/volumes/' + encodeURIComponent(id) + '?seconds=60').then(r => r.data.points).catch(() => []);
    for (const p of hist) {
      const t = new Date(p.t).toLocaleTimeString();
      pushPoint(iops, t, [p.iops, p.iopsLimit || null], keep);
      pushPoint(mbps, t, [p.bytesPerSec / 1e6], keep);
      pushPoint(lat, t, [p.latencyP50Micros / 1000, p.latencyP99Micros / 1000, null], keep);
      pushPoint(thr, t, [p.iopsLimit || 0], keep);
    }
  }
  if (key[0] === 'v') main().append(historySection(key.slice(1)));
  state.liveHandlers.push((snap, detail) => {
    if (!snap) { readout.textContent = 'Live data unavailable: ' + (detail || ''); return; }
    const t = new Date(snap.at).toLocaleTimeString();
    let row;
    if (key[0] === 'v') row = snap.volumes.find(v => 'v' + v.volumeId === key);
    else row = snap.groups.find(g => 'g' + g.kind + ':' + g.id === key);
    if (!row) { readout.textContent = 'Not reporting in the latest interval.'; return; }
    readout.textContent = `${fmt.num(row.iops)} IOPS, ${fmt.mbps(row.bytesPerSec)}` + (row.latencyP99Micros !== undefined ? `, p99 ${fmt.ms(row.latencyP99Micros)}` : '')
      + `, state ${(row.state || '').toLowerCase()}`;
    pushPoint(iops, t, [row.iops, row.iopsLimit || null], keep);
    pushPoint(mbps, t, [row.bytesPerSec / 1e6], keep);
    pushPoint(lat, t, [(row.latencyP50Micros || 0) / 1000, (row.latencyP99Micros || 0) / 1000, row.latencyTargetMicros ? row.latencyTargetMicros / 1000 : null], keep);
    pushPoint(thr, t, [row.iopsLimit || 0], keep);
  });
};

/** The most pages of stored history one chart asks for. */
const HISTORY_PAGES = 12;

function historySection(volumeId) {
  const range = h('select', { id: 'history-range', name: 'range' },
    [['1 hour', 3600e3], ['1 day', 86400e3], ['7 days', 7 * 86400e3], ['30 days', 30 * 86400e3]].map(([t, v]) => h('option', { value: v, text: t })));
  const resolution = h('select', { id: 'history-resolution', name: 'resolution' },
    [['automatic', ''], ['1 second', '1s'], ['1 minute', '1m'], ['1 hour', '1h']].map(([t, v]) => h('option', { value: v, text: t })));
  const canvas = h('canvas', { id: 'history-chart', role: 'img', 'aria-label': 'Stored IOPS and p99 latency history' });
  const note = h('p', { id: 'history-note', 'aria-live': 'polite' });
  let chart = null;
  let latest = 0;
  const load = async () => {
    const to = Date.now(), from = to - Number(range.value);
    const q = `from=${from}&to=${to}` + (resolution.value ? '&resolution=' + resolution.value : '');
    const mine = ++latest;
    try {
      // A page covers a stretch of windows from the start of the range, so the recent data of a long
      // range is pages away: follow them (an hour at 1 s is about five).
      let points = [], res = '', next = null, pages = 0;
      do {
        const { data } = await api('GET', `/api/volumes/${encodeURIComponent(volumeId)}/history?${q}`
          + (next ? '&after=' + encodeURIComponent(next) : ''));
        // An answer to a choice since changed must not overwrite the newer one.
        if (mine !== latest) return;
        points = points.concat(data.points);
        res = data.resolution;
        next = data.next;
      } while (next && ++pages < HISTORY_PAGES);
      if (chart) { chart.destroy(); state.charts = state.charts.filter(c => c !== chart); }
      chart = lineChart(canvas, `History at ${res} resolution`, ['IOPS', 'p99 latency (ms)'], 'value');
      // One redraw for all the points: an hour at 1 s is thousands of them.
      chart.data.labels = points.map(p => new Date(p.t).toLocaleString());
      chart.data.datasets[0].data = points.map(p => p.iops);
      chart.data.datasets[1].data = points.map(p => p.latencyP99Micros / 1000);
      chart.update('none');
      note.textContent = points.length ? `${points.length} points` + (next ? ' (more are stored: narrow the range or choose a coarser resolution)' : '')
        : 'Nothing stored for this period yet.';
    } catch (e) { if (mine === latest) note.textContent = e.message; }
  };
  range.addEventListener('change', load);
  resolution.addEventListener('change', load);
  setTimeout(load, 0);
  return h('section', { 'aria-labelledby': 'h-hist' }, h('h2', { id: 'h-hist', text: 'History' }),
    h('div', { class: 'actions' }, h('label', {}, 'Period', range), h('label', {}, 'Resolution', resolution)), note,
    h('div', { class: 'chart-box' }, canvas));
}

// ------------------------------------------------------------------------------------------ policies and groups

function documentPage(collection, title, example, empty) {
  return async params => {
    const { data } = await api('GET', '/api/' + collection);
    const editing = params.get('edit') ? data.items.find(d => d.name === params.get('edit')) : null;
    const parts = [h('h1', { text: title })];
    if (can('OPERATOR')) {
      const text = h('textarea', { id: collection + '-spec', name: 'spec', rows: 8, spellcheck: 'false',
        'aria-describedby': collection + '-err' });
      text.value = JSON.stringify(editing ? editing.spec : example, null, 2);
      const err = h('p', { class: 'field-error', id: collection + '-err', role: 'alert' });
      const form = h('form', { class: 'grid' }, h('label', { for: collection + '-spec', class: 'wide' },
        editing ? `Edit ${editing.name} (version ${editing.version}) as JSON` : 'New, as JSON', text),
        h('div', { class: 'actions' }, h('button', { type: 'submit', text: editing ? 'Save changes' : 'Create' })), err);
      form.addEventListener('submit', async ev => {
        ev.preventDefault();
        let spec;
        try { spec = JSON.parse(text.value); } catch (e) { err.textContent = 'Not valid JSON: ' + e.message; return; }
        try {
          const saved = editing
            ? await api('PUT', `/api/${collection}/${encodeURIComponent(editing.name)}`, spec, { 'If-Match': '"' + editing.version + '"' })
            : await api('POST', '/api/' + collection, spec);
          history.replaceState(null, '', '#/' + collection);
          await route();
          say(`Saved ${saved.data.name} (version ${saved.data.version}).`);
        } catch (e) { err.textContent = e.message + (e.problem && e.problem.field ? ` (field ${e.problem.field}, rule ${e.problem.rule})` : ''); }
      });
      parts.push(form);
    }
    parts.push(table([['Name', d => d.name], ['Kind', d => d.spec.kind || '–'], ['Version', d => d.version],
      ['Updated', d => `${fmt.time(d.updatedAt)} by ${d.updatedBy}`],
      ['', d => can('OPERATOR') ? h('a', { href: `#/${collection}?edit=${encodeURIComponent(d.name)}`, text: 'Edit' }) : '']],
    data.items, empty));
    main().replaceChildren(...parts);
  };
}

views.policies = documentPage('policies', 'Policies', { name: 'nightly-backup', kind: 'TIME_WINDOW',
  window: { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '01:00', end: '05:00', zone: 'UTC' },
  appliesTo: { priority: 'BACKGROUND' }, iopsLimitFactor: 4.0 },
'No policies yet. A policy changes limits by time of day or reacts to SLA violations; edit the example above to create one.');
views.groups = documentPage('groups', 'Groups', { name: 'payments', kind: 'TENANT', members: [1, 2] },
  'No groups yet. A group gathers volumes (a tenant, host or pool) so they can be watched and limited together.');

// ------------------------------------------------------------------------------------------ SLA editor

const SLA_FIELDS = [
  ['name', 'Name', 'text'], ['scope.kind', 'Scope', ['VOLUME', 'TENANT', 'HOST', 'POOL']], ['scope.id', 'Scope id', 'text'],
  ['iopsLimit', 'IOPS limit (0 = none)', 'number'], ['reservedIops', 'Reserved IOPS', 'number'],
  ['bandwidthLimit', 'Bandwidth limit (bytes/s)', 'number'], ['reservedBandwidth', 'Reserved bandwidth (bytes/s)', 'number'],
  ['weight', 'Weight', 'number'], ['priority', 'Priority', ['STANDARD', 'CRITICAL', 'BEST_EFFORT', 'BACKGROUND']],
  ['latency.percentile', 'Latency percentile', 'number'], ['latency.readMicros', 'Read latency target (µs)', 'number'],
  ['latency.writeMicros', 'Write latency target (µs)', 'number'], ['compliance.targetPercent', 'Compliance target (%)', 'number'],
];

function getPath(o, p) { return p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o); }
function setPath(o, p, v) { const ks = p.split('.'); let a = o; ks.slice(0, -1).forEach(k => { a = a[k] = a[k] || {}; }); a[ks[ks.length - 1]] = v; }

function slaForm(doc, onSaved) {
  const spec = doc ? doc.spec : { scope: { kind: 'VOLUME' }, priority: 'STANDARD' };
  const errors = {};
  const form = h('form', { class: 'grid', id: 'sla-form', novalidate: true });
  for (const [path, label, type] of SLA_FIELDS) {
    const id = 'f-' + path.replace('.', '-');
    const value = getPath(spec, path);
    const input = Array.isArray(type)
      ? h('select', { id, name: path }, type.map(t => h('option', { value: t, selected: value === t, text: t })))
      : h('input', { id, name: path, type, value: value ?? '', min: type === 'number' ? 0 : null, readonly: path === 'name' && doc ? true : null,
        'aria-describedby': id + '-err' });
    errors[path] = h('span', { class: 'field-error', id: id + '-err' });
    form.append(h('label', { for: id }, label, input, errors[path]));
  }
  const result = h('p', { class: 'field-error', role: 'alert' });
  form.append(h('div', { class: 'actions' }, h('button', { type: 'submit', text: doc ? 'Save changes' : 'Create SLA' })), result);
  const read = () => {
    const s = {};
    for (const [path, , type] of SLA_FIELDS) {
      const v = form.elements[path].value.trim();
      if (v === '') continue;
      setPath(s, path, type === 'number' ? Number(v) : v);
    }
    return s;
  };
  const showProblem = p => {
    Object.values(errors).forEach(e => { e.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
    if (p && p.field && errors[p.field]) {
      errors[p.field].textContent = (p.detail || p.title) + (p.rule ? ` (${p.rule})` : '');
      form.elements[p.field].setAttribute('aria-invalid', 'true');
      return true;
    }
    return false;
  };
  let timer = null;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!form.elements.name.value) return;
      try { await api('POST', '/api/slas/validate', read()); showProblem(null); result.textContent = ''; }
      catch (e) { if (!showProblem(e.problem)) result.textContent = e.message; }
    }, 300);
  });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearTimeout(timer);
    try {
      const saved = doc
        ? await api('PUT', '/api/slas/' + encodeURIComponent(doc.name), read(), { 'If-Match': '"' + doc.version + '"' })
        : await api('POST', '/api/slas', read());
      showProblem(null);
      await onSaved(saved.data);
      say(`Saved ${saved.data.name} (version ${saved.data.version}).` + (saved.data.apply && saved.data.apply.applied === false ? ' ' + saved.data.apply.detail : ''));
    } catch (e) {
      if (e.status === 409) result.textContent = 'Someone else changed this SLA (now version ' + e.problem.currentVersion + '). Reload it and apply your change again.';
      else if (!showProblem(e.problem)) result.textContent = e.message;
    }
  });
  return form;
}

views.slas = async params => {
  const { data } = await api('GET', '/api/slas');
  const editing = params.get('edit') ? data.items.find(d => d.name === params.get('edit')) : null;
  const list = table([
    ['Name', d => d.name], ['Scope', d => fmt.scope(d.spec.scope)], ['IOPS limit', d => fmt.num(d.spec.iopsLimit)],
    ['Reserved', d => fmt.num(d.spec.reservedIops)], ['Priority', d => d.spec.priority || '–'], ['Version', d => d.version],
    ['', d => can('OPERATOR') ? h('span', {}, h('a', { href: '#/slas?edit=' + encodeURIComponent(d.name), text: 'Edit' }), ' ',
      h('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': 'Delete ' + d.name, onclick: async () => {
        if (!confirm('Delete SLA ' + d.name + '?')) return;
        try { await api('DELETE', '/api/slas/' + encodeURIComponent(d.name), undefined, { 'If-Match': '"' + d.version + '"' }); route(); }
        catch (e) { say(e.message, true); }
      } })) : '']],
    data.items, 'No SLAs yet. Fill in the form above to create one: a name, what it applies to, and its limits.');
  const parts = [h('h1', { text: 'SLAs' })];
  if (can('OPERATOR')) {
    parts.push(h('h2', { text: editing ? 'Edit ' + editing.name : 'New SLA' }),
      slaForm(editing, () => { if (editing) history.replaceState(null, '', '#/slas'); return route(); }));
  }
  parts.push(h('h2', { text: 'All SLAs' }), list);
  main().replaceChildren(...parts);
};

// ------------------------------------------------------------------------------------------ gateways

views.gateways = async () => {
  const { data } = await api('GET', '/api/gateways');
  const act = (g, verb) => h('button', { type: 'button', class: verb === 'approve' ? '' : 'danger', text: verb[0].toUpperCase() + verb.slice(1),
    'aria-label': verb + ' gateway ' + g.gatewayId, onclick: async () => {
      try { await api('POST', `/api/gateways/${g.gatewayId}/${verb}`); say(`Gateway ${g.gatewayId}: ${verb} done.`); route(); }
      catch (e) { say(e.message, true); }
    } });
  const pending = data.items.filter(g => g.state === 'PENDING');
  const parts = [h('h1', { text: 'Gateways' }), h('h2', { text: 'Registration queue' }),
    table([['Gateway', g => g.gatewayId], ['Address', g => g.address], ['Last seen', g => fmt.time(g.lastSeen)],
      ['', g => can('ADMIN') ? h('span', { class: 'actions' }, act(g, 'approve'), act(g, 'reject')) : '']],
    pending, 'No gateway is waiting for approval. A gateway started with the monitor\'s address appears here.'),
    h('h2', { text: 'All gateways' }),
    table([['Gateway', g => g.gatewayId], ['State', g => g.state], ['Address', g => g.address],
      ['Volumes', g => g.live ? (g.live.volumes || []).join(', ') : '–'],
      ['', g => can('ADMIN') && g.state === 'APPROVED' ? act(g, 'revoke') : '']],
    data.items, 'No gateways registered yet.')];
  if (can('ADMIN')) {
    const out = h('div');
    parts.push(h('h2', { text: 'Enrollment tokens' }), h('button', { type: 'button', text: 'Issue enrollment token', onclick: async () => {
      try {
        const r = await api('POST', '/api/gateways/enrollment-tokens', {});
        out.replaceChildren(h('p', { text: 'Shown once. ' + r.data.use }), h('p', { class: 'secret', text: r.data.token }));
      } catch (e) { say(e.message, true); }
    } }), out);
  }
  main().replaceChildren(...parts);
};

// ------------------------------------------------------------------------------------------ alerts

views.alerts = async () => {
  const { data } = await api('GET', '/api/alerts');
  main().replaceChildren(h('h1', { text: 'Alerts' }), table([
    ['Severity', a => stateTag(a.severity)], ['State', a => a.state], ['Message', a => a.message],
    ['Opened', a => fmt.time(a.openedAt)],
    ['Acknowledged', a => a.acknowledgedAt ? `${a.acknowledgedBy} at ${fmt.time(a.acknowledgedAt)}`
      : (can('OPERATOR') ? h('button', { type: 'button', text: 'Acknowledge', 'aria-label': 'Acknowledge alert ' + a.id, onclick: async () => {
        try { await api('POST', `/api/alerts/${a.id}/ack`); refreshAlertCount(); route(); } catch (e) { say(e.message, true); }
      } }) : 'no')]],
  data.items, 'No alerts. Alerts appear here when an SLA is missed repeatedly or storage is filling up.'));
};

// ------------------------------------------------------------------------------------------ capacity

views.capacity = async () => {
  const { data } = await api('GET', '/api/forecasts');
  main().replaceChildren(h('h1', { text: 'Capacity forecast' }), table([
    ['Backend', f => f.backendId], ['Used', f => fmt.gib(f.usedBytes)], ['Capacity', f => fmt.gib(f.capacityBytes)],
    ['Growth per day', f => fmt.gib(f.bytesPerDay)], ['Days until full', f => f.daysUntilFull == null ? 'not growing' : fmt.num(f.daysUntilFull)],
    ['Severity', f => stateTag(f.severity)]],
  data.items, 'No forecast yet: forecasts need a few reports of each backend\'s used space.'));
};

// ------------------------------------------------------------------------------------------ compliance

views.compliance = async params => {
  const now = Date.now();
  const from = Number(params.get('from')) || now - 30 * 86400000;
  const to = Number(params.get('to')) || now;
  const live = await api('GET', '/api/compliance').then(r => r.data.items).catch(e => { say(e.message, true); return []; });
  const { data: report } = await api('GET', `/api/compliance/report?from=${from}&to=${to}`);
  const day = v => new Date(v).toISOString().slice(0, 10);
  const form = h('form', { class: 'grid' },
    h('label', {}, 'From', h('input', { type: 'date', name: 'from', value: day(from) })),
    h('label', {}, 'To', h('input', { type: 'date', name: 'to', value: day(to) })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Show report' }),
      h('a', { href: `/api/compliance/report?from=${from}&to=${to}&format=csv`, download: 'compliance.csv', text: 'Download CSV' })));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const f = Date.parse(form.from.value), t = Date.parse(form.to.value) + 86400000;
    location.hash = `#/compliance?from=${f}&to=${t}`;
  });
  main().replaceChildren(h('h1', { text: 'Compliance' }), h('h2', { text: 'Now' }),
    table([['SLA', c => c.sla], ['Scope', c => fmt.scope(c.scope)], ['State', c => stateTag(c.state)],
      ['Limit', c => stateTag(c.dimensions && c.dimensions.LIMIT)], ['Reservation', c => stateTag(c.dimensions && c.dimensions.RESERVATION)],
      ['Latency', c => stateTag(c.dimensions && c.dimensions.LATENCY)], ['Met (30 d)', c => fmt.num(c.metPercent30d) + ' %']],
    live, 'No SLAs to judge yet. Create one on the SLAs page.'),
    h('h2', { text: 'Report' }), form,
    table([['SLA', i => i.sla], ['Scope', i => fmt.scope(i.scope)], ['Dimension', i => i.dimension], ['Intervals', i => i.intervals],
      ['Met', i => fmt.num(i.metPercent) + ' %'], ['Target', i => fmt.num(i.targetPercent) + ' %'], ['Compliant', i => i.compliant ? 'yes' : 'no']],
    report.items, 'Nothing recorded in this period.'));
};

// ------------------------------------------------------------------------------------------ health

views.health = async () => {
  const { data } = await api('GET', '/api/health');
  main().replaceChildren(h('h1', { text: 'Health' }),
    table([['Process', p => p[0]], ['Up', p => p[1].up ? 'yes' : 'no'], ['Detail', p => p[1].detail || '']],
      Object.entries(data.processes), 'No processes.'),
    table([['Mailbox', m => m.role], ['Callee alive', m => m.calleeAlive ? 'yes' : 'no'], ['Posted', m => m.posted],
      ['Taken', m => m.taken], ['Free', m => m.free], ['Slots', m => m.slots]],
    data.mailboxes, 'No mailboxes.'));
};

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', route);
