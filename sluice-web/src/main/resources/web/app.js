'use strict';
// Sluice dashboard. Every value from the server reaches the page through textContent or attributes,
// never as markup, so names and messages cannot inject script.

const state = { me: null, csrf: null, stream: null, charts: [], liveHandlers: [], names: new Map() };
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
  scope: s => !s ? '–' : (s.kind === 'VOLUME' && s.id ? nameOf(s.id) : `${s.kind || ''} ${s.id || ''}`),
};

// ------------------------------------------------------------------------------------------ volume names

/**
 * A volume's throttle level: "manual" with who set it and until when while an operator's throttle is in force (the
 * SLA services send exactly it), else the IOPS limit the services last sent.
 */
function throttleLevel(v) {
  const m = v.manual;
  if (!m) return v.iopsLimit ? fmt.num(v.iopsLimit) : 'none';
  const limits = [m.iopsLimit ? fmt.num(m.iopsLimit) + ' IOPS' : null,
    m.bandwidthLimit ? fmt.mbps(m.bandwidthLimit) : null].filter(x => x).join(', ');
  const why = `set by ${m.setBy} at ${fmt.time(m.setAt)}` + (m.reason ? ': ' + m.reason : '');
  return h('span', { class: 'manual', title: why },
    h('strong', { text: 'manual ' }), limits, h('small', { text: ` (${m.setBy}, until ${fmt.time(m.expiresAt)})` }));
}

/** Volumes per page of every volume table: a few screens, never thousands of rows. */
const PAGE = 50;

/** Learns the names of volumes as rows arrive, so pages that only hold an id (an SLA scope, an alert) can show a name. */
function rememberNames(volumes) {
  for (const v of volumes || []) if (v.name) state.names.set(String(v.volumeId), v.name);
}

function knownName(v) { return v.name || state.names.get(String(v.volumeId)); }

function nameOf(volumeId) { return knownName({ volumeId }) || 'volume ' + volumeId; }

/** How a person reads a volume: its name when the back-end knows one, else its id. */
function volumeName(v) { return knownName(v) || 'volume ' + v.volumeId; }

/** A volume's name linking to its live page (keyed by id); the id stays a hover or a glance away. */
function volumeLink(v) {
  return h('a', { href: '#/live?volume=' + v.volumeId, title: 'volume id ' + v.volumeId, class: 'volume' }, volumeName(v),
    knownName(v) ? h('small', { class: 'id', text: ' #' + v.volumeId }) : null);
}

/** Everything a filter box matches a live or registry volume row on: names, SLA and id. */
function volumeSearchText(v) {
  return [volumeName(v), v.exportName, v.gatewayName, v.sla || (v.live && v.live.sla), v.volumeId].filter(x => x != null).join('\n').toLowerCase();
}

/** Previous / next buttons around a "where am I" text; the caller decides what a page is. */
function pager(id, onPrevious, onNext) {
  const previous = h('button', { type: 'button', class: 'secondary', id: id + '-previous', text: 'Previous', onclick: onPrevious });
  const next = h('button', { type: 'button', class: 'secondary', id: id + '-next', text: 'Next', onclick: onNext });
  const where = h('span', { id: id + '-where', 'aria-live': 'polite' });
  const control = {
    el: h('div', { class: 'pager' }, previous, where, next),
    set(hasPrevious, hasNext, text) { previous.disabled = !hasPrevious; next.disabled = !hasNext; where.textContent = text; },
  };
  control.set(false, false, '');
  return control;
}

function filterBox(id, value, label) {
  return h('input', { type: 'search', id, value: value || '', maxlength: 200, autocomplete: 'off', 'aria-label': label,
    placeholder: 'Filter by name, gateway, SLA or id' });
}

/**
 * A table over rows already in memory, shown a page at a time and narrowed by a filter box. The filter
 * and page survive new rows (the live stream replaces them every second), so a person can keep reading.
 */
function pagedTable(id, columns, empty) {
  const filter = filterBox(id + '-filter', '', 'Filter volumes');
  const body = h('div', { id: id + '-rows' });
  let rows = [], page = 0;
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? rows.filter(r => volumeSearchText(r).includes(q)) : rows;
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    body.replaceChildren(table(columns, shown.slice(page * PAGE, (page + 1) * PAGE), q && rows.length ? 'No volume matches "' + filter.value.trim() + '".' : empty));
    paging.set(page > 0, page < pages - 1, shown.length === 0 ? '' : `${page * PAGE + 1}–${Math.min(shown.length, (page + 1) * PAGE)} of ${shown.length}`);
  };
  const paging = pager(id, () => { page--; render(); }, () => { page++; render(); });
  filter.addEventListener('input', () => { page = 0; render(); });
  return { el: h('div', {}, h('div', { class: 'filter' }, filter), body, paging.el), show(r) { rows = r || []; render(); } };
}

/** The alert's volume, when its key names one ("<dimension>:volume-<id>"). */
function alertVolume(a) {
  const m = /:volume-(\d+)$/.exec(a.key || '');
  return m ? volumeLink({ volumeId: Number(m[1]) }) : '–';
}

/** Fills the name cache before a page that only holds ids renders, when no live update has arrived yet. */
async function ensureNames() {
  if (state.names.size > 0 || state.latest) return;
  await api('GET', '/api/live/volumes').then(r => rememberNames(r.data.items)).catch(() => {});
}

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
  document.title = 'Sluice';
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
  showPair();
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
  if (state.me) { startStream(); refreshAlertCount(); followPair(); }
}

// ------------------------------------------------------------------------------------------ the pair

// A standby server (one of a pair, not holding the lease) refuses every change with 503 "standby": the
// page says so, names the active, and disables the buttons marked data-edit. It asks again every few
// seconds, so a takeover that promotes this server lifts it without a reload.
const PAIR_EVERY_MS = 5000;

function followPair() {
  refreshPair();
  if (!state.pairTimer) state.pairTimer = setInterval(refreshPair, PAIR_EVERY_MS);
}

function stopFollowingPair() {
  if (state.pairTimer) clearInterval(state.pairTimer);
  state.pairTimer = null;
  state.pair = null;
  showPair();
}

async function refreshPair() {
  try { state.pair = (await api('GET', '/api/pair')).data; } catch (e) { return; /* keep the last answer */ }
  showPair();
}

function standby() { return !!(state.pair && !state.pair.acting); }

function showPair() {
  const banner = document.getElementById('pair-banner');
  const on = standby();
  banner.hidden = !on;
  banner.textContent = !on ? ''
    : state.pair.active ? `Standby - the active server is ${state.pair.active}. Make changes there; this server shows the shared history and changes nothing.`
      : 'Standby - no active server is known yet (a takeover may be under way). This server changes nothing.';
  for (const el of main().querySelectorAll('[data-edit]')) {
    el.disabled = on;
    if (on) el.setAttribute('title', 'Read-only on a standby server'); else el.removeAttribute('title');
  }
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
    rememberNames(snap.volumes);
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
    stopFollowingPair();
    document.getElementById('nav').hidden = true;
    document.getElementById('logout').hidden = true;
    document.getElementById('who').textContent = '';
    location.hash = '#/login';
  }
});

// ------------------------------------------------------------------------------------------ overview

views.overview = async () => {
  const [alerts] = await Promise.all([api('GET', '/api/alerts?state=OPEN').then(r => r.data.items).catch(() => null), ensureNames()]);
  const summary = h('div', { class: 'cards' });
  const slaBox = h('section', { 'aria-labelledby': 'o-sla' }, h('h2', { id: 'o-sla', text: 'SLA compliance' }));
  const volBox = h('section', { 'aria-labelledby': 'o-vol' }, h('h2', { id: 'o-vol', text: 'Volumes and throttle levels' }));
  const alertBox = h('section', { 'aria-labelledby': 'o-al' }, h('h2', { id: 'o-al', text: 'Open alerts' }),
    alerts === null ? h('p', { class: 'notice error', text: 'Alerts unavailable: the database manager is not answering.' })
      : table([['Severity', a => stateTag(a.severity)], ['Volume', alertVolume], ['Message', a => a.message], ['Since', a => fmt.time(a.openedAt)]],
        alerts, 'No open alerts.'));
  const slaBody = h('div');
  const volTable = pagedTable('overview-volumes', [['Volume', volumeLink],
    ['SLA', v => v.sla || '–'], ['State', v => stateTag(v.state)], ['IOPS', v => fmt.num(v.iops)],
    ['Throttle (IOPS limit)', throttleLevel], ['p99 latency', v => fmt.ms(v.latencyP99Micros)]],
  'No volumes reported yet. Start a gateway and approve it on the Gateways page.');
  slaBox.append(slaBody);
  volBox.append(volTable.el);
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
    volTable.show(snap.volumes);
  };
  state.liveHandlers.push(render);
  render(state.latest, 'waiting for the first update');
  main().replaceChildren(h('h1', { text: 'Overview' }), summary, slaBox, volBox, alertBox);
};

// ------------------------------------------------------------------------------------------ volumes

/**
 * Every registered volume, a page at a time from the server: the database manager filters (q) and
 * pages (after = the previous page's next), so thousands of volumes cost one page of rows.
 */
views.volumes = async params => {
  const filter = filterBox('volumes-filter', params.get('q'), 'Filter volumes');
  const body = h('div', { id: 'volumes-rows' });
  // cursors[i] is the after that opens page i; the server only knows how to go forward.
  let cursors = [null], page = 0, latest = 0;
  const load = async () => {
    const mine = ++latest;
    const q = filter.value.trim();
    const query = `limit=${PAGE}` + (q ? '&q=' + encodeURIComponent(q) : '') + (cursors[page] ? '&after=' + encodeURIComponent(cursors[page]) : '');
    try {
      const { data } = await api('GET', '/api/volumes?' + query);
      // An answer for a filter or page since left must not overwrite the newer one.
      if (mine !== latest) return;
      rememberNames(data.items);
      cursors[page + 1] = data.next;
      body.replaceChildren(data.liveKnown ? '' : h('p', { class: 'notice', text: 'Live statistics unavailable: the SLA services are not answering.' }),
        table(VOLUME_COLUMNS, data.items, q ? `No volume matches "${q}".` : 'No volumes registered yet. Approve a gateway on the Gateways page; its volumes appear here.'));
      paging.set(page > 0, !!data.next, data.items.length ? `Page ${page + 1}` : '');
    } catch (e) { if (mine === latest) body.replaceChildren(h('p', { class: 'notice error', text: e.message })); }
  };
  const paging = pager('volumes', () => { page--; load(); }, () => { page++; load(); });
  let timer = null;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const q = filter.value.trim();
      // Kept in the address so a filtered list can be shared or reloaded; replaceState does not re-route.
      history.replaceState(null, '', '#/volumes' + (q ? '?q=' + encodeURIComponent(q) : ''));
      cursors = [null];
      page = 0;
      load();
    }, 250);
  });
  main().replaceChildren(h('h1', { text: 'Volumes' }), h('div', { class: 'filter' }, filter), body, paging.el);
  await load();
};

const VOLUME_COLUMNS = [
  ['Volume', v => h('span', {}, volumeLink(v), v.shared ? h('small', { class: 'id', text: ' (shared)' }) : null)],
  ['Gateway', v => v.gatewayName ? h('span', { title: 'gateway id ' + v.gatewayId, text: v.gatewayName }) : 'gateway ' + v.gatewayId],
  ['Backend', v => v.backendId], ['SLA', v => (v.live && v.live.sla) || '–'], ['State', v => v.live ? stateTag(v.live.state) : '–'],
  ['IOPS', v => v.live ? fmt.num(v.live.iops) : '–'], ['Used', v => `${fmt.gib(v.usedBytes)} of ${fmt.gib(v.allocatedBytes)}`],
];

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

/** The most volumes charted side by side: beyond a handful the lines can no longer be told apart. */
const MAX_CHARTED = 8;
/** Volumes charted before a person chooses: enough to compare, few enough to read. */
const DEFAULT_CHARTED = 5;
/** Matches the picker lists at once; typing more narrows them. */
const PICKER_RESULTS = 10;
const CHARTED_KEY = 'sluice.chartedVolumes';
/** Points a live chart keeps: two minutes at one update a second. */
const KEEP = 120;

/** The volumes to chart: the address's choice, else the last one made in this browser, else those with an SLA, busiest first. */
function chartedVolumes(params, volumes) {
  const saved = params.get('chart') ?? localStorage.getItem(CHARTED_KEY);
  if (saved !== null) return [...new Set(saved.split(',').filter(id => /^\d{1,10}$/.test(id)))].slice(0, MAX_CHARTED);
  return volumes.slice().sort((a, b) => (!!b.sla - !!a.sla) || (b.iops || 0) - (a.iops || 0))
    .slice(0, DEFAULT_CHARTED).map(v => String(v.volumeId));
}

/** The live page's address for a detail target ('v<id>' or 'g<kind:id>') and the charted volumes. */
function liveHash(target, charted) {
  const shown = target[0] === 'v' ? 'volume=' + target.slice(1) : 'group=' + encodeURIComponent(target.slice(1));
  return '#/live?' + shown + '&chart=' + charted.join(',');
}

/** The detail targets offered: the charted volumes, the one asked for, and the groups (a short list, never every volume). */
function targetOptions(charted, wanted, groups) {
  const ids = [...new Set(charted.concat(wanted[0] === 'v' ? [wanted.slice(1)] : []))];
  return ids.map(id => ({ key: 'v' + id, text: nameOf(id) }))
    .concat(groups.map(g => ({ key: 'g' + g.kind + ':' + g.id, text: 'Group ' + g.kind.toLowerCase() + ' ' + g.id })))
    .map(c => h('option', { value: c.key, selected: c.key === wanted, text: c.text }));
}

/**
 * One colour per charted line (Okabe–Ito, told apart by colour-blind readers too). Chart.js colours only
 * the datasets a chart starts with; lines added later would all be grey.
 */
const LINE_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** A chart with one line per charted volume, named in the legend; a volume kept across a change keeps its points. */
function compareChart(canvas, title, yTitle, value) {
  const chart = lineChart(canvas, title, [], yTitle);
  return {
    show(ids) {
      const had = new Map(chart.data.datasets.map(d => [d.volumeId, d]));
      chart.data.datasets = ids.map((id, i) => Object.assign(had.get(id) || { label: nameOf(id), volumeId: id,
        data: chart.data.labels.map(() => null), pointRadius: 0, borderWidth: 2, tension: 0.2 },
      { borderColor: LINE_COLOURS[i], backgroundColor: LINE_COLOURS[i] }));
      chart.update('none');
    },
    push(label, byId) {
      pushPoint(chart, label, chart.data.datasets.map(d => (byId.has(d.volumeId) ? value(byId.get(d.volumeId)) : null)), KEEP);
    },
  };
}

/** Finds volumes by name, SLA or id among thousands and keeps at most MAX_CHARTED of them picked. */
function volumePicker(volumes, picked, onChange) {
  const search = h('input', { type: 'search', id: 'chart-search', autocomplete: 'off', maxlength: 200,
    placeholder: 'Find a volume by name, SLA or id', 'aria-controls': 'chart-results' });
  const results = h('ul', { id: 'chart-results', class: 'picker-results', 'aria-label': 'Matching volumes' });
  const chosen = h('ul', { id: 'chart-picked', class: 'chips', 'aria-label': 'Charted volumes' });
  const note = h('p', { id: 'chart-note', class: 'hint', 'aria-live': 'polite' });
  const change = ids => { picked = ids; render(); onChange(ids); };
  const render = () => {
    chosen.replaceChildren(...picked.map(id => h('li', { title: 'volume id ' + id }, nameOf(id),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': 'Stop charting ' + nameOf(id), text: '×',
        onclick: () => change(picked.filter(x => x !== id)) }))));
    const full = picked.length >= MAX_CHARTED;
    note.textContent = full ? `At most ${MAX_CHARTED} volumes at once: remove one to add another.`
      : `${picked.length} charted (at most ${MAX_CHARTED}); ${volumes.length} volumes reporting.`;
    const q = search.value.trim().toLowerCase();
    const matches = q ? volumes.filter(v => !picked.includes(String(v.volumeId)) && volumeSearchText(v).includes(q)).slice(0, PICKER_RESULTS) : [];
    results.replaceChildren(...matches.map(v => h('li', {}, h('button', { type: 'button', class: 'secondary', disabled: full,
      title: 'volume id ' + v.volumeId, onclick: () => change(picked.concat(String(v.volumeId))) },
    'Add ', volumeName(v), v.sla ? h('small', { class: 'id', text: ' ' + v.sla }) : null))));
  };
  search.addEventListener('input', render);
  render();
  return h('div', { class: 'picker' }, h('label', { for: 'chart-search' }, 'Add a volume to the charts'), search, results, chosen, note);
}

views.live = async params => {
  const { data: vols } = await api('GET', '/api/live/volumes').catch(e => ({ data: { items: [], error: e.message } }));
  const groups = await api('GET', '/api/live/groups').then(r => r.data.items).catch(() => []);
  rememberNames(vols.items);
  if (vols.items.length === 0 && groups.length === 0) {
    main().replaceChildren(h('h1', { text: 'Live' }), h('p', { class: 'empty', text: vols.error
      ? 'Live data unavailable: ' + vols.error : 'No volumes are reporting yet. Approve a gateway on the Gateways page; its volumes appear here within a second.' }));
    return;
  }
  let charted = chartedVolumes(params, vols.items);
  const first = vols.items.length ? 'v' + vols.items[0].volumeId : 'g' + groups[0].kind + ':' + groups[0].id;
  const wanted = params.get('volume') ? 'v' + params.get('volume') : (params.get('group') ? 'g' + params.get('group') : (charted.length ? 'v' + charted[0] : first));
  const select = h('select', { id: 'live-target', name: 'target' }, targetOptions(charted, wanted, groups));
  select.addEventListener('change', () => { location.hash = liveHash(select.value, charted); });
  const key = select.value;
  const title = key[0] === 'v' ? nameOf(key.slice(1)) : select.selectedOptions[0].textContent;
  document.title = title + ' · Live · Sluice';

  const compareIops = h('canvas', { id: 'compare-iops', role: 'img', 'aria-label': 'IOPS of each charted volume' });
  const compareLatency = h('canvas', { id: 'compare-latency', role: 'img', 'aria-label': 'p99 latency of each charted volume' });
  const picker = volumePicker(vols.items, charted, ids => {
    charted = ids;
    localStorage.setItem(CHARTED_KEY, ids.join(','));
    // The address keeps the choice too, so it can be bookmarked; replaceState does not re-route.
    history.replaceState(null, '', liveHash(key, ids));
    select.replaceChildren(...targetOptions(ids, key, groups));
    compared.forEach(c => c.show(ids));
  });

  const canvases = [1, 2, 3, 4].map(i => h('canvas', { id: 'chart-' + i, role: 'img' }));
  const readout = h('p', { id: 'live-readout', 'aria-live': 'off' });
  main().replaceChildren(h('h1', { text: 'Live' }),
    h('section', { 'aria-labelledby': 'h-detail' }, h('h2', { id: 'h-detail' }, title, key[0] === 'v' ? h('small', { class: 'id', text: ' #' + key.slice(1) }) : null),
      h('label', {}, 'Show', select), readout, h('div', { class: 'charts' }, canvases.map(c => h('div', { class: 'chart-box' }, c)))),
    h('section', { 'aria-labelledby': 'h-compare' }, h('h2', { id: 'h-compare', text: 'Compare volumes' }), picker,
      h('div', { class: 'compare-charts' }, h('div', { class: 'chart-box' }, compareIops), h('div', { class: 'chart-box' }, compareLatency))));
  canvases[0].setAttribute('aria-label', 'IOPS against the IOPS limit');
  canvases[1].setAttribute('aria-label', 'Bandwidth in MB/s');
  canvases[2].setAttribute('aria-label', 'Latency p50 and p99 against the target');
  canvases[3].setAttribute('aria-label', 'Throttle level');
  const iops = lineChart(canvases[0], 'IOPS', ['IOPS', 'Limit'], 'IO/s');
  const mbps = lineChart(canvases[1], 'Bandwidth', ['MB/s'], 'MB/s');
  const lat = lineChart(canvases[2], 'Latency', ['p50', 'p99', 'Target'], 'ms');
  const thr = lineChart(canvases[3], 'Throttle level (IOPS limit)', ['Limit'], 'IO/s');
  const compared = [compareChart(compareIops, 'IOPS by volume', 'IO/s', v => v.iops),
    compareChart(compareLatency, 'p99 latency by volume', 'ms', v => (v.latencyP99Micros || 0) / 1000)];
  compared.forEach(c => c.show(charted));
  if (key[0] === 'v') {
    const id = key.slice(1);
    const hist = await api('GET', '/api/live/volumes/' + encodeURIComponent(id) + '?seconds=60').then(r => r.data.points).catch(() => []);
    for (const p of hist) {
      const t = new Date(p.t).toLocaleTimeString();
      pushPoint(iops, t, [p.iops, p.iopsLimit || null], KEEP);
      pushPoint(mbps, t, [p.bytesPerSec / 1e6], KEEP);
      pushPoint(lat, t, [p.latencyP50Micros / 1000, p.latencyP99Micros / 1000, null], KEEP);
      pushPoint(thr, t, [p.iopsLimit || 0], KEEP);
    }
    main().querySelector('section').after(historySection(id));
    if (can('OPERATOR')) readout.after(throttleSection(id));
  }
  state.liveHandlers.push((snap, detail) => {
    if (!snap) { readout.textContent = 'Live data unavailable: ' + (detail || ''); return; }
    const t = new Date(snap.at).toLocaleTimeString();
    const byId = new Map(snap.volumes.map(v => [String(v.volumeId), v]));
    compared.forEach(c => c.push(t, byId));
    const row = key[0] === 'v' ? byId.get(key.slice(1)) : snap.groups.find(g => 'g' + g.kind + ':' + g.id === key);
    if (!row) { readout.textContent = 'Not reporting in the latest interval.'; return; }
    readout.textContent = `${fmt.num(row.iops)} IOPS, ${fmt.mbps(row.bytesPerSec)}` + (row.latencyP99Micros !== undefined ? `, p99 ${fmt.ms(row.latencyP99Micros)}` : '')
      + `, state ${(row.state || '').toLowerCase()}`
      + (row.manual ? `, manual throttle by ${row.manual.setBy} until ${fmt.time(row.manual.expiresAt)}` : '');
    pushPoint(iops, t, [row.iops, row.iopsLimit || null], KEEP);
    pushPoint(mbps, t, [row.bytesPerSec / 1e6], KEEP);
    pushPoint(lat, t, [(row.latencyP50Micros || 0) / 1000, (row.latencyP99Micros || 0) / 1000, row.latencyTargetMicros ? row.latencyTargetMicros / 1000 : null], KEEP);
    pushPoint(thr, t, [row.iopsLimit || 0], KEEP);
  });
};

/**
 * An operator's manual throttle on the volume: an IOPS and/or bandwidth limit for a number of minutes (a week at
 * most), held by the SLA services until it expires or is cancelled here. The live readout shows it while in force.
 */
function throttleSection(volumeId) {
  const iopsIn = h('input', { id: 'throttle-iops', name: 'iopsLimit', type: 'number', min: 1, placeholder: 'IOPS' });
  const mbpsIn = h('input', { id: 'throttle-mbps', name: 'bandwidthMBps', type: 'number', min: 1,
    placeholder: 'MB/s' });
  const minutesIn = h('input', { id: 'throttle-minutes', name: 'minutes', type: 'number', min: 1, max: 10080,
    value: 60 });
  const reasonIn = h('input', { id: 'throttle-reason', name: 'reason', maxlength: 200,
    placeholder: 'why (audit log)' });
  const path = '/api/volumes/' + encodeURIComponent(volumeId) + '/throttle';
  const set = async () => {
    const body = { durationSeconds: Number(minutesIn.value) * 60 };
    if (iopsIn.value) body.iopsLimit = Number(iopsIn.value);
    if (mbpsIn.value) body.bandwidthLimit = Math.round(Number(mbpsIn.value) * 1e6);
    if (reasonIn.value.trim()) body.reason = reasonIn.value.trim();
    try {
      const { data } = await api('POST', path, body);
      say(`Manual throttle on ${nameOf(volumeId)} until ${fmt.time(data.expiresAt)}`
        + (data.applied ? '.' : ' (stored; the SLA services take it when they start).'));
    } catch (e) { say(e.message, true); }
  };
  const cancel = async () => {
    try {
      await api('DELETE', path);
      say(`Manual throttle on ${nameOf(volumeId)} cancelled; the SLA services take the volume back.`);
    } catch (e) { say(e.message, true); }
  };
  return h('details', { id: 'throttle-section' }, h('summary', { text: 'Manual throttle' }),
    h('div', { class: 'throttle-form' },
      h('label', {}, 'IOPS limit ', iopsIn), h('label', {}, 'Bandwidth limit (MB/s) ', mbpsIn),
      h('label', {}, 'For (minutes) ', minutesIn), h('label', {}, 'Reason ', reasonIn),
      h('button', { type: 'button', id: 'throttle-set', 'data-edit': true, text: 'Set manual throttle', onclick: set }),
      h('button', { type: 'button', id: 'throttle-cancel', class: 'danger', 'data-edit': true, text: 'Cancel manual throttle',
        onclick: cancel })));
}

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
        h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-edit': true, text: editing ? 'Save changes' : 'Create' })), err);
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
  form.append(h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-edit': true, text: doc ? 'Save changes' : 'Create SLA' })), result);
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
  const [{ data }] = await Promise.all([api('GET', '/api/slas'), ensureNames()]);
  const editing = params.get('edit') ? data.items.find(d => d.name === params.get('edit')) : null;
  const list = table([
    ['Name', d => d.name], ['Scope', d => fmt.scope(d.spec.scope)], ['IOPS limit', d => fmt.num(d.spec.iopsLimit)],
    ['Reserved', d => fmt.num(d.spec.reservedIops)], ['Priority', d => d.spec.priority || '–'], ['Version', d => d.version],
    ['', d => can('OPERATOR') ? h('span', {}, h('a', { href: '#/slas?edit=' + encodeURIComponent(d.name), text: 'Edit' }), ' ',
      h('button', { type: 'button', class: 'danger', 'data-edit': true, text: 'Delete', 'aria-label': 'Delete ' + d.name, onclick: async () => {
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

/** How many volumes a gateway serves, linking to them by name when the gateway has one (a gateway may serve hundreds). */
function gatewayVolumes(g) {
  if (!g.live) return '–';
  const count = (g.live.volumes || []).length;
  const text = count === 1 ? '1 volume' : count + ' volumes';
  return g.name && count > 0 ? h('a', { href: '#/volumes?q=' + encodeURIComponent(g.name), text }) : text;
}

views.gateways = async () => {
  const { data } = await api('GET', '/api/gateways');
  const act = (g, verb) => h('button', { type: 'button', class: verb === 'approve' ? '' : 'danger', 'data-edit': true, text: verb[0].toUpperCase() + verb.slice(1),
    'aria-label': verb + ' gateway ' + g.gatewayId, onclick: async () => {
      try { await api('POST', `/api/gateways/${g.gatewayId}/${verb}`); say(`Gateway ${g.gatewayId}: ${verb} done.`); route(); }
      catch (e) { say(e.message, true); }
    } });
  // Fresh statistics: the monitor polls this gateway now; the live views show its report within a second.
  const poll = g => h('button', { type: 'button', 'data-edit': true, text: 'Fresh statistics',
    'aria-label': 'fresh statistics of gateway ' + g.gatewayId, onclick: async () => {
      try { await api('POST', `/api/gateways/${g.gatewayId}/poll`); say(`Gateway ${g.gatewayId}: polled now.`); }
      catch (e) { say(e.message, true); }
    } });
  const pending = data.items.filter(g => g.state === 'PENDING');
  const parts = [h('h1', { text: 'Gateways' }), h('h2', { text: 'Registration queue' }),
    table([['Gateway', g => g.gatewayId], ['Address', g => g.address], ['Last seen', g => fmt.time(g.lastSeen)],
      ['', g => can('ADMIN') ? h('span', { class: 'actions' }, act(g, 'approve'), act(g, 'reject')) : '']],
    pending, 'No gateway is waiting for approval. A gateway started with the monitor\'s address appears here.'),
    h('h2', { text: 'All gateways' }),
    table([['Gateway', g => g.gatewayId], ['State', g => g.state], ['Address', g => g.address],
      ['Volumes', gatewayVolumes],
      ['', g => h('span', { class: 'actions' }, can('OPERATOR') && g.state === 'APPROVED' && g.live ? poll(g) : '',
        can('ADMIN') && g.state === 'APPROVED' ? act(g, 'revoke') : '')]],
    data.items, 'No gateways registered yet.')];
  if (can('ADMIN')) {
    const out = h('div');
    parts.push(h('h2', { text: 'Enrollment tokens' }), h('button', { type: 'button', 'data-edit': true, text: 'Issue enrollment token', onclick: async () => {
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
  const [{ data }] = await Promise.all([api('GET', '/api/alerts'), ensureNames()]);
  main().replaceChildren(h('h1', { text: 'Alerts' }), table([
    ['Severity', a => stateTag(a.severity)], ['State', a => a.state], ['Volume', alertVolume], ['Message', a => a.message],
    ['Opened', a => fmt.time(a.openedAt)],
    ['Acknowledged', a => a.acknowledgedAt ? `${a.acknowledgedBy} at ${fmt.time(a.acknowledgedAt)}`
      : (can('OPERATOR') ? h('button', { type: 'button', 'data-edit': true, text: 'Acknowledge', 'aria-label': 'Acknowledge alert ' + a.id, onclick: async () => {
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
  await ensureNames();
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
