// netemu's live view. The server pushes one snapshot, then one message per
// change (link, session, routes, instance, event, convergence), numbered;
// this page never polls. A gap in the numbers or a lost socket means a new
// snapshot: the page rebuilds itself from it.
import cytoscape from 'cytoscape';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import './style.css';

const VERSION = 1;
const $ = (sel) => document.querySelector(sel);

const state = {
  seq: 0,
  snap: null,
  nodes: new Map(),   // name → node
  links: new Map(),   // id → link
  mirrorNodes: new Map(),
  mirrorLinks: new Map(),
  trace: { from: '', to: '', picking: false, result: null },
  selected: null,
  // For measurements: when each link's state was last drawn (Date.now()).
  linkShown: {},
  ws: null,
  backoff: 250,
};

// Exposed for tests and users' scripts (with the data-* attributes).
window.netemu = { state, cy: null, terms: [], openTerminal, linkAction, setTrace, cytoscape };

// ---------- the graph ----------

const kindStyle = {
  router: { shape: 'ellipse', color: '#3b6fd8' },
  host: { shape: 'rectangle', color: '#6b7280' },
  instance: { shape: 'round-rectangle', color: '#e07b00' },
  'vpc-router': { shape: 'diamond', color: '#8e44ad' },
  igw: { shape: 'hexagon', color: '#16a085' },
  // A switch is a shared segment: a flat bar its members hang off.
  switch: { shape: 'rectangle', color: '#4b5563' },
};

function styles(big) {
  const s = [
    { selector: 'node', style: {
      'label': 'data(label)', 'font-size': big ? 11 : 15, 'text-valign': 'bottom', 'text-margin-y': 3,
      'text-wrap': big ? 'none' : 'wrap', 'width': big ? 26 : 34, 'height': big ? 26 : 34, 'color': '#1d2330',
      'min-zoomed-font-size': big ? 9 : 0,
      'text-background-color': '#fff', 'text-background-opacity': big ? 0 : 0.7, 'text-background-padding': 1,
    } },
    { selector: 'edge:selected', style: { 'source-label': 'data(slabel)', 'target-label': 'data(tlabel)', 'min-zoomed-font-size': 0 } },
    { selector: ':parent', style: {
      'label': 'data(label)', 'text-valign': 'top', 'text-halign': 'center', 'shape': 'round-rectangle',
      'background-opacity': 0.07, 'border-width': 1, 'border-style': 'dashed', 'padding': 18, 'font-size': big ? 12 : 16,
      'font-weight': 'bold', 'min-zoomed-font-size': 0,
    } },
    { selector: 'node[gkind = "as"]', style: { 'background-color': '#3b6fd8', 'border-color': '#3b6fd8' } },
    { selector: 'node[gkind = "vpc"]', style: { 'background-color': '#e07b00', 'border-color': '#e07b00' } },
    { selector: 'node[?stopped]', style: { 'background-opacity': 0.3, 'border-width': 2, 'border-style': 'dotted' } },
    { selector: 'edge', style: {
      'width': 2, 'line-color': '#5a9d5a', 'curve-style': big ? 'haystack' : 'bezier',
      // Interface labels on every edge cost seconds at a thousand nodes:
      // a big lab shows them on the selected link and in its details.
      'source-label': big ? '' : 'data(slabel)', 'target-label': big ? '' : 'data(tlabel)',
      'source-text-rotation': 'autorotate', 'target-text-rotation': 'autorotate',
      'source-text-offset': big ? 30 : 40, 'target-text-offset': big ? 30 : 40, 'font-size': big ? 9 : 12, 'color': '#445',
      'min-zoomed-font-size': big ? 9 : 6, 'text-background-color': '#fff', 'text-background-opacity': 0.6,
    } },
    { selector: 'edge[state = "down"]', style: { 'line-color': '#d32f2f', 'line-style': 'dashed', 'width': 3 } },
    { selector: 'edge[state = "silent"]', style: { 'line-color': '#f39c12', 'line-style': 'dotted', 'width': 3 } },
    { selector: 'edge[bgp]', style: { 'width': 3 } },
    // A routing session or adjacency that is not up on a link whose
    // carrier is: purple, so a silent failure shows before routing moves.
    { selector: 'edge[state = "up"][bgp][bgp != "Established"][bgp != "?"]', style: { 'line-color': '#8e44ad', 'line-style': 'dashed' } },
    { selector: 'edge[state = "up"][rip = "down"]', style: { 'line-color': '#8e44ad', 'line-style': 'dashed' } },
    { selector: 'edge[state = "up"][ospf = "down"]', style: { 'line-color': '#8e44ad', 'line-style': 'dashed' } },
    { selector: 'edge[state = "up"][bfd = "down"]', style: { 'line-color': '#8e44ad', 'line-style': 'dashed' } },
    { selector: '.path', style: { 'line-color': '#00a8ff', 'width': 6, 'border-width': 3, 'border-color': '#00a8ff', 'z-index': 10 } },
    { selector: 'node.path', style: { 'line-color': '#00a8ff' } },
    { selector: 'node[kind = "switch"]', style: { 'width': big ? 44 : 70, 'height': big ? 10 : 14 } },
    { selector: ':selected', style: { 'border-width': 3, 'border-color': '#111', 'line-color': '#111' } },
    { selector: '.found', style: { 'border-width': 5, 'border-color': '#ff0' } },
  ];
  for (const [kind, st] of Object.entries(kindStyle)) {
    s.splice(2, 0, { selector: `node[kind = "${kind}"]`, style: { 'shape': st.shape, 'background-color': st.color } });
  }
  return s;
}

function nodeLabel(n) {
  let l = n.name;
  if (n.instance) l += n.public_ip ? `\n${n.public_ip}` : (n.running ? '' : '\n(stopped)');
  if (n.kind === 'switch' && n.subnet) l += `\n${n.subnet}`;
  if (n.routes >= 0 && (n.kind === 'router' || n.kind === 'vpc-router' || n.kind === 'igw')) l += `\n${n.routes} routes`;
  return l;
}

function shortAddr(a) { return a ? a : ''; }

function buildGraph(snap) {
  const big = snap.nodes.length > 300;
  const els = [];
  for (const g of snap.groups) {
    els.push({ group: 'nodes', data: { id: 'g:' + g.id, label: g.label, gkind: g.kind, isGroup: true } });
  }
  for (const n of snap.nodes) {
    els.push({ group: 'nodes', data: { id: n.name, parent: n.group ? 'g:' + n.group : undefined, kind: n.kind, label: nodeLabel(n), stopped: n.instance && !n.running }, position: { x: n.x, y: n.y } });
  }
  for (const l of snap.links) {
    els.push({ group: 'edges', data: { id: l.id, source: l.a, target: l.b, state: l.state, bgp: l.bgp || undefined, rip: l.rip || undefined,
      ospf: l.ospf || undefined, bfd: l.bfd || undefined,
      slabel: `${l.a_iface} ${shortAddr(l.a_addr)}`, tlabel: `${l.b_iface} ${shortAddr(l.b_addr)}` } });
  }
  if (window.netemu.cy) window.netemu.cy.destroy();
  const cy = cytoscape({
    container: $('#graph'), elements: els, style: styles(big),
    layout: { name: 'preset', fit: true, padding: 30 },
    wheelSensitivity: 0.3, minZoom: 0.02, maxZoom: 4,
    textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : 'auto',
    boxSelectionEnabled: false,
  });
  window.netemu.cy = cy;
  // The terminal panel and the window change the graph's size: Cytoscape
  // only watches the window, so tell it (else clicks land off target).
  if (!state.resizeObserver) {
    state.resizeObserver = new ResizeObserver(() => window.netemu.cy && window.netemu.cy.resize());
    state.resizeObserver.observe($('#graph'));
  }
  cy.on('tap', 'node', (ev) => { if (!ev.target.data('isGroup')) nodeTapped(ev.target.id(), ev); });
  cy.on('tap', 'edge', (ev) => linkTapped(ev.target.id(), ev.renderedPosition || ev.position));
  cy.on('tap', (ev) => { if (ev.target === cy) hideMenu(); });
  cy.on('viewport', hideMenu);
}

function buildLegend(snap) {
  const el = $('#legend');
  el.replaceChildren();
  for (const it of snap.legend || []) {
    const s = document.createElement('span');
    s.className = 'legend-item';
    s.dataset.legend = it.kind;
    const dot = document.createElement('i');
    dot.style.background = (kindStyle[it.kind] || {}).color || '#999';
    s.append(dot, `${it.kind} ${it.count}`);
    el.append(s);
  }
  el.insertAdjacentHTML('beforeend', '<span class="legend-item"><i class="ln up"></i>up</span><span class="legend-item"><i class="ln down"></i>down</span><span class="legend-item"><i class="ln silent"></i>silent</span><span class="legend-item"><i class="ln sess"></i>session down</span>');
}

// ---------- the DOM mirror (the testing contract) ----------

function buildMirror(snap) {
  const nl = $('#mirror-nodes'), ll = $('#mirror-links'), dl = $('#node-names');
  nl.replaceChildren(); ll.replaceChildren(); dl.replaceChildren();
  state.mirrorNodes.clear(); state.mirrorLinks.clear();
  const nf = document.createDocumentFragment(), lf = document.createDocumentFragment(), df = document.createDocumentFragment();
  for (const n of snap.nodes) {
    const li = document.createElement('li');
    li.dataset.node = n.name;
    li.dataset.kind = n.kind;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `${n.name} (${n.kind})`;
    b.addEventListener('click', () => nodeTapped(n.name));
    li.append(b);
    nf.append(li);
    state.mirrorNodes.set(n.name, li);
    updateMirrorNode(n);
    const o = document.createElement('option');
    o.value = n.name;
    df.append(o);
  }
  for (const l of snap.links) {
    const li = document.createElement('li');
    li.dataset.link = l.id;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `${l.a}:${l.a_iface} ${l.a_addr} — ${l.b}:${l.b_iface} ${l.b_addr}`;
    b.addEventListener('click', (ev) => linkTapped(l.id, { x: ev.clientX, y: ev.clientY }, true));
    li.append(b);
    lf.append(li);
    state.mirrorLinks.set(l.id, li);
    updateMirrorLink(l);
  }
  nl.append(nf); ll.append(lf); dl.append(df);
}

function updateMirrorNode(n) {
  const li = state.mirrorNodes.get(n.name);
  if (!li) return;
  li.dataset.routes = String(n.routes);
  if (n.instance) {
    li.dataset.running = String(n.running);
    li.dataset.publicIp = n.public_ip || '';
  }
}

function updateMirrorLink(l) {
  const li = state.mirrorLinks.get(l.id);
  if (!li) return;
  li.dataset.state = l.state;
  if (l.bgp) li.dataset.bgp = l.bgp; else delete li.dataset.bgp;
  if (l.rip) li.dataset.rip = l.rip; else delete li.dataset.rip;
  if (l.ospf) li.dataset.ospf = l.ospf; else delete li.dataset.ospf;
  if (l.bfd) li.dataset.bfd = l.bfd; else delete li.dataset.bfd;
}

// ---------- messages ----------

function applySnapshot(snap) {
  state.snap = snap;
  state.nodes = new Map(snap.nodes.map((n) => [n.name, n]));
  state.links = new Map(snap.links.map((l) => [l.id, l]));
  $('#lab-name').textContent = `netemu · ${snap.lab}${snap.machine ? '@' + snap.machine : ''}`;
  document.title = `netemu · ${snap.lab}`;
  const t0 = performance.now();
  buildGraph(snap);
  const t1 = performance.now();
  buildMirror(snap);
  const t2 = performance.now();
  $('#timeline').replaceChildren();
  for (const e of snap.events) addEvent(e, snap.convergence);
  showConvergence(snap.convergence);
  state.timing = { graph: t1 - t0, mirror: t2 - t1, events: performance.now() - t2, received: t0 - performance.timeOrigin };
  if (state.trace.from && state.trace.to) sendTrace();
  buildLegend(snap);
  // Ready once the canvas has drawn the snapshot, not merely received it.
  window.netemu.cy.one('render', () => {
    state.timing.rendered = performance.now() - t0;
    document.body.dataset.ready = 'true';
  });
}

function apply(msg) {
  const d = msg.data;
  switch (msg.type) {
    case 'link': {
      const l = state.links.get(d.id);
      if (!l) return;
      l.state = d.state;
      window.netemu.cy.$id(d.id).data('state', d.state);
      updateMirrorLink(l);
      const t = Date.now();
      requestAnimationFrame(() => { state.linkShown[d.id] = { state: d.state, applied: t, drawn: Date.now() }; });
      break;
    }
    case 'session': {
      const l = state.links.get(d.id);
      if (!l) return;
      l[d.proto] = d.state;
      window.netemu.cy.$id(d.id).data(d.proto, d.state);
      updateMirrorLink(l);
      break;
    }
    case 'routes': {
      const n = state.nodes.get(d.node);
      if (!n) return;
      n.routes = d.routes;
      window.netemu.cy.$id(n.name).data('label', nodeLabel(n));
      updateMirrorNode(n);
      break;
    }
    case 'instance': {
      const n = state.nodes.get(d.node);
      if (!n) return;
      Object.assign(n, { running: d.running, public_ip: d.public_ip || '', elastic: !!d.elastic });
      window.netemu.cy.$id(n.name).data({ label: nodeLabel(n), stopped: !d.running });
      updateMirrorNode(n);
      break;
    }
    case 'event':
      addEvent(d);
      break;
    case 'convergence':
      showConvergence(d);
      break;
  }
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws`);
  state.ws = ws;
  $('#conn').dataset.conn = 'connecting';
  $('#conn').textContent = 'connecting…';
  ws.onopen = () => { state.backoff = 250; };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.v !== VERSION) { location.reload(); return; }
    if (msg.type === 'snapshot') {
      state.seq = msg.seq;
      applySnapshot(msg.data);
      $('#conn').dataset.conn = 'live';
      $('#conn').textContent = 'live';
      return;
    }
    if (msg.type === 'trace') { showTrace(msg.data); return; }
    if (msg.seq <= state.seq) return; // already in the snapshot
    if (msg.seq !== state.seq + 1) { ws.close(); return; } // a gap: start again from a snapshot
    state.seq = msg.seq;
    apply(msg);
  };
  ws.onclose = () => {
    if (state.ws !== ws) return;
    $('#conn').dataset.conn = 'connecting';
    $('#conn').textContent = 'reconnecting…';
    setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, 5000);
  };
}

// ---------- timeline ----------

let lastRef = null;

function fmtRel(e) {
  if (!lastRef) return new Date(e.time).toLocaleTimeString();
  const rel = (Date.parse(e.time) - lastRef) / 1000;
  return (rel >= 0 ? '+' : '') + rel.toFixed(3) + 's';
}

function addEvent(e) {
  const ol = $('#timeline');
  if (e.inject) lastRef = Date.parse(e.time);
  const li = document.createElement('li');
  li.dataset.event = e.kind;
  li.dataset.eventNode = e.node;
  li.dataset.daemon = e.daemon;
  if (e.inject) li.className = 'inject';
  const rel = document.createElement('span');
  rel.className = 'rel';
  rel.textContent = fmtRel(e);
  li.append(rel, `${e.node} ${e.daemon} ${e.kind} ${e.text || ''}`);
  ol.append(li);
  while (ol.childElementCount > 500) ol.firstElementChild.remove();
  if (ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80) ol.scrollTop = ol.scrollHeight;
  if (state.selected && state.selected === e.node) appendNodeEvent(e);
}

function showConvergence(c) {
  const el = $('#convergence');
  if (!c || !c.ref) { el.textContent = ''; return; }
  el.dataset.convergenceMs = String(c.ms || 0);
  el.textContent = c.ms ? `${c.ref_label}: converged in ${(c.ms / 1000).toFixed(3)} s` : `${c.ref_label}: no routing change yet`;
  // Mark the failure's line in the timeline with its convergence time.
  const injects = document.querySelectorAll('#timeline li.inject');
  const li = injects[injects.length - 1];
  if (li && c.ms) {
    li.dataset.convergenceMs = String(c.ms);
    let s = li.querySelector('.conv-time');
    if (!s) { s = document.createElement('span'); s.className = 'conv-time'; li.append(s); }
    s.textContent = ` → converged in ${(c.ms / 1000).toFixed(3)} s`;
  }
}

// ---------- actions ----------

function hideMenu() { $('#menu').hidden = true; }

function showMenu(pos, title, items) {
  const m = $('#menu');
  m.replaceChildren();
  const t = document.createElement('div');
  t.className = 'title';
  t.textContent = title;
  m.append(t);
  for (const [label, action, fn] of items) {
    const b = document.createElement('button');
    b.type = 'button';
    b.role = 'menuitem';
    b.dataset.action = action;
    b.textContent = label;
    b.addEventListener('click', () => { hideMenu(); fn(); });
    m.append(b);
  }
  const r = $('#graph').getBoundingClientRect();
  m.style.left = `${Math.min(r.left + pos.x + 8, innerWidth - 220)}px`;
  m.style.top = `${Math.min(r.top + pos.y + 8, innerHeight - 140)}px`;
  m.hidden = false;
}

function linkTapped(id, pos, fromMirror) {
  const l = state.links.get(id);
  if (!l) return;
  showLinkDetails(l);
  showMenu(fromMirror ? { x: 40, y: 40 } : pos, `${l.a}:${l.a_iface} — ${l.b}:${l.b_iface} (${l.state})`, [
    ['Cut (carrier lost)', 'down', () => linkAction(id, 'down')],
    ['Cut silently (packets dropped)', 'silent', () => linkAction(id, 'silent')],
    ['Restore', 'up', () => linkAction(id, 'up')],
  ]);
}

async function linkAction(id, action) {
  const r = await fetch('api/link', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id, action }) });
  if (!r.ok) {
    const msg = await r.text();
    showError(`link ${action} ${id}: ${msg}`);
    return false;
  }
  return true;
}

function showError(msg) {
  const d = $('#details');
  const p = document.createElement('p');
  p.className = 'error';
  p.style.color = '#b00';
  p.textContent = msg;
  d.prepend(p);
}

function showLinkDetails(l) {
  state.selected = null;
  const d = $('#details');
  d.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = `Link ${l.a} — ${l.b}`;
  d.append(h, table([
    ['state', l.state], ['subnet', l.subnet], [`${l.a}`, `${l.a_iface} ${l.a_addr}`], [`${l.b}`, `${l.b_iface} ${l.b_addr}`],
    ...(l.bgp ? [['eBGP', l.bgp]] : []), ...(l.rip ? [['RIP', l.rip]] : []),
    ...(l.ospf ? [['OSPF', l.ospf]] : []), ...(l.bfd ? [['BFD', l.bfd]] : []),
  ]));
}

function table(rows, head) {
  const t = document.createElement('table');
  if (head) {
    const tr = document.createElement('tr');
    for (const c of head) { const th = document.createElement('th'); th.textContent = c; tr.append(th); }
    t.append(tr);
  }
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const c of r) { const td = document.createElement('td'); td.textContent = c ?? ''; tr.append(td); }
    t.append(tr);
  }
  return t;
}

function nodeTapped(name, ev) {
  hideMenu();
  if (state.trace.picking) {
    setTrace(state.trace.from, name);
    return;
  }
  showNode(name);
}

async function showNode(name) {
  const n = state.nodes.get(name);
  if (!n) return;
  state.selected = name;
  const cy = window.netemu.cy;
  cy.$(':selected').unselect();
  cy.$id(name).select();
  const d = $('#details');
  d.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = `${n.name} (${n.kind})`;
  const acts = document.createElement('div');
  acts.className = 'actions';
  const btn = (label, action, fn) => {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = label; b.dataset.action = action;
    b.addEventListener('click', fn);
    acts.append(b);
  };
  btn('Terminal', 'terminal', () => openTerminal(name));
  if (n.ssh) btn('ssh', 'ssh', () => openTerminal(name, true));
  btn('Trace from here', 'trace-from', () => { state.trace = { from: name, to: '', picking: true }; showTraceBar(); });
  if (state.trace.from && state.trace.from !== name) btn(`Trace ${state.trace.from} → here`, 'trace-to', () => setTrace(state.trace.from, name));
  const rows = [['hostname', n.hostname]];
  if (n.group) rows.push(['group', n.group]);
  if (n.loopback) rows.push(['loopback', n.loopback]);
  if (n.instance) rows.push(['private IP', n.private_ip], ['public IP', n.public_ip || '(none)'], ['state', n.running ? 'running' : 'stopped']);
  if (n.routes >= 0) rows.push(['kernel routes (main)', String(n.routes)]);
  d.append(h, acts, table(rows));
  const more = document.createElement('div');
  more.id = 'node-more';
  more.textContent = 'loading routes and sessions…';
  const evh = document.createElement('h2');
  evh.textContent = 'Recent events';
  const evl = document.createElement('ol');
  evl.id = 'node-events';
  evl.style.cssText = 'font: 11px ui-monospace, monospace; padding-left: 1.5em';
  d.append(more, evh, evl);
  for (const li of [...document.querySelectorAll(`#timeline li[data-event-node="${CSS.escape(name)}"]`)].slice(-20)) {
    evl.append(li.cloneNode(true));
  }
  try {
    const r = await fetch(`api/node?name=${encodeURIComponent(name)}`);
    if (!r.ok) throw new Error(await r.text());
    const det = await r.json();
    if (state.selected !== name) return;
    more.replaceChildren();
    if (det.agent) {
      const sh = document.createElement('h2');
      sh.textContent = 'Sessions';
      const rows = [];
      for (const s of det.agent.bgp || []) rows.push(['BGP', `${s.peer} AS${s.asn || ''}`, s.state]);
      for (const s of det.agent.rip || []) rows.push(['RIP', `${s.addr} ${s.iface}`, `heard ${new Date(s.last_heard).toLocaleTimeString()}`]);
      for (const s of det.agent.ospf || []) rows.push(['OSPF', `${s.addr} ${s.iface} (${s.router_id})`, s.state]);
      for (const s of det.agent.bfd || []) rows.push(['BFD', s.peer, s.state]);
      if (det.agent.error) rows.push(['agent', det.agent.error, '']);
      more.append(sh, table(rows, ['proto', 'peer', 'state']));
    }
    const rh = document.createElement('h2');
    rh.textContent = `Kernel routes (${det.routes.length})`;
    more.append(rh, table(det.routes.map((r) => [r.table === 254 ? 'main' : String(r.table), r.dst, r.gateway || (r.scope === 'link' ? 'on-link' : '-'), r.dev || '-', r.protocol, r.type || '']), ['table', 'dst', 'via', 'dev', 'proto', 'type']));
    if (det.error) more.append(det.error);
  } catch (e) {
    more.textContent = String(e);
  }
}

function appendNodeEvent(e) {
  const evl = $('#node-events');
  if (!evl) return;
  const li = document.createElement('li');
  li.dataset.event = e.kind;
  li.textContent = `${e.daemon} ${e.kind} ${e.text || ''}`;
  evl.append(li);
  while (evl.childElementCount > 20) evl.firstElementChild.remove();
}

// ---------- trace ----------

function showTraceBar() {
  const bar = $('#trace-bar');
  bar.hidden = !state.trace.from;
  $('#trace-from').textContent = state.trace.from;
  $('#trace-to').textContent = state.trace.to || 'pick a node…';
}

function setTrace(from, to) {
  state.trace = { from, to, picking: false, result: null };
  showTraceBar();
  sendTrace();
}

function sendTrace() {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify({ type: 'trace', from: state.trace.from, to: state.trace.to }));
  }
  if (!state.trace.to) clearPath();
}

function clearPath() { window.netemu.cy && window.netemu.cy.elements('.path').removeClass('path'); }

function showTrace(t) {
  if (t.from !== state.trace.from || t.to !== state.trace.to) return;
  state.trace.result = t;
  const cy = window.netemu.cy;
  cy.batch(() => {
    clearPath();
    for (const h of t.hops) cy.$id(h).addClass('path');
    for (const l of t.links) cy.$id(l).addClass('path');
  });
  let box = $('#trace-result');
  if (!box) {
    box = document.createElement('pre');
    box.id = 'trace-result';
    box.style.cssText = 'font: 11px ui-monospace, monospace; white-space: pre-wrap; margin: 4px 0';
    $('#details').prepend(box);
  }
  box.dataset.result = t.result;
  box.dataset.hops = t.hops.join(' ');
  box.textContent = `trace ${t.from} → ${t.to}: ${t.result}\n${t.text}`;
}

// ---------- terminals ----------

function openTerminal(node, ssh) {
  $('#terms').hidden = false;
  const pane = document.createElement('div');
  pane.className = 'term-pane';
  pane.dataset.term = node;
  pane.dataset.ssh = ssh ? 'true' : 'false';
  $('#term-panes').append(pane);
  const tab = document.createElement('button');
  tab.type = 'button';
  tab.textContent = (ssh ? 'ssh ' : '') + node + ' ×';
  $('#term-tabs').append(tab);
  const term = new Terminal({ fontSize: 13, cursorBlink: true, scrollback: 5000 });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(pane);
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/term?${ssh ? 'ssh' : 'node'}=${encodeURIComponent(node)}`);
  ws.binaryType = 'arraybuffer';
  const enc = new TextEncoder();
  const resize = () => {
    try { fit.fit(); } catch (e) { /* hidden */ }
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
  };
  ws.onopen = resize;
  ws.onmessage = (ev) => term.write(new Uint8Array(ev.data));
  ws.onclose = (ev) => term.write(`\r\n[connection closed${ev.reason ? ': ' + ev.reason : ''}]\r\n`);
  term.onData((d) => { if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d)); });
  const entry = { node, ssh: !!ssh, term, ws, pane, tab };
  window.netemu.terms.push(entry);
  const activate = () => {
    for (const t of window.netemu.terms) { t.pane.hidden = t !== entry; t.tab.classList.toggle('active', t === entry); }
    resize();
    term.focus();
  };
  tab.addEventListener('click', (ev) => {
    if (ev.offsetX > tab.clientWidth - 16) { // the ×
      ws.close(); term.dispose(); pane.remove(); tab.remove();
      window.netemu.terms = window.netemu.terms.filter((t) => t !== entry);
      if (window.netemu.terms.length) window.netemu.terms[window.netemu.terms.length - 1].tab.click();
      else $('#terms').hidden = true;
      return;
    }
    activate();
  });
  new ResizeObserver(resize).observe(pane);
  activate();
  return entry;
}

// ---------- search ----------

function find(name) {
  const cy = window.netemu.cy;
  const n = cy.$id(name);
  if (!n.length || n.data('isGroup')) return false;
  cy.elements('.found').removeClass('found');
  n.addClass('found');
  cy.animate({ center: { eles: n }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 });
  showNode(name);
  return true;
}

$('#search').addEventListener('change', (ev) => find(ev.target.value.trim()));
$('#search').addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter') return;
  const q = ev.target.value.trim();
  if (find(q)) return;
  const m = [...state.nodes.keys()].find((k) => k.includes(q));
  if (m) find(m);
});
$('#trace-clear').addEventListener('click', () => { state.trace = { from: '', to: '', picking: false }; showTraceBar(); sendTrace(); $('#trace-result')?.remove(); });
document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') hideMenu(); });

connect();
