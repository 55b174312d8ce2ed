// The page's first script: index.html runs it in its head, before the
// stylesheet and the page's own script (main.js, with xterm.js) are even
// fetched, so that the engine's worker, and with it the engine's download,
// compilation and boot, starts a few hundred milliseconds sooner. main.js
// takes the worker over (takeBootWorker) with the messages it sent
// meanwhile, or starts one itself when this script did not run.

/* global __WORKER_URL__ */
import { storedSpeed } from './clock.js';
import { workerParams } from './params.js';

function start() {
  if (globalThis.kubeplayBoot !== undefined) return;
  globalThis.kubeplayBoot = null;
  let storage = null;
  try {
    storage = window.localStorage;
  } catch {
    // private mode: the default speed
  }
  // Asset URLs are relative to the site root; this script is in assets/.
  const url = new URL(__WORKER_URL__, new URL('../', document.currentScript.src));
  // In the fragment, never sent to the server (main.js).
  url.hash = new URLSearchParams([['speed', storedSpeed(storage)], ...workerParams(window.location)]).toString();
  let worker;
  try {
    worker = new Worker(url);
  } catch {
    return; // main.js tries again, and says why it failed
  }
  const pending = [];
  const listeners = {
    message: (event) => pending.push({ kind: 'message', data: event.data }),
    error: (event) => {
      event.preventDefault();
      pending.push({ kind: 'error', message: event.message });
    },
    messageerror: () => pending.push({ kind: 'messageerror' }),
  };
  for (const [type, f] of Object.entries(listeners)) worker.addEventListener(type, f);
  globalThis.kubeplayBoot = {
    // take hands the worker over once: its listeners are then the caller's.
    take() {
      globalThis.kubeplayBoot = null;
      for (const [type, f] of Object.entries(listeners)) worker.removeEventListener(type, f);
      return { worker, pending };
    },
  };
}

start();
