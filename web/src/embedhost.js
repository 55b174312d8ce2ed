// What the page does with a link's fragment, in the playground and when
// embedded (docs/embed.md):
//
//   index.html#share=DATA            replay a shared session (engine/share)
//   index.html#scenario=YAML         open a scenario (its text, URL-encoded)
//   embed.html#scenario=...&commands=...&view=terminal,cluster&theme=dark&origin=https://docs.example
//
// Embedded (embed.html, in the iframe that embed.js makes), the page shows
// only the views asked for, runs the given commands once the cluster is
// up, and answers its parent's messages: {kubeplay: 1, type: "exec", id,
// line} gets {kubeplay: 1, type: "result", id, output, exitCode}; it sends
// {kubeplay: 1, type: "ready"|"step"|"error", ...} as things happen. Only
// the parent window may talk to it, from the origin it was given.

import { ScenarioPanel } from './scenariopanel.js';
import { fragmentParams, isEmbedded } from './params.js';

export { fragmentParams, workerParams, isEmbedded } from './params.js';

const MAX_LINE = 64 << 10;

/** checkParentMessage returns m if it is a request the page takes from its parent, else null. */
export function checkParentMessage(m) {
  if (!m || typeof m !== 'object' || Array.isArray(m) || m.kubeplay !== 1) return null;
  if (m.type !== 'exec') return null;
  if (!Number.isSafeInteger(m.id) || m.id <= 0) return null;
  if (typeof m.line !== 'string' || m.line.length > MAX_LINE || /[\r\n]/.test(m.line)) return null;
  return { type: 'exec', id: m.id, line: m.line };
}

/** checkScenarioMessage returns m if it is the engine's news of a step whose check holds. */
export function checkScenarioMessage(m) {
  if (!m || typeof m !== 'object' || m.type !== 'scenario') return null;
  return Number.isSafeInteger(m.passed) && m.passed >= 0 ? m : null;
}

/** commandsOf splits inline commands into lines, dropping blanks and comments. */
export function commandsOf(text) {
  return String(text ?? '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

const VIEWS = { terminal: ['pane-terminal'], editor: ['pane-editor', 'split-row'], cluster: ['pane-cluster', 'split-col'] };

/**
 * EmbedHost connects the fragment, the scenario panel and, when embedded,
 * the parent window to the page API (window.kubeplay).
 */
export class EmbedHost {
  constructor({ kubeplay, theme, doc = document, win = window }) {
    this.kubeplay = kubeplay;
    this.doc = doc;
    this.win = win;
    this.params = fragmentParams(win.location.hash);
    this.embedded = isEmbedded(win.location);
    this.parentOrigin = this.params.get('origin') || null;
    this.panel = null;
    this.passed = [];
    if (this.embedded) {
      this.layout(theme);
      win.addEventListener('message', (e) => this.onMessage(e));
    }
    if (!this.embedded) this.gallery();
    kubeplay.ready.then(
      (info) => this.onReady(info),
      (err) => this.tell({ type: 'error', message: String(err?.message ?? err) }),
    );
  }

  /** layout shows only the views asked for, and the theme asked for. */
  layout(theme) {
    const doc = this.doc;
    doc.documentElement.dataset.embed = '';
    const views = (this.params.get('view') || 'terminal,cluster').split(',').map((v) => v.trim());
    doc.documentElement.dataset.layout = Object.keys(VIEWS).filter((v) => views.includes(v)).sort().join('-');
    for (const [view, ids] of Object.entries(VIEWS)) {
      for (const id of ids) {
        const el = doc.getElementById(id);
        if (el) el.hidden = !views.includes(view);
      }
    }
    if (!views.includes('editor') && views.includes('cluster')) doc.getElementById('split-col')?.removeAttribute('hidden');
    for (const id of ['reset', 'new-cluster', 'theme']) {
      const el = doc.getElementById(id);
      if (el) el.hidden = true;
    }
    const t = this.params.get('theme');
    if (theme && (t === 'light' || t === 'dark' || t === 'auto')) {
      theme.choice = t; // for this page only: not kept, unlike the toggle
      theme.apply?.();
    }
  }

  /** handle takes a worker message meant for the panel; it reports whether it did. */
  handle(m) {
    const s = checkScenarioMessage(m);
    if (!s) return false;
    this.passed[s.passed] = true;
    this.panel?.pass(s.passed);
    this.tell({ type: 'step', step: s.passed });
    return true;
  }

  /** gallery offers the gallery's scenarios (site/scenarios/index.json) in the header. */
  async gallery() {
    const doc = this.doc;
    const bar = doc.querySelector('.bar .actions');
    if (!bar) return;
    let list;
    try {
      const res = await this.win.fetch(new URL('scenarios/index.json', this.win.location.href));
      list = res.ok ? await res.json() : [];
    } catch {
      return;
    }
    if (!Array.isArray(list) || list.length === 0) return;
    const label = doc.createElement('label');
    label.textContent = 'Scenario ';
    const sel = doc.createElement('select');
    sel.id = 'scenario-pick';
    sel.setAttribute('aria-label', 'Open a scenario from the gallery, in a fresh cluster');
    const none = doc.createElement('option');
    none.value = '';
    none.textContent = this.params.get('scenario') || this.params.get('share') ? 'Back to your cluster' : 'Your cluster';
    sel.append(none);
    for (const s of list) {
      if (typeof s?.name !== 'string' || !/^[a-z0-9-]+$/.test(s.name)) continue;
      const o = doc.createElement('option');
      o.value = s.name;
      o.textContent = String(s.title ?? s.name);
      sel.append(o);
    }
    sel.addEventListener('change', () => this.open(sel.value));
    label.append(sel);
    bar.prepend(label);
  }

  /** open reloads the page on a gallery scenario, or on the user's own cluster. */
  async open(name) {
    const loc = this.win.location;
    if (!name) {
      loc.hash = '';
      loc.reload();
      return;
    }
    const res = await this.win.fetch(new URL(`scenarios/${name}.yaml`, loc.href));
    if (!res.ok) return;
    loc.hash = new URLSearchParams({ scenario: await res.text() }).toString();
    loc.reload();
  }

  async onReady(info) {
    const sc = info?.scenario;
    if (sc && typeof sc === 'object' && Array.isArray(sc.steps)) {
      const host = this.doc.getElementById('pane-cluster') ?? this.doc.body;
      this.panel = new ScenarioPanel(host, sc, (line) => this.kubeplay.exec(line));
      this.passed.forEach((p, i) => p && this.panel.pass(i));
    }
    if (this.embedded) {
      for (const line of commandsOf(this.params.get('commands'))) {
        await this.kubeplay.exec(line).catch(() => {});
      }
    }
    // Ready once the given commands have run, so the parent's own come after.
    this.tell({ type: 'ready', nodes: Number(info?.nodes) || 0 });
  }

  async onMessage(e) {
    if (e.source !== this.win.parent || this.win.parent === this.win) return;
    if (this.parentOrigin && e.origin !== this.parentOrigin) return;
    const m = checkParentMessage(e.data);
    if (!m) return;
    const reply = { kubeplay: 1, type: 'result', id: m.id };
    try {
      const r = await this.kubeplay.exec(m.line);
      Object.assign(reply, { output: r.output, exitCode: r.exitCode });
    } catch (err) {
      reply.error = String(err?.message ?? err);
    }
    this.win.parent.postMessage(reply, this.parentOrigin ?? e.origin);
  }

  /** tell sends the parent an event, to its origin only. */
  tell(event) {
    if (!this.embedded || this.win.parent === this.win) return;
    if (!this.parentOrigin) return; // the plain iframe form: nobody asked to hear
    this.win.parent.postMessage({ kubeplay: 1, ...event }, this.parentOrigin);
  }
}
