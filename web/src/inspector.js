// The inspector: one object as kubectl shows it (describe, get -o yaml,
// logs) and "why": for a pod, what holds it (the scheduler's verdict of
// each node for a pending pod, the last exit and logs of a container that
// crashed); for anything else, its conditions (a rollout past its
// deadline says so). It follows the object: when a watch event changes
// it, the open tab is read again.

import { h } from './dom.js';
import { podWhy, conditionsWhy, explainRows } from './model.js';

const TABS = ['why', 'describe', 'yaml', 'logs'];
const TAB_LABELS = { why: 'Why', describe: 'Describe', yaml: 'YAML', logs: 'Logs' };

export class Inspector {
  /** lookup(uid) returns {obj, resource} of a watched object, or null. */
  constructor(root, engine, { lookup }) {
    this.root = root;
    this.engine = engine;
    this.lookup = lookup;
    this.uid = null;
    this.tab = 'why';
    this.seq = 0;
    this.timer = 0;
    this.title = root.querySelector('#inspector-title');
    this.tabsEl = root.querySelector('#inspector-tabs');
    this.body = root.querySelector('#inspector-body');
    root.querySelector('#inspector-close').addEventListener('click', () => this.close());
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
  }

  open(uid) {
    const found = this.lookup(uid);
    if (!found) return;
    this.uid = uid;
    this.target = found;
    this.root.hidden = false;
    if (this.tab === 'logs' && found.obj.kind !== 'Pod') this.tab = 'why';
    const o = found.obj;
    this.title.textContent = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
    this.drawTabs();
    this.load();
    this.tabsEl.querySelector('[aria-selected=true]')?.focus();
  }

  close() {
    if (!this.uid) return;
    const uid = this.uid;
    this.uid = null;
    this.root.hidden = true;
    clearTimeout(this.timer);
    document.querySelector(`[data-key="obj:${CSS.escape(uid)}"]`)?.focus();
  }

  /** changed hears the uids a frame's watch events touched. */
  changed(uids) {
    if (!this.uid || !uids.includes(this.uid)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const found = this.lookup(this.uid);
      if (found) this.target = found;
      this.load(found ? '' : 'This object was deleted; what is shown is its last state.', true);
    }, 400);
  }

  drawTabs() {
    const tabs = TABS.filter((t) => t !== 'logs' || this.target.obj.kind === 'Pod');
    this.tabsEl.replaceChildren(...tabs.map((t) => h('button', {
      type: 'button', role: 'tab', id: `inspector-tab-${t}`, 'aria-selected': String(t === this.tab), tabindex: t === this.tab ? 0 : -1,
      'aria-controls': 'inspector-body',
      onclick: () => this.select(t),
      onkeydown: (e) => {
        const i = tabs.indexOf(this.tab);
        const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
        if (j === undefined) return;
        e.preventDefault();
        this.select(tabs[(j + tabs.length) % tabs.length]);
        this.tabsEl.querySelector('[aria-selected=true]')?.focus();
      },
    }, TAB_LABELS[t])));
    this.body.setAttribute('aria-labelledby', `inspector-tab-${this.tab}`);
  }

  select(tab) {
    this.tab = tab;
    this.drawTabs();
    this.load();
  }

  kubectl(...args) {
    return this.engine.call('inspect', { args });
  }

  /** ref is the object as kubectl's arguments: TYPE/NAME (as logs wants it) and the namespace. */
  ref() {
    const { obj, resource } = this.target;
    return [`${resource}/${obj.name}`, ...(obj.namespace ? ['-n', obj.namespace] : [])];
  }

  /**
   * load reads the open tab again. A refresh of the same tab (keep) leaves
   * what is shown until the new answer comes; another tab or object
   * clears it at once, so nothing stale is taken for the answer.
   */
  async load(note = '', keep = false) {
    const seq = ++this.seq;
    const show = (...nodes) => {
      if (seq === this.seq) this.body.replaceChildren(...(note ? [h('p', { class: 'note' }, note)] : []), ...nodes);
    };
    if (!keep || !this.body.firstChild) show(h('p', { class: 'muted' }, 'Loading…'));
    try {
      show(...(await this[`load_${this.tab}`]()));
    } catch (err) {
      show(h('p', { class: 'st-bad' }, `✕ ${err.message}`));
    }
  }

  async load_describe() {
    const r = await this.kubectl('describe', ...this.ref());
    return [output(r)];
  }

  async load_yaml() {
    const r = await this.kubectl('get', ...this.ref(), '-o', 'yaml');
    return [output(r)];
  }

  async load_logs() {
    const r = await this.kubectl('logs', ...this.ref(), '--all-containers', '--prefix', '--tail=500');
    return [r.output ? output(r) : h('p', { class: 'muted' }, 'No logs yet.')];
  }

  async load_why() {
    const r = await this.kubectl('get', ...this.ref(), '-o', 'json');
    if (r.exitCode !== 0) return [output(r)];
    const obj = JSON.parse(r.output);
    if (this.target.obj.kind !== 'Pod') return [h('ul', { class: 'why' }, conditionsWhy(obj).map((l) => h('li', {}, l)))];
    const why = podWhy(obj);
    const parts = [h('ul', { class: 'why' }, why.lines.map((l) => h('li', {}, l)))];
    if (why.pending) parts.push(await this.schedulerWhy(obj));
    for (const c of why.crashed.slice(0, 3)) {
      const logs = await this.kubectl('logs', ...this.ref(), '-c', c, '--previous', '--tail=30');
      parts.push(h('h4', {}, `The last lines ${c} wrote before it ended`), output(logs));
    }
    return parts;
  }

  async schedulerWhy(pod) {
    const r = await this.engine.call('explain', { namespace: pod.metadata.namespace, name: pod.metadata.name });
    const e = r.explanation;
    const rows = explainRows(e);
    return h('div', { class: 'explain' },
      h('p', {}, e.message ? `The scheduler: ${e.message}` : `${e.feasibleNodes} node${e.feasibleNodes === 1 ? '' : 's'} fit${e.selectedNode ? `; it would pick ${e.selectedNode}` : ''}.`),
      r.lastCycle ? h('p', { class: 'muted' }, `Last attempt (#${r.lastCycle.attempt}): ${r.lastCycle.result}${r.lastCycle.message ? ` — ${r.lastCycle.message}` : ''}`) : null,
      h('table', { class: 'objects' },
        h('caption', {}, 'What the scheduler\'s filters say of each node'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Node'), h('th', { scope: 'col' }, 'Fits'), h('th', { scope: 'col' }, 'Why'))),
        h('tbody', {}, rows.map((row) => h('tr', { class: row.feasible ? 'st-ok' : 'st-bad' },
          h('td', {}, row.node), h('td', {}, row.feasible ? '✓ yes' : '✕ no'), h('td', { class: 'wrap' }, row.why))))));
  }
}

function output(r) {
  return h('pre', { class: `out${r.exitCode ? ' st-bad' : ''}` }, r.output + (r.truncated ? '\n… (cut short)' : ''));
}
