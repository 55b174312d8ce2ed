// The page: the terminal (xterm.js with a line editor), the YAML editor
// (CodeMirror, loaded on demand), the cluster view and the time controls,
// around the Web Worker that runs the engine. The contract with the worker
// and the page API (window.kubeplay) are described in docs/bridge.md.

/* global __WORKER_URL__ */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import './style.css';
import './scenario.css';
import { LineEditor } from './lineeditor.js';
import { CookedInput } from './cooked.js';
import { installCspStyleShim } from './cspstyles.js';
import { EngineClient, checkWorkerMessage } from './bridge.js';
import { Theme } from './theme.js';
import { splitter, storedShares } from './layout.js';
import { Tabs, isDirty, validPath, shellQuote, imageName } from './tabs.js';
import { speedLabel, formatClock, formatDuration, storedSpeed, storeSpeed } from './clock.js';
import { ClusterView } from './clusterview.js';
import { EmbedHost, workerParams } from './embedhost.js';

// Must run before xterm.js creates any element (see cspstyles.js).
installCspStyleShim();

// Asset URLs are relative to the site root; this script is in assets/.
const siteRoot = new URL('../', import.meta.url);

const RED = '\x1b[1;31m';
const YELLOW = '\x1b[33m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

// Where the engine keeps the cluster and the home directory (cmd/wasm).
const CLUSTER_DB = 'kubeplay-cluster';
const HOME_DB = 'kubeplay-home';

const storage = safeStorage();
const $ = (id) => document.getElementById(id);

const THEMES = {
  light: {
    background: '#ffffff',
    foreground: '#1f2328',
    cursor: '#1f2328',
    cursorAccent: '#ffffff',
    selectionBackground: '#b6d6fd',
    black: '#24292f',
    red: '#cf222e',
    green: '#116329',
    yellow: '#7d4e00',
    blue: '#0969da',
    magenta: '#8250df',
    cyan: '#1b7c83',
    white: '#6e7781',
    brightBlack: '#57606a',
    brightRed: '#a40e26',
    brightGreen: '#1a7f37',
    brightYellow: '#633c01',
    brightBlue: '#218bff',
    brightMagenta: '#a475f9',
    brightCyan: '#3192aa',
    brightWhite: '#8c959f',
  },
  dark: {
    background: '#0d1117',
    foreground: '#e6edf3',
    cursor: '#e6edf3',
    cursorAccent: '#0d1117',
    selectionBackground: '#264f78',
    black: '#484f58',
    red: '#ff7b72',
    green: '#3fb950',
    yellow: '#d29922',
    blue: '#58a6ff',
    magenta: '#bc8cff',
    cyan: '#39c5cf',
    white: '#b1bac4',
    brightBlack: '#6e7681',
    brightRed: '#ffa198',
    brightGreen: '#56d364',
    brightYellow: '#e3b341',
    brightBlue: '#79c0ff',
    brightMagenta: '#d2a8ff',
    brightCyan: '#56d4dd',
    brightWhite: '#ffffff',
  },
};

const FONT_FAMILY =
  'ui-monospace, "SFMono-Regular", "Cascadia Mono", "Cascadia Code", Menlo, Monaco, Consolas, ' +
  '"DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono", monospace';

const narrowQuery = window.matchMedia('(max-width: 760px)');
const fontSize = () => (narrowQuery.matches ? 12 : 14);

const theme = new Theme({ root: document.documentElement, storage, media: window.matchMedia('(prefers-color-scheme: dark)') });

function safeStorage() {
  try {
    const s = window.localStorage;
    s.getItem('kubeplay.probe');
    return s;
  } catch {
    return null;
  }
}

// ---- state ---------------------------------------------------------------

let state = 'starting'; // starting | ready | failed
let failure = null; // the Error, once failed
let nextId = 1; // shared by typed and exec'ed commands
let running = null; // {id, output, job, cooked}: the command the engine is running;
// cooked is set once it reads what is typed (kubectl exec -it)
let atLineStart = true; // whether the running command's output ended with a newline
let continuation = false; // the shell waits for more lines of a command (prompt "> ")
let lastId = 0; // the last command sent to the engine
// Waiting work, in order: keys typed ahead ({kind: 'input', data}) and
// exec() calls ({kind: 'exec', line, resolve, reject}).
const queue = [];
let worker = null;
// The engine starts first: its download, compilation and boot run in the
// worker while the page builds the terminal and the view.
startWorker();

// ---- page API ------------------------------------------------------------

let ready;
let resolveReady;
let rejectReady;
function newReady() {
  ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // a failure is shown on the page; callers see it when they await
}
newReady();

/**
 * Run one command line as if typed into the terminal.
 * @param {string} line
 * @returns {Promise<{output: string, exitCode: number}>}
 */
function exec(line) {
  if (typeof line !== 'string') {
    return Promise.reject(new TypeError('kubeplay.exec: the line must be a string'));
  }
  line = line.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(line)) {
    return Promise.reject(new TypeError('kubeplay.exec: the line must be a single line'));
  }
  return ready.then(
    () =>
      new Promise((resolve, reject) => {
        if (state === 'failed') {
          reject(failure);
          return;
        }
        queue.push({ kind: 'exec', line, resolve, reject });
        pump();
      }),
  );
}

let embedHost = null;

// The engine's page protocol (docs/bridge.md).
const engine = new EngineClient((m) => worker.postMessage(m));

window.kubeplay = Object.freeze({
  get ready() {
    return ready;
  },
  exec,
  /** call makes a request of the page protocol: kubeplay.call('files'). */
  call: (op, args) => ready.then(() => engine.call(op, args)),
});

// ---- terminal --------------------------------------------------------------

const statusEl = $('status');
const container = $('terminal');

function setStatus(text, st) {
  statusEl.textContent = text;
  statusEl.dataset.state = st;
}

const term = new Terminal({
  convertEol: true,
  cursorBlink: true,
  fontFamily: FONT_FAMILY,
  fontSize: fontSize(),
  scrollback: 5000,
  theme: THEMES[theme.current],
});
const fit = new FitAddon();
term.loadAddon(fit);
term.open(container);

const editor = new LineEditor({ prompt: '$ ', promptStyle: '1;32', columns: term.cols, historySize: 1000 });
// Tab asks the engine's shell what completes the word before the cursor;
// the answer comes as a completion message with the same id.
const completions = new Map(); // id -> resolve
editor.oncomplete = (line, cursor) =>
  new Promise((resolve) => {
    if (state !== 'ready' || !worker) {
      resolve(null);
      return;
    }
    const id = nextId++;
    completions.set(id, resolve);
    worker.postMessage({ type: 'complete', id, line, cursor });
  });
editor.onoutput = (text) => write(text);
// Ctrl-C at a "> " prompt abandons the multi-line command in the shell too.
editor.oncancel = () => {
  if (!continuation) return;
  continuation = false;
  editor.setPrompt('$ ');
  worker.postMessage({ type: 'interrupt', id: lastId });
};

// xterm.js yields the page's thread between the pieces it is given (every
// 12 ms), never within one: a thousand lines of kubectl get nodes given
// whole held the thread for 100 to 380 ms. So long text goes in pieces.
const WRITE_PIECE = 4096;

function write(text) {
  if (!text) return;
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + WRITE_PIECE);
    const c = text.charCodeAt(j - 1);
    if (j < text.length && c >= 0xd800 && c <= 0xdbff) j++; // a surrogate pair stays whole
    term.write(text.slice(i, j));
    i = j;
  }
}

let fitPending = false;
function refit() {
  if (fitPending) return;
  fitPending = true;
  requestAnimationFrame(() => {
    fitPending = false;
    try {
      fit.fit();
    } catch (err) {
      console.warn('kubeplay: could not fit the terminal', err);
    }
  });
}
fit.fit();
editor.setColumns(term.cols);
term.onResize(({ cols }) => {
  const redraw = editor.setColumns(cols);
  if (state === 'ready') write(redraw); // after a failure the prompt stays hidden
});
new ResizeObserver(refit).observe(container);
window.addEventListener('resize', refit);
narrowQuery.addEventListener('change', () => {
  term.options.fontSize = fontSize();
  refit();
});

write('\x1b[?25lStarting cluster…'); // cursor hidden until the first prompt
term.focus();

// ---- commands --------------------------------------------------------------

term.onData((data) => {
  if (state === 'failed') return;
  const cc = data.lastIndexOf('\x03');
  if (cc >= 0 && (running || state === 'starting')) {
    // Ctrl-C while a command runs: interrupt it. Like a terminal, forget
    // what was typed ahead (exec() calls stay queued).
    dropTypeAhead();
    running?.cooked?.reset();
    if (running) {
      worker.postMessage({ type: 'interrupt', id: running.id });
      write('^C');
      atLineStart = false;
    }
    data = data.slice(cc + 1);
  }
  if (!data) return;
  if (running?.cooked) {
    typeToCommand(data);
    return;
  }
  // Each chunk stays apart: the line editor takes a lone Tab as a key
  // (completion) but a tab inside pasted text as a space, so keys typed
  // while a command runs must not be joined into one paste.
  queue.push({ kind: 'input', data });
  pump();
});

// Keys for the running command, which reads them: echoed and edited as a
// line (cooked.js), each line sent as it is finished.
function typeToCommand(data) {
  const r = running.cooked.feed(data);
  if (r.echo) {
    write(r.echo);
    atLineStart = r.echo.endsWith('\n');
  }
  for (const text of r.send) {
    worker.postMessage(text === null ? { type: 'input', id: running.id, data: null } : { type: 'input', id: running.id, data: text });
  }
}

// The running command reads the terminal: from now on keys go to it, and
// those typed ahead of it (before any exec() waiting) go first.
function onReading(id) {
  if (!running || running.id !== id || running.cooked) return;
  running.cooked = new CookedInput();
  while (queue.length > 0 && queue[0].kind === 'input') typeToCommand(queue.shift().data);
}

function dropTypeAhead() {
  for (let i = queue.length - 1; i >= 0; i--) {
    if (queue[i].kind === 'input') queue.splice(i, 1);
  }
}

// Work through the queue while no command runs.
function pump() {
  while (state === 'ready' && !running && queue.length > 0) {
    const job = queue[0];
    if (job.kind === 'input') {
      const r = editor.feed(job.data);
      write(r.output);
      if (r.line === null) {
        queue.shift();
        continue;
      }
      if (r.rest) job.data = r.rest;
      else queue.shift();
      start(r.line, null);
    } else {
      queue.shift();
      write(editor.submit(job.line));
      start(job.line, job);
    }
  }
}

// Show the next prompt; resolve an exec() once the terminal has taken in
// everything written for it.
function prompt(job, result) {
  if (job) term.write(editor.prompt(), () => job.resolve(result));
  else write(editor.prompt());
}

function start(line, job) {
  if (line.trim() === '' && !continuation) {
    prompt(job, { output: '', exitCode: 0 });
    return;
  }
  const id = nextId++;
  lastId = id;
  running = { id, output: '', job };
  atLineStart = true;
  worker.postMessage({ type: 'exec', id, line });
}

function onOutput(id, data) {
  data = String(data ?? '');
  if (!data || state === 'failed') return;
  if (running && running.id === id) {
    running.output += data;
    write(data);
    atLineStart = data.endsWith('\n');
  } else if (state === 'ready' && !running && editor.active) {
    // Late output of a finished command: print it above the prompt.
    write(editor.hide());
    write(data.endsWith('\n') ? data : data + '\n');
    write(editor.show());
  } else {
    write(data);
  }
}

function onExit(id, code) {
  if (!running || running.id !== id) {
    console.warn(`kubeplay: exit of command ${id}, which is not running`);
    return;
  }
  const { output, job } = running;
  running = null;
  if (!atLineStart) write('\r\n');
  const exitCode = Number.isFinite(Number(code)) ? Number(code) : 1;
  // -1: the shell needs more lines to finish the command.
  continuation = exitCode === -1;
  editor.setPrompt(continuation ? '> ' : '$ ');
  prompt(job, { output, exitCode });
  pump();
  files.changed(); // a command may have written or removed files
}

function onReady(info) {
  if (state !== 'starting') return;
  state = 'ready';
  const nodes = Number(info?.nodes);
  const version = typeof info?.version === 'string' ? clean(info.version) : '';
  const nodesText = nodes > 0 ? `${nodes} node${nodes === 1 ? '' : 's'}` : '';
  setStatus(nodesText ? `Cluster ready: ${nodesText}` : 'Cluster ready', 'ready');
  const what = `a Kubernetes${version ? ' ' + version : ''} cluster${nodesText ? ' with ' + nodesText : ''}`;
  write(
    `\r\x1b[2K${BOLD}kubeplay${RESET}: ${what}, running entirely in this browser tab.\r\n` +
      (info?.restored ? 'Your cluster and files were restored from this browser.\r\n' : '') +
      `Try ${BOLD}kubectl get nodes${RESET}, or apply the manifest in the editor.\r\n\x1b[?25h`,
  );
  const warnings = Array.isArray(info?.warnings) ? info.warnings.map((w) => clean(String(w))) : [];
  for (const w of warnings) write(`${YELLOW}Warning: ${w}${RESET}\r\n`);
  showNotices(info, warnings);
  write(editor.prompt());
  performance.mark?.('kubeplay-ready'); // for the measures (e2e)
  resolveReady(info);
  pump();
  onEngineReady(info);
}

function fail(message) {
  if (state === 'failed') return;
  const text = clean(String(message ?? '')).trim() || 'unknown error';
  failure = new Error(text);
  const wasStarting = state === 'starting';
  state = 'failed';
  setStatus(`Error: ${text.split('\n')[0].replace(/:$/, '')}`, 'error');

  if (running) {
    if (!atLineStart) write('\r\n');
  } else if (wasStarting) {
    write('\r\n');
  } else {
    write(editor.hide());
  }
  write(`${RED}Error: ${text}${RESET}\r\n\x1b[?25l`);
  term.options.disableStdin = true;

  rejectReady(failure);
  running?.job?.reject(failure);
  running = null;
  for (const job of queue.splice(0)) job.reject?.(failure);
  engine.fail(failure);
  setControls(false);
}

// Control characters other than newline and tab would be interpreted by the
// terminal; messages are shown as text.
function clean(text) {
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

// ---- worker ----------------------------------------------------------------

function startWorker() {
  // The first start takes the worker boot.js started from the page's head.
  const booted = globalThis.kubeplayBoot?.take?.();
  let w = booted?.worker;
  if (!w) {
    const url = new URL(__WORKER_URL__, siteRoot);
    // In the fragment, never sent to the server: a share link or a scenario
    // stays in the browser, and its size does not meet the server's limits.
    const params = new URLSearchParams([['speed', storedSpeed(storage)], ...workerParams(window.location)]);
    url.hash = params.toString();
    try {
      w = new Worker(url);
    } catch (err) {
      // Later: at the first start, the terminal that shows it is not made yet.
      setTimeout(() => fail(`the engine worker could not be started: ${err?.message ?? err}`));
      return;
    }
  }
  worker = w;
  const onMessage = (data) => {
    if (w !== worker) return; // a worker that was replaced
    if (embedHost?.handle(data)) return; // a scenario's step done
    const m = checkWorkerMessage(data);
    if (!m) {
      console.warn('kubeplay: ignoring a message from the worker', data);
      return;
    }
    switch (m.type) {
      case 'ready':
        markWorker(m.marks);
        onReady(m.info);
        break;
      case 'output':
        onOutput(m.id, m.data);
        break;
      case 'exit':
        onExit(m.id, m.code);
        break;
      case 'reading':
        onReading(m.id);
        break;
      case 'error':
        fail(m.message);
        break;
      case 'notice':
        showNotices(null, [clean(m.text)]);
        break;
      case 'completion': {
        const resolve = completions.get(m.id);
        completions.delete(m.id);
        resolve?.({ start: m.start, words: m.words });
        break;
      }
      default:
        engine.handle(m);
    }
  };
  const handle = (e) => {
    if (e.kind === 'message') onMessage(e.data);
    else if (w !== worker) return;
    else if (e.kind === 'error') fail(e.message || 'the engine worker could not be started');
    else fail('a message from the engine worker could not be read');
  };
  // What the booted worker said before this script ran is handled first,
  // in order, once the page is built (this runs before the terminal is).
  let backlog = booted ? booted.pending : null;
  const deliver = (e) => (backlog ? backlog.push(e) : handle(e));
  w.addEventListener('message', (event) => deliver({ kind: 'message', data: event.data }));
  w.addEventListener('error', (event) => {
    event.preventDefault();
    deliver({ kind: 'error', message: event.message });
  });
  w.addEventListener('messageerror', () => deliver({ kind: 'messageerror' }));
  if (backlog) {
    setTimeout(() => {
      const b = backlog;
      backlog = null;
      for (const e of b) handle(e);
    });
  }
}

// markWorker puts the worker's moments of the engine's start on the
// page's timeline, as kubeplay-worker-NAME (for the measures, e2e).
function markWorker(marks) {
  if (!Array.isArray(marks) || !performance.mark) return;
  for (const m of marks) {
    if (!Array.isArray(m) || typeof m[0] !== 'string' || !Number.isFinite(m[1])) continue;
    const startTime = m[1] - performance.timeOrigin;
    if (startTime < 0) continue;
    try {
      performance.mark(`kubeplay-worker-${m[0]}`, { startTime });
    } catch {
      // not measured
    }
  }
}

// ---- layout and theme ------------------------------------------------------

const panes = $('panes');
const shares = storedShares(storage);
const keepLayout = () => {
  try {
    storage?.setItem('kubeplay.layout', JSON.stringify(shares));
  } catch {
    // not kept
  }
};
splitter({
  el: $('split-col'), container: panes, prop: '--split-col', vertical: true, value: shares.col, box: () => panes,
  onChange: (v) => ((shares.col = v), keepLayout()),
});
splitter({
  el: $('split-row'), container: panes, prop: '--split-row', vertical: false, value: shares.row,
  box: () => panes,
  onChange: (v) => ((shares.row = v), keepLayout()),
});

const themeButton = $('theme');
function showTheme(current, choice) {
  term.options.theme = THEMES[current];
  themeButton.textContent = `Theme: ${choice}`;
  themeButton.setAttribute('aria-label', `Theme: ${choice} (showing ${current}); change`);
}
theme.onChange(showTheme);
showTheme(theme.current, theme.choice);
themeButton.addEventListener('click', () => theme.toggle());

// ---- keyboard --------------------------------------------------------------

const focusPane = {
  1: () => term.focus(),
  2: () => (files.view ? files.view.focus() : $('pane-editor').querySelector('button, select')?.focus()),
  3: () => $('pane-cluster').focus(),
};
document.addEventListener('keydown', (e) => {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const k = e.code.replace(/^Digit/, '');
  let done = true;
  if (focusPane[k]) focusPane[k]();
  else if (e.code === 'KeyP') clock.togglePause();
  else if (e.code === 'Period') clock.step();
  else if (e.code === 'KeyT') theme.toggle();
  else done = false;
  if (done) e.preventDefault();
});

// ---- notices ---------------------------------------------------------------

function showNotices(info, warnings) {
  const lines = [];
  if (info?.setAside) {
    const where = clean(String(info.setAside));
    lines.push(info.restored
      ? `Part of the saved cluster was damaged: it resumes from the last change that could be read, and what could not be read was set aside (${where}).`
      : `The saved cluster could not be read (saved by another version of kubeplay, or damaged), so a new one was started. The old one was set aside (${where}).`);
  }
  // The engine's warning says the same with the browser's reason.
  const kept = /does not let the page keep data/;
  if (info?.memory && !warnings.some((w) => kept.test(w))) lines.push('This browser does not let the page keep data: the cluster and your files last until the tab closes.');
  for (const w of warnings) if (!lines.some((l) => l.includes(w))) lines.push(w);
  if (!lines.length) return;
  $('notice-text').textContent = lines.join('\n');
  $('notice').hidden = false;
}
$('notice-close').addEventListener('click', () => {
  $('notice').hidden = true;
});

// ---- dialog ----------------------------------------------------------------

/** ask shows the dialog; it resolves with the text typed (or true), or null if cancelled. */
function ask({ title, text = '', label = '', value = '', ok = 'OK', check = () => '' }) {
  const dlg = $('dialog');
  $('dialog-title').textContent = title;
  $('dialog-text').textContent = text;
  $('dialog-field').hidden = !label;
  $('dialog-label').textContent = label;
  $('dialog-ok').textContent = ok;
  $('dialog-error').textContent = '';
  const input = $('dialog-input');
  input.value = value;
  return new Promise((resolve) => {
    const form = $('dialog-form');
    const submit = (e) => {
      if (e.submitter?.value !== 'ok' || !label) return;
      const err = check(input.value);
      if (err) {
        e.preventDefault();
        $('dialog-error').textContent = err;
      }
    };
    form.addEventListener('submit', submit);
    dlg.addEventListener(
      'close',
      () => {
        form.removeEventListener('submit', submit);
        if (dlg.returnValue !== 'ok') resolve(null);
        else resolve(label ? input.value.trim() : true);
      },
      { once: true },
    );
    dlg.returnValue = '';
    dlg.showModal();
    if (label) input.select();
    else $('dialog-ok').focus();
  });
}

// ---- time ------------------------------------------------------------------

const clock = {
  speed: storedSpeed(storage),
  lastPlaying: '1',
  show(c) {
    $('clock-time').textContent = formatClock(c.now);
    if (c.speed !== this.speed) {
      this.speed = c.speed;
      storeSpeed(storage, c.speed);
    }
    if (c.speed !== 'pause') this.lastPlaying = c.speed;
    for (const b of document.querySelectorAll('button.speed')) b.setAttribute('aria-pressed', String(b.dataset.speed === c.speed));
    $('clock-time').title = `The cluster's virtual time (UTC), running ${speedLabel(c.speed).toLowerCase()}`;
  },
  async set(speed) {
    try {
      this.show(await engine.call('speed', { speed }));
      announce(`Speed: ${speedLabel(speed)}`);
    } catch (err) {
      announce(`Could not change the speed: ${err.message}`);
    }
  },
  togglePause() {
    if (state === 'ready') this.set(this.speed === 'pause' ? this.lastPlaying : 'pause');
  },
  async jump(op) {
    if (state !== 'ready') return;
    try {
      const r = await engine.call(op);
      this.show(r);
      const what = op === 'step' ? 'Stepped' : 'Skipped';
      announce(`${what} ${formatDuration(r.now - r.from)} to ${formatClock(r.now)}${r.change ? `: ${r.change}` : op === 'skip' ? ': nothing changed' : ''}`);
    } catch (err) {
      announce(`Could not ${op}: ${err.message}`);
    }
  },
  step() {
    return this.jump('step');
  },
};
engine.on('clock', (c) => clock.show(c));
for (const b of document.querySelectorAll('button.speed')) b.addEventListener('click', () => clock.set(b.dataset.speed));
$('step').addEventListener('click', () => clock.step());
$('skip').addEventListener('click', () => clock.jump('skip'));

function announce(text) {
  $('clock-news').textContent = text;
  $('marks').dataset.news = text;
}

// Controls that need the engine are off until it is ready.
const engineControls = ['step', 'skip', 'reset', 'new-cluster', 'file-new', 'file-rename', 'file-delete', 'file-save', 'file-apply', 'files'];
function setControls(on) {
  for (const id of engineControls) $(id).disabled = !on;
  for (const b of document.querySelectorAll('button.speed')) b.disabled = !on;
}
setControls(false);

// ---- reset and new cluster -------------------------------------------------

function deleteDatabase(name) {
  return new Promise((resolve) => {
    let req;
    try {
      req = indexedDB.deleteDatabase(name);
    } catch (err) {
      console.warn(`kubeplay: could not delete ${name}`, err);
      resolve();
      return;
    }
    req.onsuccess = req.onerror = () => resolve();
    req.onblocked = () => console.warn(`kubeplay: deleting ${name} waits for its last connection to close`);
  });
}

/** restart stops the engine, deletes the databases named and starts a fresh one. */
async function restart(databases, message) {
  if (state === 'restarting') return;
  state = 'restarting';
  rejectReady(new Error('the cluster was replaced'));
  newReady();
  setControls(false);
  cluster.stop();
  const old = worker;
  worker = null;
  old?.terminate();
  engine.fail(new Error('the cluster was replaced'));
  const err = new Error('the cluster was replaced');
  running?.job?.reject(err);
  running = null;
  for (const job of queue.splice(0)) job.reject?.(err);
  for (const db of databases) await deleteDatabase(db);
  state = 'starting';
  files.changed();
  failure = null;
  continuation = false;
  editor.setPrompt('$ ');
  term.options.disableStdin = false;
  term.reset();
  setStatus('Starting cluster…', 'starting');
  $('notice').hidden = true;
  write(`\x1b[?25l${message}\r\nStarting cluster…`);
  startWorker();
}

$('reset').addEventListener('click', () => restart([CLUSTER_DB], 'The cluster was reset; your files are kept.'));
$('new-cluster').addEventListener('click', async () => {
  const ok = await ask({
    title: 'Start a new cluster?',
    text: 'This deletes the cluster and every file in your home directory, in this browser. It cannot be undone.',
    ok: 'Delete everything',
  });
  if (!ok) return;
  files.forget();
  restart([CLUSTER_DB, HOME_DB], 'A new cluster, with no files.');
});

// ---- editor and files ------------------------------------------------------

const SAMPLE_PATH = 'deployment.yaml';
const SAMPLE = `# A Deployment: three copies of a web server. Apply it (Ctrl+Enter) and
# watch its pods appear in the cluster view.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
`;

// The editor's module is fetched and run while the engine boots, when
// the page's thread has nothing else to do; it is made after (load).
let editorModule = null;
const loadEditor = () => (editorModule ??= import('./editor.js'));
const EDITOR_WAIT_MS = 1000;

const files = {
  tabs: new Tabs(),
  view: null, // the CodeMirror editor, once loaded
  list: [],
  checkTimer: 0,
  checked: '',
  syncing: null,

  async load() {
    if (!this.view) {
      const host = $('editor');
      try {
        const { createEditor } = await loadEditor();
        host.replaceChildren();
        this.view = createEditor(host, {
          onChange: (text) => this.onEdit(text),
          onSave: () => this.save(),
          onApply: () => this.apply(),
        });
      } catch (err) {
        host.textContent = `The editor could not be loaded: ${err.message}`;
        return;
      }
    }
    await this.refresh();
    const kept = this.kept();
    for (const p of kept.open) if (this.list.some((f) => f.path === p)) await this.open(p, false);
    if (!this.tabs.tabs.length) {
      if (this.list.some((f) => f.path === SAMPLE_PATH)) await this.open(SAMPLE_PATH, false);
      else this.scratch(SAMPLE_PATH, SAMPLE);
    }
    if (kept.active && this.tabs.find(kept.active)) this.show(kept.active);
    else this.show(this.tabs.active);
  },

  kept() {
    try {
      const v = JSON.parse(storage?.getItem('kubeplay.tabs') ?? 'null');
      return { open: Array.isArray(v?.open) ? v.open.filter((p) => typeof p === 'string' && !validPath(p)) : [], active: typeof v?.active === 'string' ? v.active : null };
    } catch {
      return { open: [], active: null };
    }
  },

  keep() {
    try {
      storage?.setItem('kubeplay.tabs', JSON.stringify(this.tabs.state()));
    } catch {
      // not kept
    }
  },

  forget() {
    try {
      storage?.removeItem('kubeplay.tabs');
    } catch {
      // nothing kept
    }
    this.tabs = new Tabs();
  },

  async refresh() {
    const r = await engine.call('files');
    this.list = r.files;
    const sel = $('files');
    sel.replaceChildren(new Option('~/…', ''), ...this.list.map((f) => new Option(f.path, f.path)));
    return this.list;
  },

  async open(path, show = true) {
    const f = await engine.call('read', { path });
    this.tabs.open(f.path, f.text, f.modTime);
    if (show) this.show(f.path);
  },

  /** scratch opens an unsaved tab. */
  scratch(path, text) {
    const t = this.tabs.open(path, text, null);
    t.saved = '';
    this.show(path);
  },

  show(path) {
    if (path) this.tabs.active = path;
    const t = this.tabs.current;
    this.renderTabs();
    this.keep();
    if (!this.view) return;
    this.view.setText(t ? t.text : '');
    this.checked = '';
    this.scheduleCheck(0);
  },

  renderTabs() {
    const bar = $('tabs');
    bar.replaceChildren(
      ...this.tabs.tabs.map((t) => {
        const active = t.path === this.tabs.active;
        const wrap = document.createElement('span');
        wrap.className = 'tab';
        wrap.dataset.active = String(active);
        const b = document.createElement('button');
        b.type = 'button';
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-selected', String(active));
        b.tabIndex = active ? 0 : -1;
        b.textContent = t.path + (isDirty(t) ? ' •' : '') + (t.stale ? ' (changed on disk)' : '');
        b.title = isDirty(t) ? `${t.path}: not saved` : `~/${t.path}`;
        b.addEventListener('click', () => this.select(t.path));
        b.addEventListener('keydown', (e) => this.tabKey(e, t.path));
        const x = document.createElement('button');
        x.type = 'button';
        x.className = 'close';
        x.textContent = '×';
        x.setAttribute('aria-label', `Close ${t.path}`);
        x.addEventListener('click', () => this.close(t.path));
        wrap.append(b, x);
        return wrap;
      }),
    );
  },

  tabKey(e, path) {
    const i = this.tabs.tabs.findIndex((t) => t.path === path);
    const n = this.tabs.tabs.length;
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % n;
    if (e.key === 'ArrowLeft') j = (i - 1 + n) % n;
    if (j === null) return;
    e.preventDefault();
    this.select(this.tabs.tabs[j].path);
    $('tabs').querySelectorAll('[role=tab]')[j]?.focus();
  },

  select(path) {
    this.show(path);
  },

  async close(path) {
    const t = this.tabs.find(path);
    if (isDirty(t) && !(await ask({ title: `Close ${path}?`, text: 'Its changes are not saved.', ok: 'Close without saving' }))) return;
    this.tabs.close(path);
    this.show(this.tabs.active);
  },

  onEdit(text) {
    const t = this.tabs.current;
    if (!t) return;
    const wasDirty = isDirty(t);
    this.tabs.edit(t.path, text);
    if (wasDirty !== isDirty(t)) this.renderTabs();
    this.scheduleCheck(500);
  },

  scheduleCheck(delay) {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(), delay);
  },

  async check() {
    const t = this.tabs.current;
    if (!t || !this.view || state !== 'ready') return;
    const text = this.view.getText();
    if (text === this.checked) return;
    const marksEl = $('marks');
    try {
      const r = await engine.call('validate', { path: t.path, text });
      if (!this.view.setMarks(text, r.marks)) return; // changed meanwhile: a later check comes
      this.checked = text;
      const errors = r.marks.filter((m) => m.severity === 'error');
      if (!r.marks.length) {
        marksEl.textContent = r.objects ? `✓ Valid: ${r.objects} object${r.objects === 1 ? '' : 's'} (server-side dry run)` : 'No objects';
        marksEl.dataset.state = 'ok';
      } else {
        const first = r.marks[0];
        marksEl.textContent = `✕ ${r.marks.length} problem${r.marks.length === 1 ? '' : 's'}: line ${first.line}: ${first.message}`;
        marksEl.dataset.state = errors.length ? 'error' : 'warning';
      }
    } catch (err) {
      marksEl.textContent = `Could not check the manifest: ${err.message}`;
      marksEl.dataset.state = 'error';
    }
  },

  async save() {
    const t = this.tabs.current;
    if (!t || !this.view) return false;
    const text = this.view.getText();
    try {
      const f = await engine.call('write', { path: t.path, text });
      this.tabs.saved(t.path, text, f.modTime);
      this.renderTabs();
      await this.refresh();
      announce(`Saved ~/${t.path}`);
      return true;
    } catch (err) {
      announce(`Could not save: ${err.message}`);
      $('marks').textContent = `Could not save ${t.path}: ${err.message}`;
      return false;
    }
  },

  async apply() {
    const t = this.tabs.current;
    if (!t || state !== 'ready') return;
    if (isDirty(t) && !(await this.save())) return;
    exec(`kubectl apply -f ~/${shellQuote(t.path)}`).catch(() => {});
  },

  async create() {
    const name = await ask({ title: 'New file', label: 'Name', value: 'manifest.yaml', ok: 'Create', check: (v) => validPath(v) || (this.list.some((f) => f.path === v.trim()) || this.tabs.find(v.trim()) ? `${v.trim()} exists` : '') });
    if (!name) return;
    try {
      await engine.call('write', { path: name, text: '', create: true });
      await this.refresh();
      await this.open(name);
      this.view?.focus();
    } catch (err) {
      announce(`Could not create ${name}: ${err.message}`);
    }
  },

  async rename() {
    const t = this.tabs.current;
    if (!t) return;
    const to = await ask({ title: `Rename ${t.path}`, label: 'New name', value: t.path, ok: 'Rename', check: validPath });
    if (!to || to === t.path) return;
    try {
      if (t.modTime !== null) await engine.call('rename', { from: t.path, to });
      this.tabs.rename(t.path, to);
      await this.refresh();
      this.show(to);
    } catch (err) {
      announce(`Could not rename: ${err.message}`);
      $('marks').textContent = `Could not rename ${t.path}: ${err.message}`;
    }
  },

  async remove() {
    const t = this.tabs.current;
    if (!t) return;
    if (!(await ask({ title: `Delete ${t.path}?`, text: `~/${t.path} is removed from your home directory.`, ok: 'Delete' }))) return;
    try {
      if (t.modTime !== null) await engine.call('delete', { path: t.path });
      this.tabs.close(t.path);
      await this.refresh();
      this.show(this.tabs.active);
    } catch (err) {
      announce(`Could not delete: ${err.message}`);
    }
  },

  /**
   * changed looks for files a command changed: the list, and the text of
   * each open tab (a file's time can stay the same within one instant of
   * the cluster's clock); a clean tab shows the new text, a dirty one is
   * marked changed on disk.
   */
  changed() {
    if (state !== 'ready' || !this.view || this.syncing) return;
    this.syncing = (async () => {
      try {
        await this.refresh();
        for (const t of [...this.tabs.tabs]) {
          if (t.modTime === null) continue;
          let f;
          try {
            f = await engine.call('read', { path: t.path });
          } catch {
            t.modTime = null; // gone: the tab keeps the text, unsaved
            continue;
          }
          if (f.text === t.saved) continue;
          if (isDirty(t)) {
            t.stale = true;
            continue;
          }
          const active = this.tabs.active;
          this.tabs.open(f.path, f.text, f.modTime);
          this.tabs.active = active;
        }
        const cur = this.tabs.current;
        if (cur && this.view.getText() !== cur.text) {
          this.view.setText(cur.text);
          this.checked = '';
          this.scheduleCheck(0);
        }
        this.renderTabs();
      } catch (err) {
        console.warn('kubeplay: could not look at the files', err);
      } finally {
        this.syncing = null;
      }
    })();
  },
};

$('files').addEventListener('change', (e) => {
  const path = e.target.value;
  e.target.value = '';
  if (path) files.open(path).catch((err) => announce(`Could not open ${path}: ${err.message}`));
});
$('file-new').addEventListener('click', () => files.create());
$('file-rename').addEventListener('click', () => files.rename());
$('file-delete').addEventListener('click', () => files.remove());
$('file-save').addEventListener('click', () => files.save());
$('file-apply').addEventListener('click', () => files.apply());

// ---- cluster view ----------------------------------------------------------

const cluster = new ClusterView($('pane-cluster'), engine, {
  run: (line) => exec(line).catch(() => {}),
  ask: (opts) => ask(opts),
  storage,
});
// ---- files dropped on the page ---------------------------------------------

// A file dropped anywhere on the page is copied into the home directory
// (the page's upload op, docs/bridge.md), never over a file that exists
// (app.wasm, then app-1.wasm, ...). Then a command is typed in the
// terminal, as a user would type it, so that what happened is on screen
// and can be done again by hand: a WebAssembly module is loaded as an
// image (`kubeplay image load app.wasm app`), anything else is listed
// (`ls -l notes.yaml`). A module dropped again (a new build of app.wasm)
// is kept as app-1.wasm and loaded as app again, as docker load replaces
// a tag.
const MAX_DROP = 32 << 20;

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

async function dropped(file) {
  if (file.size > MAX_DROP) {
    setStatus(`Could not copy ${file.name}: it is larger than 32 MiB`, 'error');
    return;
  }
  let data;
  try {
    data = await readBase64(file);
  } catch (err) {
    setStatus(`Could not read ${file.name}: ${err.message}`, 'error');
    return;
  }
  const dot = file.name.lastIndexOf('.');
  const stem = dot > 0 ? file.name.slice(0, dot) : file.name;
  const ext = dot > 0 ? file.name.slice(dot) : '';
  for (let i = 0; i < 100; i++) {
    const path = i === 0 ? file.name : `${stem}-${i}${ext}`;
    try {
      await engine.call('upload', { path, data });
    } catch (err) {
      if (/: File exists$/.test(err.message)) continue;
      setStatus(`Could not copy ${file.name}: ${err.message}`, 'error');
      return;
    }
    files.refresh().catch(() => {});
    const line = /\.wasm$/i.test(path) ? `kubeplay image load ${shellQuote(path)} ${imageName(stem)}` : `ls -l ${shellQuote(path)}`;
    await exec(line).catch(() => {});
    return;
  }
  setStatus(`Could not copy ${file.name}: too many files of that name`, 'error');
}

// In the capture phase, so that the editor does not also take a file
// dropped on it as text.
document.addEventListener('dragover', (e) => {
  if (!e.dataTransfer?.types?.includes('Files')) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = state === 'ready' ? 'copy' : 'none';
}, true);
document.addEventListener('drop', (e) => {
  const list = [...(e.dataTransfer?.files ?? [])];
  if (!list.length) return;
  e.preventDefault();
  e.stopPropagation();
  if (state !== 'ready') return;
  (async () => {
    for (const f of list) await dropped(f);
  })();
}, true);

// The fragment's scenario or link, and the embedded form (embedhost.js).
embedHost = new EmbedHost({ kubeplay: window.kubeplay, theme });

function onEngineReady(info) {
  setControls(true);
  clock.show({ now: NaN, speed: typeof info?.speed === 'string' ? info.speed : clock.speed });
  engine.call('clock').then((c) => clock.show(c), () => {});
  cluster.start();
  // The editor (CodeMirror, fetched while the engine boots) is made once
  // the view has drawn the nodes, or after EDITOR_WAIT_MS: making it
  // took the page's thread while the view's first lists came in.
  const wait = new Promise((resolve) => setTimeout(resolve, EDITOR_WAIT_MS));
  Promise.race([cluster.drawn, wait])
    .then(() => files.load())
    .catch((err) => console.warn('kubeplay: the editor could not start', err));
}

// The editor's module comes while the engine boots (loadEditor).
setTimeout(() => loadEditor().catch(() => {}));
