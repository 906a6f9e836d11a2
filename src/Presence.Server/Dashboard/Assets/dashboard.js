// The Presence.Orleans dashboard: polls GET /api/dashboard every second and follows one user's
// GET /api/users/{user}/stream. Plain DOM, no framework; every text from the server goes in through
// textContent, never as markup (notes are whatever users published).
(() => {
  'use strict';

  const POLL_MS = 1000;
  const POLL_TIMEOUT_MS = 5000;
  const WINDOW_MS = 5 * 60 * 1000;
  // Two points further apart than this are not joined: the server had no sample in between.
  const GAP_MS = 3500;
  const RETRY_MS = 2000;
  const TOKEN_KEY = 'presence-dashboard-token';
  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9333ea'];

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null,
    pollTimer: null,
    needHistory: true,
    series: new Map(), // silo -> { points: [], offset: ms to add to its clock, color }
    seenChanges: new Set(),
    watch: null, // { user, controller, retry }
  };

  // --- token -------------------------------------------------------------------------------------

  // presencectl (or an operator) may open /dashboard#token=...: the fragment never reaches the server or
  // its logs; it is moved to this tab's sessionStorage and removed from the address at once.
  function takeTokenFromFragment() {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!match) return;
    try {
      const token = decodeURIComponent(match[1]).trim();
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
    } catch (e) { /* a malformed fragment is ignored */ }
    history.replaceState(null, '', location.pathname + location.search);
  }

  function showLogin(message) {
    stopPolling();
    stopWatching();
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $('board').hidden = true;
    $('forget').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    setLive($('live'), $('live-text'), 'idle', 'not connected');
    $('token').focus();
  }

  function start(token) {
    stopPolling();
    stopWatching();
    state.token = token;
    state.needHistory = true;
    state.series.clear();
    state.seenChanges.clear();
    $('login').hidden = true;
    $('board').hidden = false;
    $('forget').hidden = false;
    poll();
  }

  // A 401 says which token it refused: an answer to a call made with a token since replaced changes nothing.
  class Unauthorized extends Error {
    constructor(token) {
      super('The token was refused.');
      this.token = token;
    }
  }

  function refused(e) {
    if (!(e instanceof Unauthorized)) return false;
    if (e.token === state.token) showLogin(e.message);
    return true;
  }

  async function api(path, signal) {
    const token = state.token;
    const response = await fetch(path, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      cache: 'no-store',
      signal,
    });
    if (response.status === 401) throw new Unauthorized(token);
    return response;
  }

  // --- polling -----------------------------------------------------------------------------------

  function stopPolling() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function schedulePoll(delay) {
    stopPolling();
    state.pollTimer = setTimeout(poll, delay);
  }

  async function poll() {
    if (!state.token) return;
    if (document.visibilityState === 'hidden') {
      // Nobody looks: ask again when the tab shows, with the history missed meanwhile.
      state.needHistory = true;
      return;
    }
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), POLL_TIMEOUT_MS);
    try {
      const response = await api('/api/dashboard' + (state.needHistory ? '?history=true' : ''), controller.signal);
      if (!response.ok) throw new Error('the server answered ' + response.status);
      const data = await response.json();
      state.needHistory = false;
      render(data);
      setLive($('live'), $('live-text'), 'live', 'live · ' + clock(new Date()));
    } catch (e) {
      if (refused(e)) return;
      setLive($('live'), $('live-text'), 'error', 'no answer · ' + clock(new Date()));
    } finally {
      clearTimeout(timeout);
    }
    if (state.token) schedulePoll(POLL_MS);
  }

  function render(data) {
    const now = Date.now();
    $('self').textContent = data.self;
    const silos = data.members.filter((m) => m.role !== 'edge' && (m.status === 'active' || m.status === 'leaving'));
    $('cluster').textContent = data.clustered
      ? `cluster · ${silos.length} active silo${silos.length === 1 ? '' : 's'}`
      : 'single process';
    for (const silo of data.silos) mergeSeries(silo, now);
    renderCharts(now);
    renderMembers(data);
    renderChanges(data);
    renderTotals(data);
  }

  // --- rates ---------------------------------------------------------------------------------------

  function mergeSeries(silo, now) {
    let entry = state.series.get(silo.silo);
    if (!entry) {
      entry = { points: [], offset: 0, color: COLORS[state.series.size % COLORS.length] };
      state.series.set(silo.silo, entry);
    }
    entry.reachable = silo.reachable;
    if (!silo.reachable) return;
    // Each silo stamps points by its own clock: shift them so that its reading time is "now" here.
    entry.offset = now - Date.parse(silo.at);
    const last = entry.points.length ? entry.points[entry.points.length - 1].t : -Infinity;
    for (const point of silo.rates) {
      if (point.t > last) entry.points.push(point);
    }
    const oldest = Date.parse(silo.at) - WINDOW_MS;
    while (entry.points.length && entry.points[0].t < oldest) entry.points.shift();
  }

  function latest(entry, now) {
    const p = entry.points[entry.points.length - 1];
    return p && now - (p.t + entry.offset) < GAP_MS ? p : null;
  }

  const CHARTS = [
    { id: 'chart-requests', pick: (p) => p.requests },
    { id: 'chart-notifies', pick: (p) => p.notifies },
    { id: 'chart-errors', pick: (p) => p.errors, alarm: true },
  ];

  // The charts span the data there is, from one minute up to the whole window, so that a page opened a moment
  // ago does not squeeze its first seconds against the right edge.
  function chartSpan(now) {
    let oldest = now;
    for (const entry of state.series.values()) {
      if (entry.points.length) oldest = Math.min(oldest, entry.points[0].t + entry.offset);
    }
    return Math.min(WINDOW_MS, Math.max(60 * 1000, now - oldest));
  }

  function renderCharts(now) {
    const span = chartSpan(now);
    const spanText = span >= 120 * 1000 ? `${Math.round(span / 60000)} min ago` : `${Math.round(span / 1000)} s ago`;
    for (const chart of CHARTS) {
      const figure = $(chart.id);
      const svg = figure.querySelector('svg');
      let max = 0;
      let current = null;
      for (const entry of state.series.values()) {
        for (const p of entry.points) max = Math.max(max, chart.pick(p));
        const p = latest(entry, now);
        if (p) current = (current || 0) + chart.pick(p);
      }
      const top = niceCeiling(max);
      svg.replaceChildren();
      for (const fraction of [0.25, 0.5, 0.75]) {
        const y = 120 - fraction * 120;
        svg.append(svgEl('line', { x1: 0, x2: 600, y1: y, y2: y, class: 'grid' }));
      }
      const single = state.series.size === 1;
      for (const entry of state.series.values()) {
        const coords = entry.points.map((p) => [
          600 * (1 - (now - (p.t + entry.offset)) / span),
          120 - (chart.pick(p) / top) * 118,
          p.t,
        ]);
        if (!coords.length) continue;
        let d = '';
        let previous = null;
        for (const [x, y, t] of coords) {
          d += (previous === null || t - previous > GAP_MS ? 'M' : 'L') + x.toFixed(1) + ' ' + y.toFixed(1);
          previous = t;
        }
        if (single) {
          const area = `${d}L${coords[coords.length - 1][0].toFixed(1)} 120L${coords[0][0].toFixed(1)} 120Z`;
          svg.append(svgEl('path', { d: area, class: 'area', fill: entry.color }));
        }
        svg.append(svgEl('path', { d, class: 'series', stroke: entry.color }));
      }
      const value = figure.querySelector('[data-value]');
      value.textContent = current === null ? '–' : rate(current);
      if (chart.alarm) value.classList.toggle('bad', current > 0);
      figure.querySelector('[data-ymax]').textContent = rate(top) + '/s';
      figure.querySelector('[data-xmin]').textContent = spanText;
      const legend = figure.querySelector('[data-legend]');
      legend.replaceChildren();
      if (!single) {
        for (const [silo, entry] of state.series) {
          const swatch = el('span', { class: 'swatch' });
          swatch.style.background = entry.color;
          legend.append(el('span', {}, swatch, silo + (entry.reachable ? '' : ' (no answer)')));
        }
      }
    }
  }

  // Each chart's frame: caption with the value now, the plot with its axis labels, the legend.
  function buildChart(figure) {
    const svg = svgEl('svg', { viewBox: '0 0 600 120', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
    figure.replaceChildren(
      el('figcaption', {}, el('span', { class: 'label' }, figure.dataset.label), el('span', { class: 'value', 'data-value': '' }, '–')),
      el('div', { class: 'plot' }, svg, el('span', { class: 'ymax', 'data-ymax': '' }), el('span', { class: 'xmin', 'data-xmin': '' }),
        el('span', { class: 'xmax' }, 'now')),
      el('div', { class: 'legend', 'data-legend': '' }));
  }

  function niceCeiling(value) {
    if (value <= 1) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  // --- members -------------------------------------------------------------------------------------

  function renderMembers(data) {
    const now = Date.now();
    const figures = new Map(data.silos.map((s) => [s.silo, s]));
    const body = $('members').tBodies[0];
    const rows = data.members.map((m) => {
      const silo = !(m.status === 'active' || m.status === 'leaving' || m.self)
        ? null : figures.get(m.silo);
      const entry = state.series.get(m.silo);
      const p = silo && silo.reachable && entry ? latest(entry, now) : null;
      const name = el('td', {}, m.silo);
      if (m.self) name.append(el('span', { class: 'self-tag' }, 'this member'));
      if (silo && !silo.reachable) name.append(el('span', { class: 'why' }, silo.error));
      const known = silo && silo.reachable;
      const row = el('tr', { 'data-silo': m.silo, class: silo && !silo.reachable ? 'unreachable' : '' },
        name,
        el('td', {}, m.role),
        el('td', {}, el('span', { class: 'state state-' + m.status }, m.status)),
        el('td', { class: 'address' }, m.address),
        el('td', { class: 'num', 'data-users': '' }, known ? count(silo.totals.usersActive) : '–'),
        el('td', { class: 'num' }, known ? count(silo.totals.subscriptions) : '–'),
        el('td', { class: 'num' }, known ? count(silo.totals.registrations) : '–'),
        el('td', { class: 'num' }, p ? rate(p.requests) : '–'),
        el('td', { class: 'num' }, p ? rate(p.notifies) : '–'),
        el('td', { class: 'num' }, p ? rate(p.errors) : '–'));
      return row;
    });
    body.replaceChildren(...rows);
  }

  // --- latest changes ------------------------------------------------------------------------------

  function renderChanges(data) {
    const table = $('changes');
    table.classList.toggle('single', !data.clustered);
    const first = state.seenChanges.size === 0;
    const seen = new Set();
    const rows = data.changes.map((c) => {
      const key = c.silo + '|' + c.aor + '|' + c.at + '|' + c.status;
      seen.add(key);
      const row = el('tr', { class: !first && !state.seenChanges.has(key) ? 'new' : '', 'data-aor': c.aor },
        el('td', { title: c.at }, clock(new Date(c.at))),
        el('td', {}, c.aor.replace(/^sips?:/, '')),
        el('td', {}, el('span', { class: 'status status-' + c.status }, c.status)),
        el('td', { title: c.cause }, c.note || ''),
        el('td', { class: 'silo-col' }, c.silo));
      return row;
    });
    state.seenChanges = seen;
    table.tBodies[0].replaceChildren(...rows);
    $('changes-empty').hidden = rows.length > 0;
  }

  // --- totals --------------------------------------------------------------------------------------

  function renderTotals(data) {
    const now = Date.now();
    const reachable = data.silos.filter((s) => s.reachable && s.totals);
    $('totals-silo').textContent = data.clustered ? `· ${reachable.length} member${reachable.length === 1 ? '' : 's'} answering` : '';
    const totals = {};
    const methods = {};
    const methodRates = {};
    const classes = {};
    const rates = {};
    const add = (bag, key, value) => { bag[key] = (bag[key] || 0) + (value || 0); };
    for (const silo of reachable) {
      const t = silo.totals;
      for (const key of ['requests', 'notifySent', 'notifyFailed', 'errors', 'serverErrors', 'parseErrors', 'rateLimited', 'storeFailedBatches']) add(totals, key, t[key]);
      for (const [m, v] of Object.entries(t.requestsByMethod)) add(methods, m, v);
      for (const [c, v] of Object.entries(t.responsesByClass)) add(classes, c, v);
      const entry = state.series.get(silo.silo);
      const p = entry && latest(entry, now);
      if (p) {
        for (const [m, v] of Object.entries(p.byMethod)) add(methodRates, m, v);
        for (const key of ['requests', 'notifies', 'notifyFailed', 'errors', 'parseErrors', 'rateLimited']) add(rates, key, p[key]);
      }
    }
    const methodRows = Object.keys(methods).sort().map((m) =>
      el('tr', { 'data-method': m }, el('td', {}, m), el('td', { class: 'num' }, rate(methodRates[m] || 0)), el('td', { class: 'num' }, count(methods[m]))));
    methodRows.push(el('tr', {}, el('td', {}, 'all'), el('td', { class: 'num' }, rate(rates.requests || 0)), el('td', { class: 'num' }, count(totals.requests || 0))));
    $('totals-methods').tBodies[0].replaceChildren(...methodRows);
    $('totals-classes').tBodies[0].replaceChildren(...Object.keys(classes).sort().map((c) =>
      el('tr', {}, el('td', {}, c), el('td', { class: 'num' }, count(classes[c])))));
    const other = [
      ['NOTIFYs sent', rates.notifies, totals.notifySent],
      ['NOTIFYs failed', rates.notifyFailed, totals.notifyFailed],
      ['Errors', rates.errors, totals.errors],
      ['· answered 5xx/6xx', null, totals.serverErrors],
      ['· parse errors', rates.parseErrors, totals.parseErrors],
      ['· store batches failed', null, totals.storeFailedBatches],
      ['Rate-limited', rates.rateLimited, totals.rateLimited],
    ];
    $('totals-other').tBodies[0].replaceChildren(...other.map(([label, r, total]) =>
      el('tr', {}, el('td', {}, label), el('td', { class: 'num' }, r == null ? '' : rate(r)), el('td', { class: 'num' }, count(total || 0)))));
  }

  // --- one user, live ------------------------------------------------------------------------------

  function stopWatching() {
    if (!state.watch) return;
    state.watch.controller.abort();
    clearTimeout(state.watch.retry);
    state.watch = null;
  }

  function watch(user) {
    stopWatching();
    const watching = { user, controller: new AbortController(), retry: null };
    state.watch = watching;
    $('lookup-error').textContent = '';
    $('presence').hidden = false;
    $('presence-aor').textContent = user;
    setLive($('presence-live'), $('presence-live-text'), 'connecting', 'connecting');
    follow(watching);
  }

  // EventSource cannot send the Authorization header, so the stream is read through fetch.
  async function follow(watching) {
    const live = () => state.watch === watching;
    try {
      const response = await api('/api/users/' + encodeURIComponent(watching.user) + '/stream', watching.controller.signal);
      if (!response.ok) {
        let message = 'The server answered ' + response.status + '.';
        try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
        if (live()) {
          $('lookup-error').textContent = message;
          $('presence').hidden = true;
          state.watch = null;
        }
        return;
      }
      setLive($('presence-live'), $('presence-live-text'), 'live', 'live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseEvent(block);
          if (event && event.type === 'presence' && live()) renderPresence(JSON.parse(event.data));
        }
      }
    } catch (e) {
      if (refused(e) || watching.controller.signal.aborted) return;
    }
    if (!live()) return;
    // The stream ended (a restart, a silo that handed the user over): follow again shortly.
    setLive($('presence-live'), $('presence-live-text'), 'error', 'reconnecting');
    watching.retry = setTimeout(() => { if (live()) follow(watching); }, RETRY_MS);
  }

  function parseEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    return data.length ? { type, data: data.join('\n') } : null;
  }

  function renderPresence(p) {
    $('presence-aor').textContent = p.aor;
    const status = $('presence-status');
    const changed = status.textContent !== p.status || $('presence-note').textContent !== (p.note || '');
    status.textContent = p.status;
    status.className = 'status status-' + p.status;
    $('presence-basic').textContent = p.basic;
    $('presence-note').textContent = p.note || '';
    $('presence-contacts').replaceChildren(...(p.contacts.length
      ? p.contacts.map((c) => el('li', {}, `${c.uri}  (q=${c.priority}${c.registered ? ', registered' : ', alternative'})`))
      : [el('li', { class: 'muted' }, 'none')]));
    $('presence-activities').textContent = p.activities.length ? p.activities.join(', ') : 'none';
    $('presence-registrations').textContent = p.registrations.length
      ? p.registrations.map((r) => `${r.contact} (${r.expiresIn} s)`).join(', ')
      : 'none';
    const devices = p.devices || [];
    $('presence-devices').replaceChildren(...(devices.length
      ? devices.map((d) => el('li', { 'data-contact': d.contact }, deviceText(d)))
      : [el('li', { class: 'muted' }, 'none')]));
    $('presence-calendar').textContent = calendarText(p.calendar);
    $('presence-calendar').className = p.calendar && p.calendar.source && p.calendar.source.failing ? 'failing' : '';
    $('presence-publications').textContent = String(p.publications);
    $('presence-watchers').textContent = String(p.watchers);
    $('presence-updated').textContent = clock(new Date());
    if (changed) {
      const box = $('presence');
      box.classList.remove('flash');
      void box.offsetWidth; // restart the animation
      box.classList.add('flash');
    }
  }

  // The user's calendar: what it shows now, and its source, marked when its fetches fail.
  function calendarText(c) {
    if (!c) return 'none';
    let text = c.show ? `${c.show}: ${c.note}` : 'nothing now';
    if (c.source) {
      text += c.source.failing
        ? ` · source FAILING (${c.source.failures}x): ${c.source.lastError}`
        : ` · source ${c.source.url}`;
    }
    return text;
  }

  // One device: what it said it can (and cannot) do, as presencectl shows it.
  function deviceText(d) {
    const c = d.capabilities || {};
    const flags = [['audio', c.audio], ['video', c.video], ['text', c.text], ['message', c.message], ['automaton', c.automata]];
    const can = flags.filter((f) => f[1] === true).map((f) => f[0]);
    const cannot = flags.filter((f) => f[1] === false).map((f) => f[0]);
    let said = can.join(', ');
    if (cannot.length) said += (said ? '; ' : '') + 'no ' + cannot.join(', ');
    const more = [c.mobility, c.duplex ? c.duplex + ' duplex' : null, c.description ? `"${c.description}"` : null, ...(c.types || [])]
      .filter((x) => x);
    return `${d.contact}: ${said || 'no capabilities said'}` + (more.length ? ` (${more.join(', ')})` : '')
      + (d.expiresIn != null ? `, ${d.expiresIn} s` : '');
  }

  // --- helpers -------------------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== '' || name.startsWith('data-')) node.setAttribute(name, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function svgEl(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    return node;
  }

  function setLive(box, text, kind, label) {
    box.dataset.state = kind;
    text.textContent = label;
  }

  const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const clock = (date) => clockFormat.format(date);
  const countFormat = new Intl.NumberFormat('en-US');
  const count = (n) => countFormat.format(n);
  const rate = (n) => (n >= 100 ? Math.round(n).toString() : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '') || '0');

  // --- wiring --------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromFragment();
    for (const chart of CHARTS) buildChart($(chart.id));
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const token = $('token').value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      start(token);
    });
    $('forget').addEventListener('click', () => showLogin(''));
    $('lookup-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const user = $('lookup').value.trim();
      if (user) watch(user);
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && state.token) schedulePoll(0);
    });
    window.addEventListener('hashchange', () => {
      takeTokenFromFragment();
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token && token !== state.token) start(token);
    });
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) start(token);
    else showLogin('');
  });
})();
