// The page: a terminal (xterm.js) with a line editor, talking to the Web
// Worker that runs the engine. The contract with the worker and the page API
// (window.kubeplay) are described in docs/bridge.md.

/* global __WORKER_URL__ */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { LineEditor } from './lineeditor.js';
import { installCspStyleShim } from './cspstyles.js';

// Must run before xterm.js creates any element (see cspstyles.js).
installCspStyleShim();

// Asset URLs are relative to the site root; this script is in assets/.
const siteRoot = new URL('../', import.meta.url);

const RED = '\x1b[1;31m';
const YELLOW = '\x1b[33m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

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

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
const narrowQuery = window.matchMedia('(max-width: 600px)');
const theme = () => (darkQuery.matches ? THEMES.dark : THEMES.light);
const fontSize = () => (narrowQuery.matches ? 12 : 14);

// ---- state ---------------------------------------------------------------

let state = 'starting'; // starting | ready | failed
let failure = null; // the Error, once failed
let nextId = 1; // shared by typed and exec'ed commands
let running = null; // {id, output, job}: the command the engine is running
let atLineStart = true; // whether the running command's output ended with a newline
let continuation = false; // the shell waits for more lines of a command (prompt "> ")
let lastId = 0; // the last command sent to the engine
// Waiting work, in order: keys typed ahead ({kind: 'input', data}) and
// exec() calls ({kind: 'exec', line, resolve, reject}).
const queue = [];

// ---- page API ------------------------------------------------------------

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
ready.catch(() => {}); // a failure is shown on the page; callers see it when they await

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

window.kubeplay = Object.freeze({ ready, exec });

// ---- terminal --------------------------------------------------------------

const statusEl = document.getElementById('status');
const container = document.getElementById('terminal');

function setStatus(text, state) {
  statusEl.textContent = text;
  statusEl.dataset.state = state;
}

const term = new Terminal({
  convertEol: true,
  cursorBlink: true,
  fontFamily: FONT_FAMILY,
  fontSize: fontSize(),
  scrollback: 5000,
  theme: theme(),
});
const fit = new FitAddon();
term.loadAddon(fit);
term.open(container);

const editor = new LineEditor({ prompt: '$ ', promptStyle: '1;32', columns: term.cols, historySize: 1000 });
// Ctrl-C at a "> " prompt abandons the multi-line command in the shell too.
editor.oncancel = () => {
  if (!continuation) return;
  continuation = false;
  editor.setPrompt('$ ');
  worker.postMessage({ type: 'interrupt', id: lastId });
};

function write(text) {
  if (text) term.write(text);
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
darkQuery.addEventListener('change', () => {
  term.options.theme = theme();
});
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
    if (running) {
      worker.postMessage({ type: 'interrupt', id: running.id });
      write('^C');
      atLineStart = false;
    }
    data = data.slice(cc + 1);
  }
  if (!data) return;
  const last = queue[queue.length - 1];
  if (last && last.kind === 'input') last.data += data;
  else queue.push({ kind: 'input', data });
  pump();
});

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
      `Try ${BOLD}kubectl get nodes${RESET}.\r\n\x1b[?25h`,
  );
  const warnings = Array.isArray(info?.warnings) ? info.warnings : [];
  for (const w of warnings) write(`${YELLOW}Warning: ${clean(String(w))}${RESET}\r\n`);
  write(editor.prompt());
  resolveReady(info);
  pump();
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
}

// Control characters other than newline and tab would be interpreted by the
// terminal; messages are shown as text.
function clean(text) {
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

// ---- worker ----------------------------------------------------------------

let worker;
try {
  worker = new Worker(new URL(__WORKER_URL__, siteRoot));
  worker.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready':
        onReady(m.info);
        break;
      case 'output':
        onOutput(m.id, m.data);
        break;
      case 'exit':
        onExit(m.id, m.code);
        break;
      case 'error':
        fail(m.message);
        break;
      case 'reply':
      case 'batch':
        break; // the page protocol (docs/bridge.md); nothing asks yet
      default:
        console.warn('kubeplay: unknown message from the worker', m);
    }
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fail(event.message || 'the engine worker could not be started');
  });
  worker.addEventListener('messageerror', () => fail('a message from the engine worker could not be read'));
} catch (err) {
  fail(`the engine worker could not be started: ${err?.message ?? err}`);
}
