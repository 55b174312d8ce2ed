// The cluster area: for now a live list of the nodes and the pods, drawn
// from two watches (summaries: each object's `kubectl get -o wide` row).
// Later views (the architecture picture, the objects tree, the inspector)
// plug into the same EngineClient watches and ObjectStore.
//
// Everything from the cluster is shown as text (textContent), never HTML.
// A status is a word and a symbol, not only a colour.

import { ObjectStore } from './bridge.js';

/** statusClass sorts a STATUS cell into ok, progress, bad or done, for styling. */
export function statusClass(status) {
  const s = String(status ?? '');
  if (/^(Running|Ready|Active|Bound)$/.test(s)) return 'ok';
  if (/^(Completed|Succeeded)$/.test(s)) return 'done';
  if (/Pending|ContainerCreating|PodInitializing|Init:\d|Terminating|SchedulingDisabled|Unknown/.test(s)) return 'progress';
  return 'bad';
}

const SYMBOLS = { ok: '●', done: '✓', progress: '◌', bad: '✕' };

/** symbolFor is the symbol shown before a status, so it is not told by colour alone. */
export function symbolFor(status) {
  return SYMBOLS[statusClass(status)];
}

/** column finds a cell by its header. */
export function cell(store, obj, header) {
  const i = store.headers.indexOf(header);
  return i >= 0 && Array.isArray(obj.cells) ? String(obj.cells[i] ?? '') : '';
}

export class ClusterView {
  constructor(root, engine) {
    this.root = root;
    this.engine = engine;
    this.nodes = new ObjectStore();
    this.pods = new ObjectStore();
    this.namespace = 'default';
    this.dirty = true;
    this.watches = [];
    this.nsSelect = root.querySelector('#pods-namespace');
    this.nodesBody = root.querySelector('#nodes-body');
    this.podsBody = root.querySelector('#pods-body');
    this.summary = root.querySelector('#cluster-summary');
    this.nsSelect?.addEventListener('change', () => {
      this.namespace = this.nsSelect.value;
      this.render();
    });
    engine.on('frame', () => this.render());
  }

  start() {
    this.watch('nodes', this.nodes);
    this.watch('pods', this.pods);
  }

  stop() {
    for (const w of this.watches) w.stop();
    this.watches = [];
  }

  watch(resource, store) {
    const w = this.engine.watch(resource, { summary: true }, {
      onList: (list) => {
        store.reset(list);
        this.dirty = true;
        this.render();
      },
      onEvents: (events) => {
        if (!store.apply(events)) {
          // An ERROR event: the watch is over; list again.
          w.stop();
          this.watches = this.watches.filter((x) => x !== w);
          this.watch(resource, store);
        }
        this.dirty = true;
      },
    });
    w.ready.catch((err) => console.warn(`kubeplay: the ${resource} watch failed`, err));
    this.watches.push(w);
  }

  render() {
    if (!this.dirty) return;
    this.dirty = false;
    const nodes = this.nodes.list();
    fillRows(this.nodesBody, nodes, (n) => [
      { text: n.name },
      status(cell(this.nodes, n, 'STATUS')),
      { text: cell(this.nodes, n, 'ROLES') },
    ]);
    const namespaces = new Set(['default']);
    for (const p of this.pods.objects.values()) namespaces.add(p.namespace);
    this.fillNamespaces([...namespaces].sort());
    const all = this.namespace === '';
    const pods = this.pods.list((p) => all || p.namespace === this.namespace);
    fillRows(this.podsBody, pods, (p) => [
      { text: all ? `${p.namespace}/${p.name}` : p.name },
      { text: cell(this.pods, p, 'READY') },
      status(cell(this.pods, p, 'STATUS')),
      { text: cell(this.pods, p, 'RESTARTS').replace(/ \(.*\)$/, '') },
      { text: p.node || '—' },
    ]);
    const ready = nodes.filter((n) => statusClass(cell(this.nodes, n, 'STATUS')) === 'ok').length;
    if (ready && ready === nodes.length && !this.marked) {
      this.marked = true;
      performance.mark?.('kubeplay-nodes-ready'); // for the measures (e2e)
    }
    if (this.summary) this.summary.textContent = `${ready} of ${nodes.length} nodes ready · ${pods.length} pod${pods.length === 1 ? '' : 's'} shown`;
  }

  fillNamespaces(list) {
    const sel = this.nsSelect;
    if (!sel) return;
    const want = ['', ...list];
    const have = [...sel.options].map((o) => o.value);
    if (want.join('\n') === have.join('\n')) return;
    const keep = sel.value;
    sel.replaceChildren(
      ...want.map((ns) => {
        const o = document.createElement('option');
        o.value = ns;
        o.textContent = ns || 'all namespaces';
        return o;
      }),
    );
    sel.value = want.includes(keep) ? keep : 'default';
  }
}

function status(text) {
  const cls = statusClass(text);
  return { text: `${SYMBOLS[cls]} ${text}`, cls: `st-${cls}` };
}

/** fillRows makes tbody's rows show items, reusing the rows it has. */
function fillRows(tbody, items, cellsOf) {
  if (!tbody) return;
  const rows = tbody.rows;
  items.forEach((item, i) => {
    const cells = cellsOf(item);
    let tr = rows[i];
    if (!tr) {
      tr = tbody.insertRow();
      for (let j = 0; j < cells.length; j++) tr.insertCell();
    }
    tr.dataset.name = item.name;
    cells.forEach((c, j) => {
      const td = tr.cells[j];
      if (td.textContent !== c.text) td.textContent = c.text;
      const cls = c.cls ?? '';
      if (td.className !== cls) td.className = cls;
    });
  });
  while (rows.length > items.length) tbody.deleteRow(rows.length - 1);
}
