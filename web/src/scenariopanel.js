// The steps of a scenario beside the cluster: each step's text, its code
// blocks with Run and Copy buttons, its hint, and whether its check holds
// (the engine says so the moment it does; see engine/scenario).
//
// The text is Markdown from the scenario's author, which may come from a
// link anyone made: it is drawn as DOM nodes with textContent, never as
// HTML. Only a small part of Markdown is read: paragraphs, `code`,
// **strong**, *emphasis*, fenced code blocks and "- " lists. Its styles
// are scenario.css, which main.js imports.


/** markdown renders text into parent as safe DOM nodes. */
export function markdown(parent, text) {
  const doc = parent.ownerDocument;
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  let list = null;
  const flush = () => {
    if (para.length) {
      const p = doc.createElement('p');
      inline(p, para.join(' '));
      parent.append(p);
      para = [];
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flush();
      list = null;
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      const pre = doc.createElement('pre');
      pre.textContent = code.join('\n');
      parent.append(pre);
    } else if (/^\s*[-*] /.test(line)) {
      flush();
      if (!list) {
        list = doc.createElement('ul');
        parent.append(list);
      }
      const li = doc.createElement('li');
      inline(li, line.replace(/^\s*[-*] /, ''));
      list.append(li);
    } else if (line.trim() === '') {
      flush();
      list = null;
    } else {
      list = null;
      para.push(line.trim());
    }
  }
  flush();
}

/** inline renders `code`, **strong** and *emphasis* in a line. */
export function inline(parent, text) {
  const doc = parent.ownerDocument;
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parent.append(doc.createTextNode(text.slice(last, m.index)));
    const el = doc.createElement(m[1] !== undefined ? 'code' : m[2] !== undefined ? 'strong' : 'em');
    el.textContent = m[1] ?? m[2] ?? m[3];
    parent.append(el);
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(doc.createTextNode(text.slice(last)));
}

/** ScenarioPanel draws a scenario's steps into host, under its heading. */
export class ScenarioPanel {
  constructor(host, scenario, run) {
    const doc = host.ownerDocument;
    this.run = run;
    this.root = doc.createElement('section');
    this.root.className = 'scenario';
    this.root.setAttribute('aria-label', 'Scenario');
    const h = doc.createElement('h2');
    h.className = 'scenario-title';
    h.textContent = String(scenario.title ?? 'Scenario');
    this.root.append(h);
    if (scenario.description) {
      const d = doc.createElement('div');
      d.className = 'scenario-description';
      markdown(d, scenario.description);
      this.root.append(d);
    }
    const ol = doc.createElement('ol');
    ol.className = 'scenario-steps';
    this.steps = (scenario.steps ?? []).map((st, i) => this.step(doc, st, i));
    ol.append(...this.steps.map((s) => s.li));
    this.root.append(ol);
    this.live = doc.createElement('p');
    this.live.className = 'visually-hidden';
    this.live.setAttribute('role', 'status');
    this.live.setAttribute('aria-live', 'polite');
    this.root.append(this.live);
    const head = host.querySelector(':scope > .pane-head');
    if (head) head.after(this.root);
    else host.prepend(this.root);
  }

  step(doc, st, i) {
    const li = doc.createElement('li');
    li.className = 'scenario-step';
    li.dataset.step = String(i);
    const head = doc.createElement('h3');
    const state = doc.createElement('span');
    state.className = 'step-state';
    head.append(state, doc.createTextNode(` ${st.title || `Step ${i + 1}`}`));
    li.append(head);
    markdown(li, st.text);
    for (const code of st.code ?? []) li.append(this.codeBlock(doc, String(code)));
    if (st.hint) {
      const d = doc.createElement('details');
      const s = doc.createElement('summary');
      s.textContent = 'Hint';
      d.append(s);
      markdown(d, st.hint);
      li.append(d);
    }
    const s = { li, state, hasCheck: !!st.hasCheck, passed: false };
    this.show(s);
    return s;
  }

  codeBlock(doc, code) {
    const box = doc.createElement('div');
    box.className = 'scenario-code';
    const pre = doc.createElement('pre');
    pre.textContent = code;
    const run = doc.createElement('button');
    run.type = 'button';
    run.textContent = 'Run';
    run.setAttribute('aria-label', `Run: ${code.split('\n')[0]}`);
    run.addEventListener('click', async () => {
      run.disabled = true;
      try {
        for (const line of code.replace(/\n$/, '').split('\n')) await this.run(line);
      } finally {
        run.disabled = false;
      }
    });
    const copy = doc.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy';
    copy.addEventListener('click', () => {
      doc.defaultView?.navigator?.clipboard?.writeText(code).then(
        () => (copy.textContent = 'Copied'),
        () => (copy.textContent = 'Copy failed'),
      );
    });
    box.append(pre, run, copy);
    return box;
  }

  show(s) {
    s.li.dataset.state = s.passed ? 'done' : s.hasCheck ? 'waiting' : 'read';
    s.state.textContent = s.passed ? '✓ done' : s.hasCheck ? '○ to do' : '·';
  }

  /** pass marks step i done: its check holds. */
  pass(i) {
    const s = this.steps[i];
    if (!s || s.passed) return;
    s.passed = true;
    this.show(s);
    this.live.textContent = `Step ${i + 1} done.`;
  }
}
