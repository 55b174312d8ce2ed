// The page's side of the page protocol (docs/bridge.md): requests to the
// engine with their replies, watches that list and then receive changes,
// and the batches the engine sends, applied once per animation frame.
//
// Nothing here touches the DOM or the Worker: the page gives it a post
// function and feeds it the worker's messages, so it is tested in node.

const MAX_TEXT = 4 << 20;

/** checkWorkerMessage returns m if it has the shape of a worker message, else null. */
// MAX_WORDS bounds a completion's choices.
const MAX_WORDS = 10000;

export function checkWorkerMessage(m) {
  if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') return null;
  const id = m.id;
  const okID = Number.isSafeInteger(id) && id >= 0;
  switch (m.type) {
    case 'ready':
      return m.info === undefined || (m.info && typeof m.info === 'object') ? m : null;
    case 'output':
      return okID && typeof m.data === 'string' && m.data.length <= MAX_TEXT ? m : null;
    case 'exit':
      return okID && Number.isFinite(m.code) ? m : null;
    case 'reading':
      // Command id reads what is typed (kubectl exec -it): keys go to it.
      return okID ? m : null;
    case 'error':
      return typeof m.message === 'string' ? m : null;
    case 'notice':
      return typeof m.text === 'string' && m.text.length <= MAX_TEXT ? m : null;
    case 'completion':
      // What Tab completes: words that may replace line.slice(start, cursor).
      return okID && Number.isSafeInteger(m.start) && m.start >= 0 && Array.isArray(m.words) &&
        m.words.length <= MAX_WORDS && m.words.every((w) => typeof w === 'string' && w.length <= MAX_TEXT)
        ? m
        : null;
    case 'reply':
      return okID && (m.error === undefined || typeof m.error === 'string') ? m : null;
    case 'batch':
      if (m.events !== undefined && !Array.isArray(m.events)) return null;
      if (m.requests !== undefined && !Array.isArray(m.requests)) return null;
      if (m.clock !== undefined && !isClock(m.clock)) return null;
      return m;
    default:
      return null;
  }
}

function isClock(c) {
  return c && typeof c === 'object' && Number.isFinite(c.now) && typeof c.speed === 'string';
}

/**
 * EngineClient speaks the page protocol over post (a function that sends
 * a message to the worker). Feed it the worker's messages with handle().
 */
export class EngineClient {
  constructor(post, { frame = defaultFrame } = {}) {
    this.post = post;
    this.frame = frame;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject}
    this.watches = new Map(); // watch id -> {onEvents, queued}
    this.batches = [];
    this.framePending = false;
    this.clock = null;
    this.listeners = { clock: new Set(), requests: new Set(), frame: new Set() };
  }

  /** call sends a request and resolves with its result (or rejects with its error). */
  call(op, args = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.post({ type: 'call', id, op, args });
      } catch (err) {
        this.pending.delete(id);
        reject(err);
      }
    });
  }

  /**
   * watch lists resource and then receives its changes: onList(result) with
   * the reply (items, headers, resourceVersion), then onEvents(events) once
   * per frame with the events of that frame. Returns {ready, stop}.
   */
  watch(resource, opts, { onList, onEvents }) {
    const id = this.nextId++;
    const w = { onEvents, listed: false, early: [] };
    this.watches.set(id, w);
    const ready = new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (result) => {
          w.listed = true;
          onList?.(result);
          if (w.early.length) onEvents?.(w.early.splice(0));
          resolve(result);
        },
        reject: (err) => {
          this.watches.delete(id);
          reject(err);
        },
      });
    });
    this.post({ type: 'call', id, op: 'watch', args: { resource, ...opts } });
    const stop = () => {
      if (!this.watches.delete(id)) return Promise.resolve();
      return this.call('unwatch', { watch: id }).catch(() => {});
    };
    return { id, ready, stop };
  }

  /** on listens for 'clock' (clock), 'requests' (requests, dropped) or 'frame' (after each applied frame). */
  on(what, f) {
    this.listeners[what].add(f);
    return () => this.listeners[what].delete(f);
  }

  /** handle takes a message from the worker; it returns whether it was one of the protocol's. */
  handle(m) {
    if (m.type === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return true;
      this.pending.delete(m.id);
      if (typeof m.error === 'string') p.reject(new Error(m.error));
      else p.resolve(m.result);
      return true;
    }
    if (m.type === 'batch') {
      this.batches.push(m);
      if (!this.framePending) {
        this.framePending = true;
        this.frame(() => this.applyBatches());
      }
      return true;
    }
    return false;
  }

  /** applyBatches applies every batch that arrived since the last frame. */
  applyBatches() {
    this.framePending = false;
    const batches = this.batches.splice(0);
    const byWatch = new Map();
    const requests = [];
    let dropped = 0;
    let clock = null;
    for (const b of batches) {
      if (b.clock) clock = b.clock;
      for (const ev of b.events ?? []) {
        if (!ev || typeof ev !== 'object') continue;
        const w = this.watches.get(ev.watch);
        if (!w) continue;
        if (!w.listed) {
          w.early.push(ev);
          continue;
        }
        if (!byWatch.has(w)) byWatch.set(w, []);
        byWatch.get(w).push(ev);
      }
      if (b.requests) requests.push(...b.requests);
      dropped += Number(b.dropped) || 0;
    }
    // The clock first, so that a watch's events see the time they came at.
    if (clock) this.clock = clock;
    for (const [w, events] of byWatch) w.onEvents?.(events);
    if (clock) for (const f of this.listeners.clock) f(clock);
    if (requests.length || dropped) for (const f of this.listeners.requests) f(requests, dropped);
    for (const f of this.listeners.frame) f();
  }

  /** fail rejects every pending request (the engine stopped). */
  fail(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.watches.clear();
  }
}

function defaultFrame(f) {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(f);
  else setTimeout(f, 16);
}

/**
 * ObjectStore keeps the objects of a watch by uid, from its list and its
 * events (summaries or whole objects), and says which changed.
 */
export class ObjectStore {
  constructor() {
    this.objects = new Map();
    this.headers = [];
    this.resourceVersion = '';
    this.version = 0; // bumped at every change, for list's cache
    this.sorted = null; // {objects, version, list}
    // The order of the objects by key: entries [key, uid] sorted, as of
    // the last list, and those added since (merged in at the next list),
    // so that a store of 10,000 pods is not sorted again at each change.
    this.order = null;
    this.added = [];
  }

  reset(list) {
    this.version++;
    this.objects.clear();
    this.order = null;
    this.added = [];
    this.headers = Array.isArray(list.headers) ? list.headers : [];
    this.resourceVersion = String(list.resourceVersion ?? '');
    for (const o of list.items ?? []) {
      const uid = uidOf(o);
      if (uid) this.objects.set(uid, o);
    }
  }

  /** apply applies events; it returns false on an ERROR (the watch must list again). */
  apply(events) {
    this.version++;
    for (const ev of events) {
      if (ev.type === 'ERROR') return false;
      const o = ev.object;
      const uid = uidOf(o);
      if (!uid) continue;
      const had = this.objects.get(uid);
      if (ev.type === 'DELETED') this.objects.delete(uid);
      else {
        this.objects.set(uid, o);
        if (!had) this.added.push([key(o), uid]);
        else if (key(had) !== key(o)) this.order = null; // a key never changes; if it did, sort anew
      }
      const rv = o.resourceVersion ?? o.metadata?.resourceVersion;
      if (rv) this.resourceVersion = String(rv);
    }
    return true;
  }

  /**
   * list returns the objects sorted by namespace and name (in code-unit
   * order, as the API server lists them). The sorted list is kept until
   * the store changes: a view of 10,000 pods lists them several times a
   * redraw. After a change, the objects added are sorted among
   * themselves and merged into the order kept, and those gone are left
   * out.
   */
  list(filter) {
    const c = this.sorted;
    if (!c || c.objects !== this.objects || c.version !== this.version) {
      this.sorted = { objects: this.objects, version: this.version, list: this.ordered() };
    }
    return filter ? this.sorted.list.filter(filter) : this.sorted.list.slice();
  }

  ordered() {
    const byKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    if (this.orderOf !== this.objects) this.order = null; // the objects were replaced whole (the history's copies)
    this.orderOf = this.objects;
    if (!this.order) {
      this.order = [...this.objects].map(([uid, o]) => [key(o), uid]).sort(byKey);
      this.added = [];
    } else if (this.added.length) {
      const added = this.added.sort(byKey);
      const kept = this.order;
      const order = [];
      let i = 0;
      let j = 0;
      while (i < kept.length || j < added.length) {
        order.push(j >= added.length || (i < kept.length && byKey(kept[i], added[j]) <= 0) ? kept[i++] : added[j++]);
      }
      this.order = order;
      this.added = [];
    }
    // Those gone since, and an entry met twice (deleted and added again
    // before this list), are left out of the order.
    const seen = new Set();
    const list = [];
    const order = [];
    for (const e of this.order) {
      const o = this.objects.get(e[1]);
      if (!o || seen.has(e[1])) continue;
      seen.add(e[1]);
      order.push(e);
      list.push(o);
    }
    this.order = order;
    return list;
  }
}

function uidOf(o) {
  return o && typeof o === 'object' ? (o.uid ?? o.metadata?.uid ?? '') : '';
}

function key(o) {
  return `${o.namespace ?? o.metadata?.namespace ?? ''}/${o.name ?? o.metadata?.name ?? ''}`;
}
