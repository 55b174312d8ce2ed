// embed.js: the <kube-playground> element, for documentation pages
// (docs/embed.md).
//
//   <script src="https://PLAYGROUND/embed.js" defer></script>
//   <kube-playground height="480" view="terminal,cluster" theme="auto">
//   kubectl create deployment web --image=nginx
//   kubectl get pods
//   </kube-playground>
//
// The text inside is commands to run once the cluster is up, a manifest
// (it has apiVersion: or kind:) put in ~/example.yaml, or a scenario file
// (it has steps:). scenario="URL" loads a scenario file from the author's
// site instead. Nothing loads until the reader clicks Start (or the
// element has autostart): the cluster then runs in an iframe of the
// playground's origin, sandboxed, under the playground's strict
// Content-Security-Policy, and talks to this page only by postMessage,
// checking the origin and the shape of each message.
//
// JS API: el.start(), el.ready (a Promise of {nodes}), el.exec(line) (a
// Promise of {output, exitCode}), and the events "kubeplay-ready",
// "kubeplay-step" (detail: {step}) and "kubeplay-error" (detail: {message}).

(() => {
  const script = document.currentScript;
  const ORIGIN = new URL(script ? script.src : location.href).origin;
  const SITE = new URL('./', script ? script.src : location.href).href;
  const MAX_LINE = 64 << 10;
  if (customElements.get('kube-playground')) return;

  /** kindOf tells what the element's text is. */
  function kindOf(text) {
    if (/^\s*steps\s*:/m.test(text) && /^\s*title\s*:/m.test(text)) return 'scenario';
    if (/^\s*(apiVersion|kind)\s*:/m.test(text)) return 'manifest';
    return 'commands';
  }

  /** dedent removes the indentation common to the text's lines. */
  function dedent(text) {
    const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    while (lines.length && lines[0].trim() === '') lines.shift();
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^\s*/)[0].length));
    return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
  }

  // A manifest becomes a one-step scenario (JSON is YAML).
  function manifestScenario(text) {
    return JSON.stringify({
      title: 'Example',
      files: { 'example.yaml': text + '\n' },
      steps: [{ title: 'Apply the example', code: ['kubectl apply -f example.yaml'] }],
    });
  }

  class KubePlayground extends HTMLElement {
    constructor() {
      super();
      this.pending = new Map();
      this.nextId = 1;
      this.frame = null;
      this.ready = new Promise((resolve, reject) => {
        this.resolveReady = resolve;
        this.rejectReady = reject;
      });
      this.ready.catch(() => {});
      this.onMessage = this.onMessage.bind(this);
      const root = this.attachShadow({ mode: 'open' });
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(`:host{display:block;box-sizing:border-box;position:relative;border:1px solid #d0d7de;border-radius:6px;overflow:hidden;background:#0d1117}
        iframe{display:block;width:100%;height:100%;border:0}
        .start{all:unset;box-sizing:border-box;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:.5rem;width:100%;height:100%;cursor:pointer;color:#e6edf3;font:16px system-ui,sans-serif}
        .start:focus-visible{outline:3px solid #58a6ff;outline-offset:-3px}
        .start span{font-size:13px;opacity:.8}`);
      root.adoptedStyleSheets = [sheet];
      this.root = root;
    }

    static get observedAttributes() {
      return ['height'];
    }

    attributeChangedCallback() {
      this.size();
    }

    size() {
      const h = Number.parseInt(this.getAttribute('height') ?? '480', 10);
      this.style.height = `${Number.isFinite(h) && h >= 120 ? Math.min(h, 4000) : 480}px`;
    }

    connectedCallback() {
      this.size();
      window.addEventListener('message', this.onMessage);
      if (this.frame) return;
      const button = document.createElement('button');
      button.className = 'start';
      button.type = 'button';
      button.setAttribute('aria-label', 'Start a Kubernetes playground cluster here');
      button.textContent = '▶ Start a Kubernetes cluster';
      const note = document.createElement('span');
      note.textContent = 'It runs in this browser tab; nothing is sent to a server.';
      button.append(note);
      button.addEventListener('click', () => this.start());
      this.root.replaceChildren(button);
      if (this.hasAttribute('autostart')) this.start();
    }

    disconnectedCallback() {
      window.removeEventListener('message', this.onMessage);
    }

    /** start loads the playground into the element. */
    async start() {
      if (this.frame) return this.ready;
      const params = new URLSearchParams();
      params.set('origin', location.origin);
      params.set('view', this.getAttribute('view') || 'terminal,cluster');
      params.set('theme', this.getAttribute('theme') || 'auto');
      try {
        const text = await this.content();
        if (text.kind === 'scenario') params.set('scenario', text.text);
        else if (text.kind === 'manifest') params.set('scenario', manifestScenario(text.text));
        else if (text.text) params.set('commands', text.text);
      } catch (err) {
        this.failed(String(err?.message ?? err));
        return this.ready;
      }
      const frame = document.createElement('iframe');
      frame.title = this.getAttribute('title') || 'Kubernetes playground';
      frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
      frame.setAttribute('allow', 'clipboard-write');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.src = `${SITE}embed.html#${params}`;
      this.frame = frame;
      this.root.replaceChildren(frame);
      return this.ready;
    }

    /** content is the scenario, manifest or commands the element carries. */
    async content() {
      const src = this.getAttribute('scenario');
      if (src && !/^\s*(title|steps)\s*:/m.test(src)) {
        const res = await fetch(new URL(src, location.href));
        if (!res.ok) throw new Error(`the scenario ${src} could not be loaded: HTTP ${res.status}`);
        return { kind: 'scenario', text: await res.text() };
      }
      if (src) return { kind: 'scenario', text: src };
      const text = dedent(this.textContent ?? '');
      return { kind: kindOf(text), text };
    }

    /** exec runs a command line in the playground's terminal. */
    exec(line) {
      if (typeof line !== 'string' || line.length > MAX_LINE || /[\r\n]/.test(line)) {
        return Promise.reject(new TypeError('exec takes one line of text'));
      }
      return this.start().then(
        () =>
          new Promise((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve, reject });
            this.frame.contentWindow.postMessage({ kubeplay: 1, type: 'exec', id, line }, ORIGIN);
          }),
      );
    }

    onMessage(e) {
      if (!this.frame || e.source !== this.frame.contentWindow || e.origin !== ORIGIN) return;
      const m = e.data;
      if (!m || typeof m !== 'object' || m.kubeplay !== 1 || typeof m.type !== 'string') return;
      switch (m.type) {
        case 'ready':
          this.resolveReady({ nodes: Number(m.nodes) || 0 });
          this.dispatchEvent(new CustomEvent('kubeplay-ready', { detail: { nodes: Number(m.nodes) || 0 } }));
          break;
        case 'step':
          if (Number.isSafeInteger(m.step)) this.dispatchEvent(new CustomEvent('kubeplay-step', { detail: { step: m.step } }));
          break;
        case 'result': {
          const p = this.pending.get(m.id);
          if (!p) return;
          this.pending.delete(m.id);
          if (typeof m.error === 'string') p.reject(new Error(m.error));
          else p.resolve({ output: String(m.output ?? ''), exitCode: Number(m.exitCode) });
          break;
        }
        case 'error':
          this.failed(String(m.message ?? 'the playground failed'));
          break;
      }
    }

    failed(message) {
      this.rejectReady(new Error(message));
      this.dispatchEvent(new CustomEvent('kubeplay-error', { detail: { message } }));
      if (!this.frame) {
        const p = document.createElement('p');
        p.className = 'start';
        p.textContent = `The playground could not start: ${message}`;
        this.root.replaceChildren(p);
      }
    }
  }

  customElements.define('kube-playground', KubePlayground);
})();
