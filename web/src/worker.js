// The Web Worker that runs the engine (Go compiled to js/wasm). It implements
// the worker side of docs/bridge.md: it gives the engine globalThis.kubeplayHost,
// forwards what the engine reports to the page, and passes the page's
// exec, interrupt and call messages to globalThis.kubeplayEngine, once it
// has checked their shape.
//
// This is a classic worker (importScripts is used for wasm_exec.js). The build
// (web/build.mjs) defines:
//   __ENGINE_URL__     "assets/engine-HASH.wasm"
//   __WASM_EXEC_URL__  "assets/wasm_exec-HASH.js"
//   __IMAGES__         {NAME: {url: "assets/images/NAME-HASH.wasm", size, sha256}}
// All relative to the site root, which is the parent of this script's
// directory (assets/). The engine is given absolute image URLs.

/* global __ENGINE_URL__, __WASM_EXEC_URL__, __IMAGES__ */

import { GoOutput } from './gooutput.js';
import { makeWriteFile } from './idbfile.js';

const siteRoot = new URL('../', self.location.href);

// Moments of the engine's start, for the measures (e2e TestPageMeasures):
// [name, milliseconds since the epoch], sent with ready; the page marks
// them on its own timeline as kubeplay-worker-NAME.
const marks = [];
function mark(name) {
  marks.push([name, performance.timeOrigin + performance.now()]);
}
mark('start');
const siteURL = (path) => new URL(path, siteRoot).href;

let failed = false;
const waiting = []; // page messages that arrived before kubeplayEngine existed

function post(message) {
  self.postMessage(message);
}

function describe(err) {
  if (err instanceof Error) return err.message ? `${err.name === 'Error' ? '' : err.name + ': '}${err.message}` : String(err);
  if (err && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}

// Report a failure to the page; only the first one (later ones are usually
// consequences of it).
function fail(err) {
  if (failed) return;
  failed = true;
  let message = describe(err) || 'unknown error';
  // A trap inside a call into the engine (a message it was handling)
  // reaches here, not start's run: say what Go printed before it.
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) message = goOutput.stopped(message);
  console.error('kubeplay:', err);
  try {
    post({ type: 'error', message });
  } catch (e) {
    console.error('kubeplay: could not report the error', e);
  }
}

self.addEventListener('error', (event) => {
  event.preventDefault();
  fail(event.error ?? event.message);
});
self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  fail(event.reason);
});

// ---- page -> engine ----------------------------------------------------------

// Limits of what the page may send (the engine checks again, strictly).
const MAX_LINE = 1 << 20;
const MAX_CALL = 2 << 20;
const MAX_UPLOAD_CALL = (32 << 20) / 3 * 4 + (64 << 10); // a dropped file, in base64
const OP = /^[a-z]{1,16}$/;

// checkPageMessage returns the message in the shape the engine takes, or
// null for anything else: a dedicated worker hears only its page, but the
// shape is checked all the same (docs/bridge.md).
function checkPageMessage(m) {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
  const id = m.id;
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  switch (m.type) {
    case 'exec':
      return typeof m.line === 'string' && m.line.length <= MAX_LINE ? { type: 'exec', id, line: m.line } : null;
    case 'interrupt':
      return { type: 'interrupt', id };
    case 'input':
      // What the user types while command id runs; data null is Ctrl-D.
      if (m.data === null) return { type: 'input', id, data: null };
      return typeof m.data === 'string' && m.data.length <= MAX_LINE ? { type: 'input', id, data: m.data } : null;
    case 'complete':
      // Tab: the line and the cursor (a UTF-16 index into it).
      if (typeof m.line !== 'string' || m.line.length > MAX_LINE) return null;
      if (!Number.isSafeInteger(m.cursor) || m.cursor < 0 || m.cursor > m.line.length) return null;
      return { type: 'complete', id, line: m.line, cursor: m.cursor };
    case 'call': {
      if (typeof m.op !== 'string' || !OP.test(m.op)) return null;
      if (m.args !== undefined && (m.args === null || typeof m.args !== 'object' || Array.isArray(m.args))) return null;
      let json;
      try {
        json = JSON.stringify({ id, op: m.op, args: m.args ?? {} });
      } catch {
        return null;
      }
      return json.length <= (m.op === 'upload' ? MAX_UPLOAD_CALL : MAX_CALL) ? { type: 'call', id, json } : null;
    }
    default:
      return null;
  }
}

self.addEventListener('message', (event) => {
  const m = checkPageMessage(event.data);
  if (!m) {
    console.warn('kubeplay: ignoring a message from the page', event.data);
    return;
  }
  waiting.push(m);
  deliver();
});

// The lines of the completions asked for, by id.
const completing = new Map();

// Pass waiting messages to the engine, in order, once it exists.
function deliver() {
  const engine = globalThis.kubeplayEngine;
  if (!engine || failed) return;
  while (waiting.length > 0) {
    const m = waiting.shift();
    try {
      if (m.type === 'exec') engine.exec(m.id, m.line);
      else if (m.type === 'interrupt') engine.interrupt(m.id);
      else if (m.type === 'input') {
        if (m.data === null) engine.input(m.id);
        else engine.input(m.id, m.data);
      } else if (m.type === 'complete') {
        // The engine counts bytes of UTF-8.
        const cursor = new TextEncoder().encode(m.line.slice(0, m.cursor)).length;
        completing.set(m.id, m.line);
        engine.complete(m.id, m.line, cursor);
      }
      else {
        const refused = engine.call(m.json);
        if (refused) post({ type: 'reply', id: m.id, error: String(refused) });
      }
    } catch (err) {
      fail(new Error(`the engine failed to take a message: ${describe(err)}`));
      return;
    }
  }
}

// ---- engine -> page ----------------------------------------------------------

function plain(value) {
  try {
    return JSON.parse(JSON.stringify(value ?? {}));
  } catch {
    return {};
  }
}

const images = {};
for (const [name, image] of Object.entries(__IMAGES__)) {
  images[name] = { url: siteURL(image.url), size: image.size, sha256: image.sha256 };
}

// The speed the page asks the cluster to start at (kept across reloads),
// and what its fragment asks to open: a share link or a scenario, and the
// page's address for the links kubeplay share makes (embedhost.js).
const opened = {};
let speed;
try {
  const params = new URLSearchParams(self.location.hash.slice(1)); // main.js: in the fragment, never sent
  speed = params.get('speed') ?? undefined;
  for (const key of ['share', 'scenario', 'url', 'fresh', 'oversized']) {
    if (params.get(key)) opened[key] = params.get(key);
  }
} catch {
  speed = undefined;
}

// parse reads a JSON string from the engine; parsing here keeps the work
// off the page's thread.
function parse(json) {
  try {
    return JSON.parse(String(json));
  } catch (err) {
    console.error('kubeplay: the engine sent a message that does not parse', err);
    return null;
  }
}

globalThis.kubeplayHost = {
  config: { images, speed, ...opened },
  ready(info) {
    if (failed) return;
    mark('ready');
    post({ type: 'ready', info: plain(info), marks });
    deliver();
    // The engine defines kubeplayEngine before it calls ready.
    setTimeout(() => {
      if (!globalThis.kubeplayEngine) fail(new Error('the engine is ready but did not define kubeplayEngine'));
      else deliver();
    }, 0);
  },
  output(id, text) {
    post({ type: 'output', id: Number(id), data: String(text) });
  },
  exit(id, code) {
    post({ type: 'exit', id: Number(id), code: Number(code) });
  },
  reading(id) {
    post({ type: 'reading', id: Number(id) });
  },
  error(message) {
    fail(String(message));
  },
  notice(text) {
    post({ type: 'notice', text: String(text) });
  },
  completion(id, json) {
    const line = completing.get(Number(id)) ?? '';
    completing.delete(Number(id));
    const c = parse(json);
    if (!c) return;
    // start becomes a UTF-16 index into the line again.
    const bytes = new TextEncoder().encode(line).slice(0, Number(c.start) || 0);
    const start = new TextDecoder().decode(bytes).length;
    post({ type: 'completion', id: Number(id), start, words: Array.isArray(c.words) ? c.words.map(String) : [] });
  },
  reply(json) {
    const r = parse(json);
    if (r && r.type === 'reply') post(r);
  },
  batch(json) {
    const b = parse(json);
    if (b && b.type === 'batch') post(b);
  },
  mark(name) {
    mark(String(name));
  },
  scenario(json) {
    const m = parse(json);
    if (m && m.type === 'scenario' && Number.isSafeInteger(m.passed)) post({ type: 'scenario', passed: m.passed });
  },
  // Whole files into the engine's IndexedDB file system (cmd/wasm/idbfile.go).
  writeFile: makeWriteFile(() => indexedDB),
  // yield calls resume once the tasks queued before it have run (the
  // engine's turns between steps at max speed, cmd/wasm/main.go): a
  // message to a channel of the worker's own, which no timer's 4 ms floor
  // delays.
  yield(resume) {
    resumes.push(resume);
    turns.port2.postMessage(null);
  },
};

const turns = new MessageChannel();
const resumes = [];
turns.port1.onmessage = () => resumes.shift()?.();

// ---- start -------------------------------------------------------------------

// What the Go program wrote last, to explain why it stopped.
const goOutput = new GoOutput();

function captureGoOutput() {
  const fs = globalThis.fs;
  if (!fs || typeof fs.writeSync !== 'function') return;
  const writeSync = fs.writeSync;
  fs.writeSync = function (fd, buf) {
    try {
      goOutput.write(buf);
    } catch {
      // keep going: this is only for the error message
    }
    return writeSync.call(this, fd, buf);
  };
}

// The engine's download and compilation start with the worker, beside the
// wait for the cluster's lock and the loading of wasm_exec.js.
const engineModule = compileEngine(siteURL(__ENGINE_URL__));
engineModule.catch(() => {}); // reported by start

async function compileEngine(url) {
  const response = await fetch(url);
  mark('engine-response');
  if (!response.ok) throw new Error(`could not load the engine: HTTP ${response.status} for ${url}`);
  const type = (response.headers.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
  if (typeof WebAssembly.compileStreaming === 'function' && type === 'application/wasm') {
    try {
      const module = await WebAssembly.compileStreaming(response);
      mark('engine-compiled');
      return module;
    } catch (err) {
      // A TypeError is about the response (e.g. its encoding), not the module: try again without streaming.
      if (!(err instanceof TypeError)) throw err;
      console.warn('kubeplay: streaming compilation failed, retrying without it:', err);
      const retry = await fetch(url);
      if (!retry.ok) throw new Error(`could not load the engine: HTTP ${retry.status} for ${url}`);
      return WebAssembly.compile(await retry.arrayBuffer());
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function start() {
  const wasmExecURL = siteURL(__WASM_EXEC_URL__);
  try {
    importScripts(wasmExecURL);
  } catch (err) {
    throw new Error(`could not load ${wasmExecURL}: ${describe(err)}`);
  }
  if (typeof globalThis.Go !== 'function') throw new Error('wasm_exec.js did not define Go');
  captureGoOutput();

  const go = new globalThis.Go();
  const exit = go.exit;
  go.exit = (code) => {
    goOutput.exitCode = code;
    exit.call(go, code);
  };

  const module = await engineModule;
  mark('engine-module');
  const instance = await WebAssembly.instantiate(module, go.importObject);
  mark('engine-instance');
  // run resolves only when the Go program exits, which it should not; it
  // rejects when the program traps (Go's runtime aborts with a wasm
  // unreachable after printing why).
  let trap = null;
  try {
    await go.run(instance);
  } catch (err) {
    trap = err;
  }
  throw new Error(goOutput.stopped(trap ? describe(trap) : ''));
}

// One tab at a time keeps the cluster in this browser: two writing the
// same store would mix their histories. The tab that holds the lock keeps
// it until its worker ends; another tab runs a cluster of its own, in
// memory, and says so (config.busy, cmd/wasm/storage.go). The wait covers
// a reload, whose old worker lets go as it ends.
async function claimCluster() {
  if (opened.share || opened.scenario || opened.fresh || opened.oversized || !self.navigator?.locks) return;
  try {
    await new Promise((resolve, reject) => {
      self.navigator.locks
        .request('kubeplay-cluster', { signal: AbortSignal.timeout(3000) }, () => {
          resolve();
          return new Promise(() => {}); // held for the worker's life
        })
        .catch(reject);
    });
  } catch {
    globalThis.kubeplayHost.config.busy = '1';
  }
}

claimCluster().then(start).catch(fail);
