// The cluster pane, live from watches (summaries: each object's
// `kubectl get -o wide` row) and the API request stream:
//   - Architecture: the control plane's components and each node's
//     kubelet, kube-proxy and runtime with its pods, the boxes a request
//     passes through lit as it happens, and the path of the latest changes
//     in words; node actions (add, cordon, drain, stop, start, delete) run
//     in the terminal, where the user sees the command;
//   - Objects: owners and dependents as trees (Deployment → ReplicaSets →
//     Pods, CronJob → Jobs → Pods, Service → EndpointSlices, ...);
//   - Events and API requests, filterable;
//   - History: a slider over everything the watches brought (model.js's
//     Timeline) shows the cluster as it was at any past moment, read-only,
//     until "Back to now".
// Selecting an object opens the inspector (inspector.js).
//
// Everything from the cluster is shown as text (dom.js), never HTML. A
// status is a word and a symbol, not only a colour.

import { ObjectStore } from './bridge.js';
import { h, keepFocus, lazy, morph, resolve, sliced, slicedWork } from './dom.js';
import { cellOf, ownerTrees, boxesOf, describeRequest, isWrite, matches, Ring, Timeline, usageText } from './model.js';
import { Inspector } from './inspector.js';

/** statusClass sorts a STATUS cell into ok, progress, bad or done, for styling. */
export function statusClass(status) {
  const s = String(status ?? '');
  if (/^(Running|Ready|Active|Bound|Complete)$/.test(s)) return 'ok';
  if (/^(Completed|Succeeded)$/.test(s)) return 'done';
  if (/Pending|ContainerCreating|PodInitializing|Init:\d|Terminating|SchedulingDisabled|Unknown|Progressing/.test(s)) return 'progress';
  return 'bad';
}

const SYMBOLS = { ok: '●', done: '✓', progress: '◌', bad: '✕' };

/** symbolFor is the symbol shown before a status, so it is not told by colour alone. */
export function symbolFor(status) {
  return SYMBOLS[statusClass(status)];
}

/** cell finds a cell of an object of store by its header. */
export function cell(store, obj, header) {
  return cellOf(store.headers, obj, header);
}

/**
 * stateOf is an object's state for the views: {cls, text}. A pod's is its
 * STATUS; a workload's compares READY's two counts; others are ok.
 */
export function stateOf(store, o) {
  if (o.kind === 'Pod' || o.kind === 'Node' || o.kind === 'PersistentVolumeClaim' || o.kind === 'Job') {
    const s = cell(store, o, 'STATUS');
    return { cls: statusClass(s), text: s };
  }
  const ready = cell(store, o, 'READY');
  const m = /^(\d+)\/(\d+)$/.exec(ready);
  if (m) return { cls: m[1] === m[2] ? 'ok' : 'progress', text: `${ready} ready` };
  if (o.kind === 'ReplicaSet' || o.kind === 'DaemonSet' || o.kind === 'ReplicationController') {
    const desired = cell(store, o, 'DESIRED');
    const r = cell(store, o, 'READY');
    if (desired === '0') return { cls: 'done', text: '0 desired (old)' };
    return { cls: r === desired ? 'ok' : 'progress', text: `${r}/${desired} ready` };
  }
  return { cls: 'ok', text: '' };
}

// What the view watches: resource → the kinds' store.
const RESOURCES = [
  'nodes', 'pods', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps', 'daemonsets.apps', 'jobs.batch',
  'cronjobs.batch', 'services', 'endpointslices.discovery.k8s.io', 'persistentvolumeclaims', 'events', 'replicationcontrollers',
];

// The control plane's components, as boxes; the static pod that runs each.
const CONTROL_PLANE = [
  { box: 'kubectl', label: 'kubectl (you)', pod: null },
  { box: 'kube-apiserver', label: 'kube-apiserver', pod: 'kube-apiserver-' },
  { box: 'etcd', label: 'etcd', pod: 'etcd-' },
  { box: 'kube-scheduler', label: 'kube-scheduler', pod: 'kube-scheduler-' },
  { box: 'kube-controller-manager', label: 'kube-controller-manager', pod: 'kube-controller-manager-' },
  { box: 'cloud-controller-manager', label: 'cloud-controller-manager', pod: null },
];

const VIEWS = ['arch', 'objects', 'events', 'requests'];
const FLASH_MS = 900;
const ARROW_MS = 2500; // how long a request's arrows stay drawn
const SVG = 'http://www.w3.org/2000/svg';
const TOP_MS = 2000; // how often the architecture view reads the metrics API
const SHOWN = 300; // rows of the event and request lists
// Past these sizes the architecture view aggregates: nodes become tiles
// (no component boxes or action buttons), and pods are counted by status
// on their node rather than drawn one by one. Drawing each of thousands
// would not help anyone read the picture, and its layout alone took the
// page seconds at 10,000 pods.
const TILE_NODES = 60;
const POD_CHIPS = 600;
const TILE_GROUP = 50; // tiles drawn, or skipped off screen, as one
const COMPACT_RENDER_MS = 250; // a compact view redraws at most this often
const COMPACT_RENDER_MAX_MS = 2000; // and at least this often when it changes
const RENDER_SHARE = 5; // a compact view waits this many times what a redraw cost
const FLASH_STEP_MS = 100; // how often flashes and arrows fade a step

// afterFrame calls f once the browser has drawn the next frame (a task
// posted from a frame's callback runs after that frame's style, layout
// and paint).
function afterFrame(f) {
  if (typeof requestAnimationFrame !== 'function') return void setTimeout(f, 0);
  requestAnimationFrame(() => setTimeout(f, 0));
}

export class ClusterView {
  /**
   * root is the cluster pane; run(line) runs a command in the terminal;
   * ask(opts) asks the user to confirm (main.js's dialog).
   */
  constructor(root, engine, { run, ask, storage }) {
    this.root = root;
    this.engine = engine;
    this.run = run;
    this.ask = ask;
    this.storage = storage;
    this.live = new Map(RESOURCES.map((r) => [r, new ObjectStore()]));
    this.stores = this.live; // what the views draw: the live stores, or a past state's
    this.timeline = new Timeline(() => new ObjectStore());
    this.at = null; // the timeline's index on show, or null for now
    this.usage = { available: false, nodes: new Map(), pods: new Map() }; // from the metrics API
    this.watches = [];
    // drawn resolves once the view has drawn Ready nodes for the first time.
    this.drawn = new Promise((resolve) => (this.resolveDrawn = resolve));
    this.namespace = 'default';
    this.view = VIEWS.includes(storage?.getItem?.('kubeplay.view')) ? storage.getItem('kubeplay.view') : 'arch';
    this.dirty = true;
    this.requests = new Ring(2000);
    this.writes = new Ring(1000); // kept apart, so the reads do not push them out
    this.path = new Ring(20);
    this.dropped = 0;
    this.flashes = new Map(); // box → until (performance.now())
    this.flashAt = Infinity; // when the next fading step is due
    this.renderedAt = -Infinity;
    this.renderCost = 0; // what a compact view's last redraw cost, in ms (render)
    this.slicedMark = 0; // slicedWork() when it began
    this.asked = false; // the user asked for a redraw (redraw)
    this.showSystem = false;
    this.marked = false;
    this.body = root.querySelector('#cluster-views');
    // A resized pane moves the boxes the arrows join.
    if (typeof ResizeObserver === 'function' && this.body) new ResizeObserver(() => (this.boxRects = null)).observe(this.body);
    this.summary = root.querySelector('#cluster-summary');
    this.nsSelect = root.querySelector('#cluster-namespace');
    this.filters = { events: '', requests: '' };
    this.writesOnly = true;
    this.inspector = new Inspector(root.querySelector('#inspector'), engine, {
      lookup: (uid) => this.find(uid),
    });
    this.nsSelect?.addEventListener('change', () => {
      this.namespace = this.nsSelect.value;
      this.redraw();
    });
    this.setupTabs();
    this.setupHistory();
    engine.on('frame', () => this.render());
    engine.on('requests', (reqs, dropped) => this.onRequests(reqs, dropped));
  }

  setupTabs() {
    const tabs = [...this.root.querySelectorAll('[role=tab][data-view]')];
    const select = (v, focus) => {
      this.view = v;
      try {
        this.storage?.setItem('kubeplay.view', v);
      } catch {
        // not kept
      }
      for (const t of tabs) {
        const on = t.dataset.view === v;
        t.setAttribute('aria-selected', String(on));
        t.tabIndex = on ? 0 : -1;
        if (on && focus) t.focus();
      }
      this.body.setAttribute('aria-labelledby', `view-tab-${v}`);
      this.redraw(true);
    };
    for (const t of tabs) {
      t.addEventListener('click', () => select(t.dataset.view));
      t.addEventListener('keydown', (e) => {
        const i = VIEWS.indexOf(this.view);
        const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
        if (j === undefined) return;
        e.preventDefault();
        select(VIEWS[(j + VIEWS.length) % VIEWS.length], true);
      });
    }
    select(this.view);
  }

  setupHistory() {
    this.historyRange = this.root.querySelector('#history-range');
    this.historyTime = this.root.querySelector('#history-time');
    this.historyNow = this.root.querySelector('#history-now');
    this.historyRange?.addEventListener('input', () => {
      const n = Number(this.historyRange.value);
      this.showAt(n >= this.timeline.end ? null : n);
    });
    this.historyNow?.addEventListener('click', () => this.showAt(null));
  }

  /** showAt shows the cluster after the timeline's first n entries, read-only, or now (null). */
  showAt(n) {
    if (n === null || n >= this.timeline.end) {
      this.at = null;
      this.stores = this.live;
    } else {
      this.at = Math.max(this.timeline.start, n);
      this.stores = this.timeline.storesAt(this.at);
      this.inspector.close();
    }
    this.root.classList.toggle('past', this.at !== null);
    this.redraw();
  }

  updateHistory() {
    const r = this.historyRange;
    if (!r) return;
    const tl = this.timeline;
    r.min = String(tl.start);
    r.max = String(tl.end);
    if (this.at === null) r.value = String(tl.end);
    const when = this.at === null ? 'now' : clockTime(tl.timeAt(this.at)) || 'the start';
    r.setAttribute('aria-valuetext', this.at === null ? 'now' : `${when}, change ${this.at} of ${tl.end}`);
    if (this.historyTime) this.historyTime.textContent = this.at === null ? 'now' : `${when} (read-only)`;
    if (this.historyNow) this.historyNow.hidden = this.at === null;
  }

  start() {
    for (const [resource, store] of this.live) this.watch(resource, store);
    this.engine.call('requests', { on: true }).catch((err) => console.warn('kubeplay: no request stream', err));
    clearInterval(this.topTimer);
    this.topTimer = setInterval(() => this.readUsage(), TOP_MS);
    this.readUsage();
  }

  /** readUsage reads the nodes' and pods' use (kubectl top's figures) for the architecture view. */
  readUsage() {
    if (this.view !== 'arch' || this.at !== null || this.reading || globalThis.document?.hidden) return;
    this.reading = true;
    this.engine.call('top').then((r) => {
      // Redraw only when the figures changed (a scrape is every 15 s).
      const sig = JSON.stringify(r);
      if (sig === this.usageSig) return;
      this.usageSig = sig;
      this.usage = {
        available: !!r?.available,
        nodes: new Map((r?.nodes ?? []).map((n) => [n.name, n])),
        pods: new Map((r?.pods ?? []).map((p) => [`${p.namespace}/${p.name}`, p])),
      };
      this.dirty = true;
    }, () => {}).finally(() => {
      this.reading = false;
    });
  }

  stop() {
    clearInterval(this.topTimer);
    this.usage = { available: false, nodes: new Map(), pods: new Map() };
    this.usageSig = '';
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.inspector.close();
    this.requests = new Ring(2000);
    this.writes = new Ring(1000); // kept apart, so the reads do not push them out
    this.path = new Ring(20);
    this.dropped = 0;
    this.marked = false;
    this.timeline = new Timeline(() => new ObjectStore());
    this.showAt(null);
  }

  /** now is the virtual time the engine's latest batch carried. */
  now() {
    return this.engine.clock?.now ?? NaN;
  }

  watch(resource, store) {
    const w = this.engine.watch(resource, { summary: true }, {
      onList: (list) => {
        store.reset(list);
        this.timeline.record(this.now(), resource, { list }, this.live);
        if (this.at === null) this.dirty = true;
        this.render();
      },
      onEvents: (events) => {
        const ok = store.apply(events);
        this.timeline.record(this.now(), resource, { events }, this.live);
        if (!ok) {
          // An ERROR event: the watch is over; list again.
          w.stop();
          this.watches = this.watches.filter((x) => x !== w);
          this.watch(resource, store);
        }
        if (this.at === null) this.dirty = true;
        this.inspector.changed(events.map((e) => e.object?.uid));
      },
    });
    w.ready.catch((err) => console.warn(`kubeplay: the ${resource} watch failed`, err));
    this.watches.push(w);
  }

  /** find returns the summary with uid and its store, or null. */
  find(uid) {
    for (const [resource, store] of this.stores) {
      const o = store.objects.get(uid);
      if (o) return { obj: o, store, resource };
    }
    return null;
  }

  onRequests(reqs, dropped) {
    this.requests.push(...reqs);
    this.writes.push(...reqs.filter(isWrite));
    this.dropped += dropped;
    const now = performance.now();
    for (const r of reqs) {
      if (this.at === null) {
        for (const b of boxesOf(r)) this.flashes.set(b, now + FLASH_MS);
        this.arrowFor(r, now);
      }
      if (isWrite(r) && !/^(leases|events)\b/.test(r.resource)) this.addToPath(r);
    }
    if (this.view === 'requests' || (this.view === 'arch' && reqs.some(isWrite))) this.dirty = true;
    // A fading step due soon draws these too: at max speed requests come
    // with every frame, and drawing at each made the browser restyle the
    // view and lay it out again (the arrows' layer is sized to it) at
    // every frame.
    if (this.flashAt - performance.now() > FLASH_STEP_MS) this.flash();
  }

  /**
   * addToPath keeps the latest distinct changes: a repeat of a change
   * (the same component writing the same object the same way, such as
   * status updates) moves to the end instead of pushing others out.
   */
  addToPath(r) {
    const key = `${r.component} ${r.verb} ${r.resource}/${r.subresource ?? ''} ${r.namespace ?? ''}/${r.name ?? ''}`;
    const items = this.path.items;
    const i = items.findIndex((x) => x.key === key);
    if (i >= 0) items.splice(i, 1);
    this.path.push({ ...r, key });
  }

  /**
   * arrowFor notes the path a request took (component → kube-apiserver →
   * etcd) to draw as arrows; the latest change's path stays drawn, faint,
   * once the others have faded.
   */
  arrowFor(r, now) {
    const boxes = boxesOf(r);
    if (boxes.length < 2) return;
    const key = boxes.join(' ');
    this.arrows ??= new Map();
    this.arrows.delete(key); // the newest last
    this.arrows.set(key, { boxes, until: now + ARROW_MS, write: isWrite(r) && !r.error });
    if (isWrite(r) && !r.error && !/^(leases|events)\b/.test(r.resource)) this.lastPath = boxes;
    while (this.arrows.size > 40) this.arrows.delete(this.arrows.keys().next().value);
  }

  flash() {
    const now = performance.now();
    let next = Infinity;
    for (const el of this.body.querySelectorAll('[data-box]')) {
      const until = this.flashes.get(el.dataset.box) ?? 0;
      el.classList.toggle('hit', until > now);
      if (until > now) next = Math.min(next, until);
    }
    next = Math.min(next, this.drawArrows(now));
    clearTimeout(this.flashTimer);
    this.flashAt = Infinity;
    if (next < Infinity) {
      const wait = Math.max(50, next - now + 10);
      this.flashAt = now + wait;
      this.flashTimer = setTimeout(() => this.flash(), wait);
    }
  }

  /**
   * drawArrows draws, over the architecture view, an arrow for each hop of
   * the requests of the last moments, fading as they age, and returns
   * when the picture next changes (Infinity: not until a request comes).
   */
  drawArrows(now) {
    let svg = this.arrowLayer;
    if (!svg) {
      svg = this.arrowLayer = document.createElementNS(SVG, 'svg');
      svg.setAttribute('class', 'arrows');
      svg.setAttribute('aria-hidden', 'true');
      const marker = document.createElementNS(SVG, 'marker');
      for (const [k, v] of Object.entries({ id: 'arrow-head', viewBox: '0 0 8 8', refX: '7', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' })) marker.setAttribute(k, v);
      const head = document.createElementNS(SVG, 'path');
      head.setAttribute('d', 'M0,0 L8,4 L0,8 z');
      head.setAttribute('class', 'arrow-head');
      marker.append(head);
      const defs = document.createElementNS(SVG, 'defs');
      defs.append(marker);
      svg.append(defs, document.createElementNS(SVG, 'g'));
    }
    const g = svg.lastChild;
    if (this.view !== 'arch' || this.at !== null || !this.arrows?.size) {
      g.replaceChildren();
      return Infinity;
    }
    if (svg.parentNode !== this.body) this.body.append(svg);
    // The boxes' places are read once a drawing (reading them makes the
    // browser lay the page out, which a view of a thousand nodes makes
    // costly), not at each fading step.
    // So is the size of the view, which the layer takes.
    const laid = (this.boxRects ??= { origin: this.body.getBoundingClientRect(), width: this.body.scrollWidth, height: this.body.scrollHeight, rects: new Map() });
    const rects = laid.rects;
    const rectOf = (box) => {
      if (rects.has(box)) return rects.get(box);
      const el = this.body.querySelector(`[data-box="${CSS.escape(box)}"]`);
      const r = el?.getBoundingClientRect();
      const o = laid.origin;
      const rect = !r?.width ? null : { x: r.left - o.left + this.body.scrollLeft + r.width / 2, y: r.top - o.top + this.body.scrollTop + r.height / 2, hw: r.width / 2, hh: r.height / 2 };
      rects.set(box, rect);
      return rect;
    };
    // The point where the line from a's centre towards b leaves a's box.
    const edge = (a, b, dx, dy) => {
      const t = Math.min(dx ? a.hw / Math.abs(dx) : Infinity, dy ? a.hh / Math.abs(dy) : Infinity, 0.5);
      return [a.x + dx * t, a.y + dy * t];
    };
    const lines = [];
    let next = Infinity;
    const last = this.lastPath?.join(' ');
    for (const [key, a] of this.arrows) {
      const left = a.until - now;
      if (left <= 0 && key !== last) {
        this.arrows.delete(key);
        continue;
      }
      if (left > 0) next = Math.min(next, now + FLASH_STEP_MS); // fading
      const opacity = left > 0 ? 0.25 + 0.75 * (left / ARROW_MS) : 0.25;
      for (let i = 0; i + 1 < a.boxes.length; i++) {
        const from = rectOf(a.boxes[i]);
        const to = rectOf(a.boxes[i + 1]);
        if (!from || !to) continue;
        const dx = to.x - from.x;
        const dy = to.y - from.y;
        const [x1, y1] = edge(from, to, dx, dy);
        const [x2, y2] = edge(to, from, -dx, -dy);
        const line = document.createElementNS(SVG, 'line');
        for (const [k, v] of Object.entries({ x1, y1, x2, y2, opacity: opacity.toFixed(2), 'marker-end': 'url(#arrow-head)', 'data-from': a.boxes[i], 'data-to': a.boxes[i + 1] })) line.setAttribute(k, String(v));
        line.setAttribute('class', a.write ? 'arrow write' : 'arrow');
        lines.push(line);
      }
    }
    svg.setAttribute('width', String(laid.width));
    svg.setAttribute('height', String(laid.height));
    g.replaceChildren(...lines);
    return next;
  }

  redraw(force) {
    this.dirty = true;
    // What the user asked for waits at most COMPACT_RENDER_MS, not a
    // costly view's longer interval.
    this.asked = true;
    clearTimeout(this.renderTimer);
    this.renderTimer = null;
    if (force) this.body.replaceChildren();
    this.render();
  }

  render() {
    this.updateHistory();
    if (!this.dirty) return;
    // A large view redraws a few times a second, not at every batch.
    if (this.compact && this.view === 'arch') {
      // What the last redraw cost: its script and the frame after it
      // (renderCost), and the slices that patched its tiles since.
      const cost = this.renderCost + slicedWork() - this.slicedMark;
      const every = Math.min(COMPACT_RENDER_MAX_MS, Math.max(COMPACT_RENDER_MS, RENDER_SHARE * cost));
      const wait = this.renderedAt + (this.asked ? COMPACT_RENDER_MS : every) - performance.now();
      if (wait > 0) {
        this.renderTimer ??= setTimeout(() => {
          this.renderTimer = null;
          this.render();
        }, wait);
        return;
      }
    }
    const started = (this.renderedAt = performance.now());
    const mark = (this.slicedMark = slicedWork());
    this.dirty = false;
    this.asked = false;
    this.fillNamespaces();
    this.updateSummary();
    keepFocus(this.body, () => {
      const el = this[`draw_${this.view}`]();
      el.dataset.view = this.view;
      const have = this.body.firstChild;
      // The same view again is patched in place (morph): with a thousand
      // pods, rebuilding it made the browser restyle and lay out the
      // whole view at every batch, which left the page no time for the
      // terminal. The stream views keep their own root (stream).
      if (have !== el && have?.dataset?.view === this.view && !this.streams?.[this.view]) morph(have, el);
      else if (have !== el) this.body.replaceChildren(resolve(el));
    });
    this.boxRects = null; // the boxes may have moved
    // The arrows are drawn where the boxes are, read at the next frame,
    // which lays the page out anyway: read now, they made the browser lay
    // out the redrawn view once more, in this task.
    if (typeof requestAnimationFrame === 'function') {
      this.flashFrame ??= requestAnimationFrame(() => {
        this.flashFrame = null;
        this.flash();
      });
    } else this.flash();
    // A compact view redraws at most every COMPACT_RENDER_MS, and less
    // often when a redraw costs more: what one cost, its script, the
    // browser's styling, layout and painting of the frame after it and
    // the slices that patch its tiles, times RENDER_SHARE (the view then
    // takes at most a fifth of the page's thread, whose other work is
    // the terminal's).
    if (this.compact && this.view === 'arch') {
      this.renderCost = performance.now() - started;
      afterFrame(() => {
        // Slices run before the frame are counted as slices, not twice.
        if (this.slicedMark === mark) this.renderCost = performance.now() - started - (slicedWork() - mark);
      });
    }
  }

  updateSummary() {
    const nodes = this.stores.get('nodes');
    const list = nodes.list();
    const ready = list.filter((n) => statusClass(cell(nodes, n, 'STATUS')) === 'ok' || cell(nodes, n, 'STATUS') === 'Ready,SchedulingDisabled').length;
    if (list.length >= 3 && ready === list.length && !this.marked) {
      this.marked = true;
      performance.mark?.('kubeplay-nodes-ready'); // for the measures (e2e)
      this.resolveDrawn();
    }
    const pods = this.stores.get('pods').objects.size;
    const past = this.at === null ? '' : ` · at ${clockTime(this.timeline.timeAt(this.at)) || 'the start'}`;
    if (this.summary) this.summary.textContent = `${ready} of ${list.length} nodes ready · ${pods} pod${pods === 1 ? '' : 's'}${past}`;
  }

  fillNamespaces() {
    const sel = this.nsSelect;
    if (!sel) return;
    const set = new Set(['default']);
    for (const store of this.stores.values()) for (const o of store.objects.values()) if (o.namespace) set.add(o.namespace);
    const want = ['', ...[...set].sort()];
    const have = [...sel.options].map((o) => o.value);
    if (want.join('\n') === have.join('\n')) return;
    sel.replaceChildren(...want.map((ns) => h('option', { value: ns }, ns || 'all namespaces')));
    sel.value = want.includes(this.namespace) ? this.namespace : 'default';
  }

  inNamespace(o) {
    return this.namespace === '' || !o.namespace || o.namespace === this.namespace;
  }

  select(uid) {
    if (this.at !== null) return; // the past is read-only: the inspector shows what is
    this.inspector.open(uid);
  }

  // ---- architecture ----------------------------------------------------

  draw_arch() {
    const nodes = this.stores.get('nodes');
    const pods = this.stores.get('pods');
    const system = pods.list((p) => p.namespace === 'kube-system');
    const cp = h('section', { class: 'cp', 'aria-label': 'Control plane' },
      h('h3', {}, 'Control plane'),
      h('div', { class: 'boxes' }, CONTROL_PLANE.map((c) => this.componentBox(c, system))),
    );
    const path = this.path.items.slice().reverse();
    const trail = h('section', { class: 'trail', 'aria-label': 'The latest changes, and the components they passed through' },
      h('h3', {}, 'Latest changes'),
      this.at !== null
        ? h('p', { class: 'muted' }, 'The history keeps objects, not API requests: back to now to follow the latest changes.')
        : path.length
          ? h('ol', { class: 'path' }, path.map((r) => h('li', {}, h('time', {}, clockTime(r.time)), ' ', describeRequest(r))))
          : h('p', { class: 'muted' }, 'Nothing has changed yet: apply a manifest or run kubectl create.'),
    );
    const byNode = new Map();
    const shown = (p) => (p.namespace === 'kube-system' ? this.showSystem || this.namespace === 'kube-system' : this.inNamespace(p));
    const shownPods = pods.list(shown);
    for (const p of shownPods) {
      const k = p.node || '';
      if (!byNode.has(k)) byNode.set(k, []);
      byNode.get(k).push(p);
    }
    const nodeList = nodes.list();
    const tiles = nodeList.length > TILE_NODES;
    const counted = shownPods.length > POD_CHIPS;
    this.countsPods = counted;
    this.compact = tiles || counted;
    const podsOf = (list) => (counted ? this.podCounts(list, pods) : this.podList(list, pods));
    let nodeBoxes = nodeList.map((n) => (tiles ? this.lazyTile(n, nodes, byNode.get(n.name) ?? [], podsOf) : this.nodeBox(n, nodes, podsOf(byNode.get(n.name) ?? []))));
    if (tiles) {
      // Tiles come in groups that the browser lays out and paints, or
      // skips off screen, as one (content-visibility): a thousand tiles
      // each skipped on its own made it compute a thousand intersections
      // at every frame. Each group is patched a slice at a time (sliced),
      // so that the page's other tasks, the terminal's first, run between.
      const groups = [];
      for (let i = 0; i < nodeBoxes.length; i += TILE_GROUP) groups.push(sliced(h('div', { class: 'tile-group' }, nodeBoxes.slice(i, i + TILE_GROUP))));
      nodeBoxes = groups;
    }
    const pending = byNode.get('') ?? [];
    if (pending.length) {
      nodeBoxes.push(h('section', { class: 'node node-none', 'aria-label': 'Pods on no node' },
        h('h3', {}, '◌ Not scheduled'),
        h('p', { class: 'muted' }, 'Waiting for the scheduler to find them a node.'),
        podsOf(pending)));
    }
    const note = this.compact
      ? h('p', { class: 'muted compact-note', 'data-key': 'compact-note' },
        `${nodeList.length} nodes and ${shownPods.length} pods: `,
        tiles ? 'nodes are drawn as tiles (their actions: select one, or kubectl cordon, drain…)' : '',
        tiles && counted ? '; ' : '',
        counted ? 'pods are counted by status on their node (kubectl get pods lists them)' : '',
        '.')
      : null;
    const tools = h('div', { class: 'arch-tools' },
      h('button', { type: 'button', 'data-key': 'add-node', disabled: this.at !== null, onclick: () => this.run('kubeplay node add') }, '+ Add node'),
      h('label', {}, h('input', { type: 'checkbox', 'data-key': 'show-system', checked: this.showSystem, onchange: (e) => ((this.showSystem = e.target.checked), this.redraw()) }), ' kube-system pods'),
    );
    const boxes = h('div', { class: `nodes${tiles ? ' tiles' : ''}${tiles && counted ? ' counted' : ''}` }, nodeBoxes);
    return h('div', { class: 'arch' }, cp, note, tiles ? sliced(boxes) : boxes, tools, trail);
  }

  componentBox(c, system) {
    const pod = c.pod ? system.find((p) => p.name.startsWith(c.pod)) : null;
    const st = pod ? statusOfPod(this.stores.get('pods'), pod) : null;
    const note = c.box === 'kubectl' ? 'the terminal' : c.box === 'cloud-controller-manager' ? 'the cloud: kubeplay node' : st ? `${SYMBOLS[st.cls]} ${st.text}` : '';
    return h(pod ? 'button' : 'div', {
      class: `box${st ? ` st-${st.cls}` : ''}`, 'data-box': c.box, type: pod ? 'button' : null, 'data-key': `box:${c.box}`,
      onclick: pod ? () => this.select(pod.uid) : null,
      'aria-label': pod ? `${c.label}: ${st.text}; inspect its pod` : null,
    }, h('span', { class: 'box-name' }, c.label), h('span', { class: 'box-note' }, note));
  }

  /**
   * lazyTile is nodeTile made only when what it shows changed since the
   * last drawing: its name, status and its pods' statuses (counted, or
   * each pod's name and status). The signature must cover everything
   * nodeTile, podCounts and podList read: what it leaves out would not
   * show until something else about the node changed.
   */
  lazyTile(n, nodes, podsHere, podsOf) {
    const pods = this.stores.get('pods');
    const past = this.at !== null;
    const podSig = this.countsPods
      ? (p) => statusOfPod(pods, p).text // podCounts shows the counts by status
      : (p) => {
        const st = statusOfPod(pods, p);
        const use = past ? '' : usageText(this.usage.pods.get(`${p.namespace}/${p.name}`));
        return [p.uid, p.namespace, p.name, st.cls, st.text, cell(pods, p, 'READY'), cell(pods, p, 'RESTARTS'), use].join(' ');
      };
    const sig = [n.uid, n.name, cell(nodes, n, 'STATUS'), this.countsPods ? 'counted' : 'listed', past ? 'past' : 'now', ...podsHere.map(podSig)].join('\n');
    return lazy('section', sig, () => this.nodeTile(n, nodes, podsOf(podsHere)));
  }

  /** nodeTile is a node drawn small, for clusters of many nodes: its name, status and pods. */
  nodeTile(n, nodes, podsHere) {
    const status = cell(nodes, n, 'STATUS');
    const cls = status === 'Ready,SchedulingDisabled' ? 'progress' : statusClass(status);
    return h('section', { class: 'node node-tile', 'data-state': cls, 'data-name': n.name, 'aria-label': `Node ${n.name}: ${status}` },
      h('h3', {}, h('button', { type: 'button', class: 'linklike', 'data-key': `obj:${n.uid}`, onclick: () => this.select(n.uid) }, `${SYMBOLS[cls]} ${n.name}`),
        ' ', h('span', { class: `node-status st-${cls}` }, status)),
      podsHere);
  }

  /** podCounts is a list of pods as counts by status, for views of many pods. */
  podCounts(list) {
    if (!list.length) return h('p', { class: 'muted pods-none' }, 'No pods');
    const pods = this.stores.get('pods');
    const by = new Map();
    for (const p of list) {
      const st = statusOfPod(pods, p);
      const c = by.get(st.text) ?? { cls: st.cls, n: 0 };
      c.n++;
      by.set(st.text, c);
    }
    const counts = [...by].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
    return h('p', { class: 'pod-counts' }, `${list.length} pod${list.length === 1 ? '' : 's'}: `,
      counts.map(([text, c], i) => h('span', { class: `st-${c.cls}`, 'data-status': text }, i ? ' · ' : '', `${SYMBOLS[c.cls]} ${c.n} ${text}`)));
  }

  nodeBox(n, nodes, podList) {
    const status = cell(nodes, n, 'STATUS');
    const cls = status === 'Ready,SchedulingDisabled' ? 'progress' : statusClass(status);
    const roles = cell(nodes, n, 'ROLES');
    const cordoned = status.includes('SchedulingDisabled');
    const ready = status.startsWith('Ready');
    const act = (label, line, confirm) =>
      h('button', {
        type: 'button', 'data-key': `node:${n.name}:${label}`, 'aria-label': `${label} ${n.name}`, disabled: this.at !== null,
        onclick: async () => {
          if (confirm && !(await this.ask(confirm))) return;
          this.run(line);
        },
      }, label);
    return h('section', { class: 'node', 'data-state': cls, 'data-name': n.name, 'aria-label': `Node ${n.name}: ${status}` },
      h('h3', {}, h('button', { type: 'button', class: 'linklike', 'data-key': `obj:${n.uid}`, onclick: () => this.select(n.uid) }, `${SYMBOLS[cls]} ${n.name}`),
        ' ', h('span', { class: `node-status st-${cls}` }, status), roles && roles !== '<none>' ? h('span', { class: 'muted' }, ` ${roles}`) : null),
      this.nodeUsage(n),
      h('div', { class: 'boxes small' },
        ['kubelet', 'kube-proxy'].map((c) => h('div', { class: 'box', 'data-box': `${c}/${n.name}` }, h('span', { class: 'box-name' }, c))),
        h('div', { class: 'box' }, h('span', { class: 'box-name' }, 'runtime (wazero)'))),
      podList,
      h('div', { class: 'node-actions', role: 'group', 'aria-label': `Actions on ${n.name}` },
        cordoned ? act('Uncordon', `kubectl uncordon ${n.name}`) : act('Cordon', `kubectl cordon ${n.name}`),
        act('Drain', `kubectl drain ${n.name} --ignore-daemonsets --delete-emptydir-data`, { title: `Drain ${n.name}?`, text: 'Its pods are evicted (DaemonSet pods stay) and it is cordoned.', ok: 'Drain' }),
        ready ? act('Stop', `kubeplay node stop ${n.name}`) : act('Start', `kubeplay node start ${n.name}`),
        act('Delete', `kubeplay node delete ${n.name}`, { title: `Delete the machine ${n.name}?`, text: 'The machine is gone; its pods are lost and replaced by their controllers elsewhere.', ok: 'Delete' })),
    );
  }

  /** nodeUsage is a node's CPU and memory use against its allocatable, as meters and words. */
  nodeUsage(n) {
    if (this.at !== null) return null; // the history keeps objects, not metrics
    const u = this.usage.nodes.get(n.name);
    if (!u) return h('p', { class: 'usage muted', 'data-key': `usage:${n.name}` }, this.usage.available ? 'CPU and memory: the metrics server has not scraped it yet' : '');
    const meter = (what, v, of) => (of > 0 ? h('meter', { min: 0, max: of, value: Math.min(v, of), high: of * 0.8, 'aria-label': `${what} used on ${n.name}` }) : null);
    return h('p', { class: 'usage', 'data-key': `usage:${n.name}` },
      meter('CPU', u.cpu, u.cpuAllocatable), ' ', meter('Memory', u.memory, u.memoryAllocatable), ' ', h('span', {}, usageText(u)));
  }

  podList(list, pods) {
    if (!list.length) return h('p', { class: 'muted pods-none' }, 'No pods');
    return h('ul', { class: 'pods' }, list.map((p) => {
      const st = statusOfPod(pods, p);
      const restarts = cell(pods, p, 'RESTARTS').replace(/ \(.*\)$/, '');
      const use = this.at === null ? usageText(this.usage.pods.get(`${p.namespace}/${p.name}`)) : '';
      const label = `Pod ${p.namespace}/${p.name}: ${st.text}, ${cell(pods, p, 'READY')} ready${restarts && restarts !== '0' ? `, ${restarts} restarts` : ''}${use ? `; ${use}` : ''}`;
      return h('li', {}, h('button', {
        type: 'button', class: `pod st-${st.cls}`, 'data-key': `obj:${p.uid}`, 'data-name': p.name, 'data-status': st.text,
        'aria-label': label, title: label, onclick: () => this.select(p.uid),
      }, `${SYMBOLS[st.cls]} ${p.name}`, restarts && restarts !== '0' ? h('span', { class: 'restarts' }, ` ↻${restarts}`) : null));
    }));
  }

  // ---- objects ----------------------------------------------------------

  draw_objects() {
    const objects = [];
    for (const [resource, store] of this.stores) {
      if (resource === 'nodes' || resource === 'events') continue;
      for (const o of store.objects.values()) if (this.inNamespace(o) && (this.showSystem || o.namespace !== 'kube-system' || this.namespace === 'kube-system')) objects.push(o);
    }
    const trees = ownerTrees(objects);
    if (!trees.length) return h('p', { class: 'muted' }, 'No objects in this namespace yet.');
    return h('ul', { class: 'tree', 'aria-label': 'Objects and what they own' }, trees.map((t) => this.treeItem(t)));
  }

  treeItem(t) {
    const found = this.find(t.obj.uid);
    const st = found ? stateOf(found.store, t.obj) : { cls: 'ok', text: '' };
    const ns = this.namespace === '' && t.obj.namespace ? `${t.obj.namespace}/` : '';
    return h('li', { 'data-kind': t.obj.kind, 'data-name': t.obj.name },
      h('button', {
        type: 'button', class: 'obj', 'data-state': st.cls, 'data-key': `obj:${t.obj.uid}`, onclick: () => this.select(t.obj.uid),
        'aria-label': `${t.obj.kind} ${ns}${t.obj.name}${st.text ? `: ${st.text}` : ''}${t.children.length ? `, owns ${t.children.length}` : ''}`,
      }, h('span', { class: `st-${st.cls}` }, `${SYMBOLS[st.cls]} `), h('span', { class: 'kind' }, t.obj.kind), ` ${ns}${t.obj.name}`, st.text ? h('span', { class: 'obj-state' }, ` ${st.text}`) : null),
      t.children.length ? h('ul', {}, t.children.map((c) => this.treeItem(c))) : null);
  }

  // ---- events and requests -----------------------------------------------

  filterBox(which, label) {
    return h('label', { class: 'filter' }, `${label} `, h('input', {
      type: 'search', value: this.filters[which], 'data-key': `filter:${which}`, placeholder: 'words to match',
      oninput: (e) => {
        this.filters[which] = e.target.value;
        this.dirty = true;
        this.render();
      },
    }));
  }

  /**
   * stream keeps a stream view's filter bar (so typing in it is not
   * interrupted by the redraws) and puts the list below it.
   */
  stream(which, bar, list) {
    this.streams ??= {};
    let s = this.streams[which];
    if (!s) {
      s = this.streams[which] = { root: h('div', { class: 'stream-view' }, bar()), list: null };
    }
    if (s.list) s.list = morph(s.list, list);
    else s.root.append((s.list = list));
    return s.root;
  }

  draw_events() {
    const events = this.stores.get('events');
    const f = this.filters.events;
    const rows = events.list((e) => this.inNamespace(e))
      .filter((e) => matches(f, ...e.cells ?? []))
      .sort((a, b) => b.created - a.created || b.name.localeCompare(a.name))
      .slice(0, SHOWN);
    const table = h('table', { class: 'objects stream' },
      h('caption', { class: 'visually-hidden' }, 'Events, newest first'),
      h('thead', {}, h('tr', {}, ['Time', 'Type', 'Reason', 'Object', 'Message'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((e) => {
        const type = cell(events, e, 'TYPE');
        return h('tr', { class: type === 'Warning' ? 'st-bad' : '' },
          h('td', {}, clockTime(e.created)),
          h('td', {}, type === 'Warning' ? `⚠ ${type}` : type),
          h('td', {}, cell(events, e, 'REASON')),
          h('td', {}, cell(events, e, 'OBJECT')),
          h('td', { class: 'wrap' }, cell(events, e, 'MESSAGE')));
      })));
    return this.stream('events', () => h('div', { class: 'filters' }, this.filterBox('events', 'Filter events')), rows.length ? table : h('p', { class: 'muted' }, 'No events match.'));
  }

  draw_requests() {
    const f = this.filters.requests;
    const rows = (this.writesOnly ? this.writes : this.requests).items.filter((r) => matches(f, r.component, r.verb, r.resource, r.subresource, r.namespace, r.name, r.error)).slice(-SHOWN).reverse();
    const table = h('table', { class: 'objects stream' },
      h('caption', { class: 'visually-hidden' }, 'API requests, newest first'),
      h('thead', {}, h('tr', {}, ['Time', 'Who', 'Verb', 'Resource', 'Object', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', { class: r.error ? 'st-bad' : '' },
        h('td', {}, clockTime(r.time)),
        h('td', {}, r.component),
        h('td', {}, r.verb),
        h('td', {}, r.resource + (r.subresource ? `/${r.subresource}` : '')),
        h('td', {}, [r.namespace, r.name].filter(Boolean).join('/')),
        h('td', { class: 'wrap' }, r.error ? `✕ ${r.error}` : '✓')))));
    const list = h('div', {},
      this.dropped ? h('p', { class: 'muted' }, `${this.dropped} requests not shown (too many at once)`) : null,
      rows.length ? table : h('p', { class: 'muted' }, 'No requests match.'));
    return this.stream('requests', () => h('div', { class: 'filters' }, this.filterBox('requests', 'Filter requests'),
      h('label', {}, h('input', { type: 'checkbox', 'data-key': 'writes-only', checked: this.writesOnly, onchange: (e) => ((this.writesOnly = e.target.checked), this.redraw()) }), ' Changes only (no get, list, watch)')), list);
  }
}

// A pod summary's status, kept while the summary lives: a summary is
// replaced, never changed, when its pod changes.
const podStatuses = new WeakMap();

function statusOfPod(pods, p) {
  let st = podStatuses.get(p);
  if (!st || st.headers !== pods.headers) {
    st = { headers: pods.headers, value: podStatus(pods, p) };
    podStatuses.set(p, st);
  }
  return st.value;
}

function podStatus(pods, p) {
  const s = cell(pods, p, 'STATUS') || p.phase || 'Unknown';
  const ready = /^(\d+)\/(\d+)$/.exec(cell(pods, p, 'READY'));
  let cls = statusClass(s);
  if (cls === 'ok' && ready && ready[1] !== ready[2]) cls = 'progress';
  return { cls, text: cls === 'progress' && s === 'Running' ? 'Running, not ready' : s };
}

/** clockTime shows a virtual instant (ms) as HH:MM:SS, UTC. */
export function clockTime(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  return new Date(ms).toISOString().slice(11, 19);
}
