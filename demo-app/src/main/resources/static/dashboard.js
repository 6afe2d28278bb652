// The IronFence demo dashboard: reads /actuator/prometheus and /actuator/locks every second and
// draws, per lock, wait and hold time percentiles as time series plus the live counts.
'use strict';

const POINTS = 120;            // two minutes of history
const state = { samples: 0, maxHolderRows: 0, maxWaitP99: 0, hottest: null, locks: {}, previous: null };
window.dashboardState = state; // read by the browser test

function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^(ironfence_lock_[a-z_]+)\{([^}]*)\} (\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of m[2].matchAll(/(\w+)="([^"]*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function summarize(samples) {
  const byLock = {};
  const lock = name => byLock[name] ??= { waitP50: 0, waitP99: 0, heldP50: 0, heldP99: 0, acquired: 0,
    contended: 0, timeouts: 0, rejected: 0, waiting: 0, holders: 0, waitSeconds: 0, remoteWaits: 0, handoffs: 0, lost: 0 };
  for (const { name, labels, value } of samples) {
    if (!labels.lock || Number.isNaN(value)) continue;
    const l = lock(labels.lock);
    const q = labels.quantile;
    if (name.startsWith('ironfence_lock_wait_seconds') && q && labels.outcome === 'acquired') {
      if (q === '0.5') l.waitP50 = Math.max(l.waitP50, value);
      if (q === '0.99') l.waitP99 = Math.max(l.waitP99, value);
    } else if (name.startsWith('ironfence_lock_held_seconds') && q) {
      if (q === '0.5') l.heldP50 = Math.max(l.heldP50, value);
      if (q === '0.99') l.heldP99 = Math.max(l.heldP99, value);
    } else if (name === 'ironfence_lock_wait_seconds_count') {
      if (labels.outcome === 'acquired') l.acquired += value;
      if (labels.outcome === 'timeout') l.timeouts += value;
      if (labels.outcome === 'rejected') l.rejected += value;
    } else if (name === 'ironfence_lock_wait_seconds_sum') {
      l.waitSeconds += value; // every outcome: a wait that timed out was time lost too
    } else if (name === 'ironfence_lock_contended_total') {
      l.contended += value;
    } else if (name === 'ironfence_lock_waiting') {
      l.waiting = value;
    } else if (name === 'ironfence_lock_holders') {
      l.holders = value;
    } else if (name === 'ironfence_lock_remote_wait_seconds_count' && labels.outcome === 'acquired') {
      l.remoteWaits += value;
    } else if (name === 'ironfence_lock_remote_local_handoffs_total') {
      l.handoffs += value;
    } else if (name === 'ironfence_lock_remote_lost_total') {
      l.lost += value;
    }
  }
  return byLock;
}

function chart(element, title, labels) {
  const colors = ['#2f6fdf', '#d9480f', '#2e9d5b'];
  return new uPlot({
    title, width: 420, height: 150,
    scales: { x: { time: true } },
    axes: [{}, { size: 70, values: (u, vals) => vals.map(v => v >= 1000 ? (v / 1000) + ' ms' : v + ' µs') }],
    series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 1.5 }))],
  }, [[], ...labels.map(() => [])], element);
}

function card(name, type, scope) {
  const el = document.createElement('div');
  el.className = 'card';
  el.id = 'lock-' + name;
  const cluster = scope === 'cluster' ? `<div class="cluster" data-k="cluster">cluster lock</div>` : '';
  el.innerHTML = `<h3>${name} <small>${type}${scope === 'cluster' ? ', cluster' : ''}</small></h3>${cluster}
    <div class="stats">
      <div class="stat"><b data-k="throughput">0</b><span>acquired /s</span></div>
      <div class="stat"><b data-k="contention">0</b><span>contended /s</span></div>
      <div class="stat"><b data-k="waiting">0</b><span>waiting</span></div>
      <div class="stat"><b data-k="holders">0</b><span>holders</span></div>
      <div class="stat"><b data-k="timeouts">0</b><span>timeouts</span></div>
      <div class="stat"><b data-k="shed">0</b><span>shed /s</span></div>
      <div class="stat"><b data-k="rejections">0</b><span>rejected</span></div>
    </div>
    <div data-chart="wait"></div><div data-chart="held"></div>`;
  const cards = document.getElementById('locks');
  if (scope === 'cluster') cards.prepend(el); else cards.appendChild(el); // cluster locks first
  const entry = { el, time: [], waitP50: [], waitP99: [], heldP50: [], heldP99: [] };
  entry.waitChart = chart(el.querySelector('[data-chart=wait]'), 'wait (request → grant)', ['p50', 'p99']);
  entry.heldChart = chart(el.querySelector('[data-chart=held]'), 'held (grant → release)', ['p50', 'p99']);
  return entry;
}

function push(series, value) {
  series.push(value);
  if (series.length > POINTS) series.shift();
}

// Which lock is hot right now: ranked by waiting time per second, with the contended share of grants.
function renderHot(rows) {
  rows.sort((a, b) => b.waitMillisPerSecond - a.waitMillisPerSecond || b.acquiredPerSecond - a.acquiredPerSecond);
  const percent = share => Number.isFinite(share) ? Math.round(share * 100) + ' %' : '–';
  document.querySelector('#hotLocks tbody').innerHTML = rows.map((r, i) =>
    `<tr data-lock="${r.name}" class="${i === 0 && r.waitMillisPerSecond > 0 ? 'hot' : ''}"><td>${i + 1}</td><td>${r.name}</td>
      <td>${r.waitMillisPerSecond.toFixed(1)}</td><td>${percent(r.contendedShare)}</td>
      <td>${Math.round(r.acquiredPerSecond)}</td><td>${r.waiting}</td></tr>`).join('');
  state.hottest = rows.length && rows[0].waitMillisPerSecond > 0 ? rows[0].name : null;
}

// Threads waiting for each other's locks (found by the starter on two consecutive looks): a red banner.
function renderDeadlocks(cycles) {
  const banner = document.getElementById('deadlocks');
  banner.hidden = cycles.length === 0;
  banner.innerHTML = cycles.map(cycle => '<b>Deadlock</b>: ' + cycle.map(t =>
    `${t.virtual ? 'virtual thread' : 'thread'} <code>${t.thread}</code> holds ${t.holds.join(', ')}`
    + `${t.methods.length ? ' (in ' + t.methods.join(', ') + ')' : ''} and waits for <b>${t.waitsFor}</b>`).join('; ')).join('<br>');
  state.deadlocks = cycles.length;
}

async function renderHolders(locks) {
  const rows = [];
  for (const [name, summary] of Object.entries(locks)) {
    if (summary.holders === 0) continue;
    const details = await (await fetch('/actuator/locks/' + encodeURIComponent(name))).json();
    for (const h of details.currentHolders) {
      rows.push(`<tr class="${h.stuck ? 'stuck' : ''}"><td>${name}</td><td>${h.async ? 'async task' : h.thread}</td>
        <td>${h.mode}</td><td>${h.heldForMillis} ms</td><td>${h.method ?? '(code)'}</td></tr>`);
    }
  }
  document.querySelector('#holders tbody').innerHTML = rows.join('') ||
    '<tr><td colspan="5" class="muted">nobody holds a lock right now</td></tr>';
  state.maxHolderRows = Math.max(state.maxHolderRows, rows.length);
}

// A cluster lock: which instance holds it now (asked of PostgreSQL by the endpoint), the payouts
// table's last fencing token, and how many grants went to the server or stayed in this instance.
async function renderCluster(name, entry, remotePerSecond, handoffsPerSecond, lost) {
  const details = await (await fetch('/actuator/locks/' + encodeURIComponent(name))).json();
  const remote = details.remote ?? {};
  const holder = (remote.holders ?? []).find(h => h.granted);
  const queued = (remote.holders ?? []).filter(h => !h.granted).length;
  let token = '';
  const payouts = await fetch('/api/payouts');
  if (payouts.ok) {
    const p = await payouts.json();
    token = ` · fencing token <b>${p.lastToken}</b> (last payout by ${p.lastInstance ?? '–'}, ${p.refused} refused)`;
  }
  entry.el.querySelector('[data-k=cluster]').innerHTML =
    `this is <b>${remote.instance}</b> · held by <b class="${holder && holder.instance === remote.instance ? 'me' : ''}">`
    + `${holder ? holder.instance : 'nobody'}</b>, ${queued} queued at the server${token}<br>`
    + `${Math.round(remotePerSecond)} server grants/s, ${Math.round(handoffsPerSecond)} local hand-offs/s, ${lost} lost`;
  state.cluster = { instance: remote.instance, holder: holder ? holder.instance : null };
}

async function tick() {
  const [prometheus, locks, load] = await Promise.all([
    fetch('/actuator/prometheus').then(r => r.text()),
    fetch('/actuator/locks').then(r => r.json()),
    fetch('/api/load').then(r => r.json()),
  ]);
  const now = Date.now() / 1000;
  const byLock = summarize(parsePrometheus(prometheus));
  const previous = state.previous;
  const hot = [];
  for (const [name, summary] of Object.entries(locks.locks)) {
    const m = byLock[name];
    if (!m) continue;
    const entry = state.locks[name] ??= card(name, summary.type, summary.scope);
    const before = previous && previous.byLock[name];
    const seconds = previous ? now - previous.time : 1;
    const rate = (key) => before ? Math.max(0, (m[key] - before[key]) / seconds) : 0;
    const set = (key, value) => entry.el.querySelector(`[data-k=${key}]`).textContent = value;
    hot.push({ name, waitMillisPerSecond: rate('waitSeconds') * 1000, acquiredPerSecond: rate('acquired'),
      contendedShare: rate('contended') / rate('acquired'), waiting: summary.waiting });
    set('throughput', Math.round(rate('acquired')));
    set('contention', Math.round(rate('contended')));
    set('waiting', summary.waiting);
    set('holders', summary.holders);
    set('timeouts', summary.timeouts);
    // Shed: turned away at once because the queue was full (max-waiting), or timed out waiting.
    set('shed', Math.round(rate('rejected') + rate('timeouts')));
    set('rejections', summary.rejections);
    entry.el.classList.toggle('shedding', rate('rejected') + rate('timeouts') > 0);
    push(entry.time, now);
    push(entry.waitP50, m.waitP50 * 1e6);
    push(entry.waitP99, m.waitP99 * 1e6);
    push(entry.heldP50, m.heldP50 * 1e6);
    push(entry.heldP99, m.heldP99 * 1e6);
    entry.waitChart.setData([entry.time, entry.waitP50, entry.waitP99]);
    entry.heldChart.setData([entry.time, entry.heldP50, entry.heldP99]);
    state.maxWaitP99 = Math.max(state.maxWaitP99, m.waitP99);
    if (summary.scope === 'cluster') await renderCluster(name, entry, rate('remoteWaits'), rate('handoffs'), m.lost);
  }
  renderDeadlocks(locks.deadlocks ?? []);
  state.previous = { time: now, byLock };
  if (previous) renderHot(hot);
  await renderHolders(locks.locks);
  const s = load.settings;
  document.getElementById('loadStatus').textContent = load.running
    ? `${s.clients} shoppers, ${s.readPercent}% reads, catalogue under ${s.catalogueAsMutex ? 'a Mutex' : 'an RWLock'}`
      + (s.hangUpClients ? `, ${s.hangUpClients} impatient clients` : '') + `: ${load.operations} operations, `
      + `${load.shed} shed (503 or timed out), ${load.hungUp} hung up`
    : `load stopped (${load.operations} operations so far)`;
  state.samples++;
}

async function post(path, body) {
  await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
}

document.getElementById('start').addEventListener('click', () => post('/api/load/start', {
  clients: Number(document.getElementById('clients').value),
  readPercent: Number(document.getElementById('readPercent').value),
  thinkMillis: Number(document.getElementById('thinkMillis').value),
  catalogueAsMutex: document.getElementById('catalogueMode').value === 'mutex',
  hangUpClients: Number(document.getElementById('hangUpClients').value),
}));
document.getElementById('stop').addEventListener('click', () => post('/api/load/stop'));
document.getElementById('deadlock').addEventListener('click', () => post('/api/deadlock'));

async function loop() {
  try {
    await tick();
  } catch (e) {
    console.error(e);
  }
  setTimeout(loop, 1000);
}
loop();
