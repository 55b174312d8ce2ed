import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient, ObjectStore, checkWorkerMessage } from '../src/bridge.js';
import { formatClock, formatDuration, speedLabel, storedSpeed, storeSpeed } from '../src/clock.js';
import { Theme, effective, nextChoice, storedChoice } from '../src/theme.js';
import { clamp, keyStep, shareAt, storedShares } from '../src/layout.js';
import { Tabs, isDirty, validPath, shellQuote, imageName } from '../src/tabs.js';
import { toDiagnostics, lineStarts } from '../src/marks.js';
import { statusClass, symbolFor } from '../src/clusterview.js';

function memoryStorage(init = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), m };
}

test('worker messages are checked before use', () => {
  assert.ok(checkWorkerMessage({ type: 'output', id: 1, data: 'x' }));
  assert.ok(checkWorkerMessage({ type: 'reply', id: 3, result: {} }));
  assert.ok(checkWorkerMessage({ type: 'batch', clock: { now: 1, speed: '1' }, events: [] }));
  assert.ok(checkWorkerMessage({ type: 'completion', id: 4, start: 12, words: ['deployments', 'daemonsets'] }));
  assert.ok(checkWorkerMessage({ type: 'notice', text: 'The cluster is saved again: nothing was lost.' }));
  for (const bad of [null, 'x', [], { type: 'output', id: -1, data: '' }, { type: 'output', id: 1, data: 5 }, { type: 'exit', id: 1, code: 'x' },
    { type: 'reply', id: 1.5 }, { type: 'reply', id: 1, error: 5 }, { type: 'batch', events: {} }, { type: 'batch', clock: { now: 'x' } }, { type: 'eval', code: '1' },
    { type: 'completion', id: 4, start: -1, words: [] }, { type: 'completion', id: 4, start: 0, words: [1] }, { type: 'completion', id: 4, start: 0 },
    { type: 'notice' }, { type: 'notice', text: 5 }]) {
    assert.equal(checkWorkerMessage(bad), null, JSON.stringify(bad));
  }
});

test('calls are answered by their replies, in any order', async () => {
  const sent = [];
  const c = new EngineClient((m) => sent.push(m), { frame: (f) => f() });
  const a = c.call('files');
  const b = c.call('read', { path: 'x' });
  assert.deepEqual(sent.map((m) => [m.type, m.op, m.id]), [['call', 'files', 1], ['call', 'read', 2]]);
  c.handle({ type: 'reply', id: 2, error: 'x: No such file or directory' });
  c.handle({ type: 'reply', id: 1, result: { files: [] } });
  assert.deepEqual(await a, { files: [] });
  await assert.rejects(b, /No such file/);
  c.handle({ type: 'reply', id: 99, result: {} }); // unknown: ignored
});

test('a watch lists, then gets the events of each frame; events before the list wait for it', () => {
  const sent = [];
  const frames = [];
  const c = new EngineClient((m) => sent.push(m), { frame: (f) => frames.push(f) });
  const got = [];
  const store = new ObjectStore();
  const w = c.watch('pods', { summary: true }, { onList: (l) => store.reset(l), onEvents: (evs) => (store.apply(evs), got.push(evs.length)) });
  assert.deepEqual(sent[0], { type: 'call', id: w.id, op: 'watch', args: { resource: 'pods', summary: true } });
  // A batch arrives before the reply: kept until the list is in.
  c.handle({ type: 'batch', events: [{ watch: w.id, type: 'ADDED', object: { uid: 'b', name: 'b', resourceVersion: '7' } }] });
  frames.shift()();
  assert.deepEqual(got, []);
  c.handle({ type: 'reply', id: w.id, result: { watch: w.id, resourceVersion: '5', headers: ['NAME'], items: [{ uid: 'a', name: 'a' }] } });
  return w.ready.then(() => {
    assert.deepEqual(store.list().map((o) => o.name), ['a', 'b']);
    // Two batches in one frame: applied together, once.
    c.handle({ type: 'batch', clock: { now: 1000, speed: '10' }, events: [{ watch: w.id, type: 'DELETED', object: { uid: 'a', name: 'a' } }] });
    c.handle({ type: 'batch', events: [{ watch: w.id, type: 'MODIFIED', object: { uid: 'b', name: 'b', resourceVersion: '9' } }, { watch: 999, type: 'ADDED', object: {} }] });
    let clock = null;
    c.on('clock', (k) => (clock = k));
    assert.equal(frames.length, 1);
    frames.shift()();
    assert.deepEqual(got, [1, 2]);
    assert.deepEqual(store.list().map((o) => o.name), ['b']);
    assert.equal(store.resourceVersion, '9');
    assert.deepEqual(clock, { now: 1000, speed: '10' });
    assert.equal(store.apply([{ type: 'ERROR', object: {} }]), false);
  });
});

test('a store lists by namespace and name, in code-unit order, and lists again after a change', () => {
  const store = new ObjectStore();
  store.reset({ items: [{ uid: '1', namespace: 'b', name: 'x' }, { uid: '2', namespace: 'a', name: 'web-10' }, { uid: '3', namespace: 'a', name: 'web-2' }, { uid: '4', namespace: 'a', name: 'web.1' }] });
  assert.deepEqual(store.list().map((o) => o.name), ['web-10', 'web-2', 'web.1', 'x']);
  assert.deepEqual(store.list((o) => o.namespace === 'b').map((o) => o.name), ['x']);
  const first = store.list();
  first.pop(); // a caller's copy: the store's order is untouched
  assert.equal(store.list().length, 4);
  store.apply([{ type: 'ADDED', object: { uid: '5', namespace: 'a', name: 'a' } }, { type: 'DELETED', object: { uid: '1' } }]);
  assert.deepEqual(store.list().map((o) => o.name), ['a', 'web-10', 'web-2', 'web.1']);
  // Objects replaced from outside (the history's copies) are listed afresh.
  store.objects = new Map([['9', { uid: '9', namespace: '', name: 'n' }]]);
  assert.deepEqual(store.list().map((o) => o.name), ['n']);
});

test('clock', () => {
  assert.equal(formatClock(Date.UTC(2026, 0, 2, 3, 4, 5)), '2026-01-02 03:04:05');
  assert.equal(formatClock(NaN), '--:--:--');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(10000), '10s');
  assert.equal(formatDuration(300100), '5m0.1s');
  assert.equal(formatDuration(3723000), '1h2m3s');
  assert.equal(speedLabel('pause'), 'Paused');
  assert.equal(speedLabel('100'), '100×');
  const s = memoryStorage();
  assert.equal(storedSpeed(s), '1');
  storeSpeed(s, 'max');
  assert.equal(storedSpeed(s), 'max');
  storeSpeed(s, 'warp');
  assert.equal(storedSpeed(s), 'max');
  assert.equal(storedSpeed(memoryStorage({ 'kubeplay.speed': 'x' })), '1');
});

test('theme', () => {
  assert.equal(nextChoice('auto'), 'light');
  assert.equal(nextChoice('dark'), 'auto');
  assert.equal(effective('auto', true), 'dark');
  assert.equal(effective('light', true), 'light');
  const storage = memoryStorage();
  const root = { dataset: {} };
  const listeners = [];
  const media = { matches: false, addEventListener: (_, f) => listeners.push(f) };
  const th = new Theme({ root, storage, media });
  assert.equal(root.dataset.theme, 'light');
  media.matches = true;
  listeners[0]();
  assert.equal(root.dataset.theme, 'dark', 'auto follows the system');
  th.toggle();
  assert.equal(root.dataset.theme, 'light');
  assert.equal(storage.getItem('kubeplay.theme'), 'light');
  assert.equal(storedChoice(storage), 'light');
  th.toggle();
  th.toggle();
  assert.equal(storage.getItem('kubeplay.theme'), null, 'auto is not kept');
});

test('layout', () => {
  assert.equal(clamp(2), 15);
  assert.equal(clamp(99), 85);
  assert.equal(clamp(NaN), 50);
  assert.equal(keyStep(50, 'ArrowLeft', true), 45);
  assert.equal(keyStep(50, 'ArrowDown', false), 55);
  assert.equal(keyStep(50, 'ArrowDown', true), null);
  assert.equal(keyStep(50, 'End', true), 85);
  assert.equal(shareAt(150, 100, 200), 25);
  assert.deepEqual(storedShares(memoryStorage()), { col: 58, row: 45 });
  assert.deepEqual(storedShares(memoryStorage({ 'kubeplay.layout': '{"col": 70, "row": 5}' })), { col: 70, row: 15 });
  assert.deepEqual(storedShares(memoryStorage({ 'kubeplay.layout': '{' })), { col: 58, row: 45 });
});

test('tabs', () => {
  const t = new Tabs();
  t.open('a.yaml', 'A', 1);
  t.open('b.yaml', 'B', 1);
  assert.equal(t.active, 'b.yaml');
  t.edit('b.yaml', 'B2');
  assert.ok(isDirty(t.find('b.yaml')));
  assert.deepEqual(t.sync([{ path: 'a.yaml', modTime: 2 }, { path: 'b.yaml', modTime: 2 }]), ['a.yaml'], 'a clean tab whose file changed is reloaded');
  assert.ok(t.find('b.yaml').stale, 'a dirty one is marked');
  t.open('a.yaml', 'A2', 2);
  assert.equal(t.find('a.yaml').text, 'A2');
  t.saved('b.yaml', 'B2', 3);
  assert.ok(!isDirty(t.find('b.yaml')));
  t.active = 'b.yaml';
  t.rename('b.yaml', 'c.yaml');
  assert.equal(t.active, 'c.yaml');
  t.close('c.yaml');
  assert.equal(t.active, 'a.yaml');
  assert.deepEqual(t.state(), { open: ['a.yaml'], active: 'a.yaml' });
  assert.equal(validPath('web.yaml'), '');
  assert.equal(validPath('app/web.yaml'), '');
  assert.match(validPath('../x'), /inside/);
  assert.match(validPath('/etc/x'), /relative/);
  assert.match(validPath(' '), /needed/);
  assert.equal(shellQuote('app/web.yaml'), 'app/web.yaml');
  assert.equal(shellQuote("it's.yaml"), "'it'\\''s.yaml'");
});

test('marks become diagnostics at their line and key', () => {
  const text = 'kind: Deployment\nspec:\n  replcas: 2\n';
  assert.deepEqual(lineStarts(text), [0, 17, 23, 36]);
  const [d] = toDiagnostics(text, [{ line: 3, column: 3, severity: 'error', message: 'unknown field "spec.replcas"', detail: 'Error from server (BadRequest): ...' }]);
  assert.equal(text.slice(d.from, d.to), 'replcas');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /^unknown field "spec.replcas"\n\nError from server/);
  const [far] = toDiagnostics(text, [{ line: 99, column: 50, severity: 'warning', message: 'w' }]);
  assert.ok(far.from <= text.length && far.to >= far.from);
  assert.equal(far.severity, 'warning');
});

test('status is told by a word and a symbol', () => {
  assert.equal(statusClass('Running'), 'ok');
  assert.equal(statusClass('Ready,SchedulingDisabled'), 'progress');
  assert.equal(statusClass('CrashLoopBackOff'), 'bad');
  assert.equal(statusClass('Completed'), 'done');
  assert.equal(statusClass('Init:0/1'), 'progress');
  assert.equal(symbolFor('ContainerCreating'), '◌');
  assert.equal(symbolFor('Running'), '●');
});

test('a dropped module is loaded under an image name made of its file name', () => {
  for (const [stem, want] of [['app', 'app'], ['My App (2)', 'my-app-2'], ['web_v1.2', 'web_v1.2'], ['--x--', 'x'], ['Ünïcode', 'n-code'], ['', 'image'], ['...', 'image']]) {
    assert.equal(imageName(stem), want, stem);
  }
});

test('a store keeps its order across changes as a sort of all its objects gives it', () => {
  // A seeded generator: the same operations at every run.
  let seed = 7;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const names = ['web-1', 'web-10', 'web-2', 'web.1', 'a', 'zz', 'Web-3', 'web-2-x'];
  const namespaces = ['default', 'kube-system', 'a'];
  for (let round = 0; round < 40; round++) {
    const store = new ObjectStore();
    const live = new Map();
    let uid = 0;
    const newObject = () => {
      const o = { uid: `u${uid++}`, namespace: namespaces[rnd(namespaces.length)], name: `${names[rnd(names.length)]}-${rnd(50)}` };
      for (const x of live.values()) if (x.namespace === o.namespace && x.name === o.name) return null; // names are unique
      return o;
    };
    for (let step = 0; step < 30; step++) {
      const events = [];
      for (let k = rnd(12); k > 0; k--) {
        const uids = [...live.keys()];
        const op = rnd(uids.length ? 4 : 1);
        if (op === 0 || !uids.length) {
          const o = newObject();
          if (!o) continue;
          live.set(o.uid, o);
          events.push({ type: 'ADDED', object: o });
        } else if (op === 1) {
          const u = uids[rnd(uids.length)];
          live.delete(u);
          events.push({ type: 'DELETED', object: { uid: u } });
        } else {
          const u = uids[rnd(uids.length)];
          const o = { ...live.get(u), resourceVersion: String(step) };
          live.set(u, o);
          events.push({ type: 'MODIFIED', object: o });
        }
      }
      if (rnd(10) === 0) store.reset({ items: [...live.values()] });
      else store.apply(events);
      if (rnd(3) === 0) continue; // several batches before the next list
      const want = [...live.values()].map((o) => `${o.namespace}/${o.name}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(store.list().map((o) => `${o.namespace}/${o.name}`), want, `round ${round} step ${step}`);
      assert.deepEqual(store.list().map((o) => o.resourceVersion), [...store.list()].map((o) => live.get(o.uid).resourceVersion), 'the latest object of each');
    }
  }
});
