// The cluster view's logic, without the DOM (tested in node): the owner
// trees of the objects view, where an API request goes in the
// architecture picture, the filters of the event and request streams, and
// the inspector's "why" for a pod, a workload or a node.

/** cellOf is an object summary's cell under a header of its watch. */
export function cellOf(headers, obj, header) {
  const i = headers.indexOf(header);
  return i >= 0 && Array.isArray(obj?.cells) ? String(obj.cells[i] ?? '') : '';
}

// The kinds the objects view shows, roots first.
export const TREE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'ReplicaSet', 'ReplicationController', 'Service', 'EndpointSlice', 'Pod', 'PersistentVolumeClaim'];

/**
 * ownerTrees arranges objects (summaries, with uid and owners) as trees:
 * each object under its controller (or its first owner) when that owner
 * is among them, the rest as roots. Children and roots are sorted by kind
 * (TREE_KINDS order) and name. A StatefulSet's claims hang under the pod
 * that uses them by name (<template>-<pod>), as the StatefulSet controller
 * names them, and an EndpointSlice with no owner (the kubernetes
 * Service's, which kube-apiserver keeps) under the Service its
 * kubernetes.io/service-name label names. Returns [{obj, children}].
 */
export function ownerTrees(objects) {
  const byUID = new Map();
  for (const o of objects) byUID.set(o.uid, { obj: o, children: [] });
  const roots = [];
  const podsByName = new Map();
  const services = new Map();
  for (const o of objects) if (o.kind === 'Pod') podsByName.set(`${o.namespace}/${o.name}`, byUID.get(o.uid));
  for (const o of objects) if (o.kind === 'Service') services.set(`${o.namespace}/${o.name}`, byUID.get(o.uid));
  for (const o of objects) {
    const node = byUID.get(o.uid);
    const owner = (o.owners ?? []).find((r) => r.controller) ?? (o.owners ?? [])[0];
    let parent = owner ? byUID.get(owner.uid) : null;
    if (!parent && o.kind === 'PersistentVolumeClaim') parent = claimPod(o, podsByName);
    if (!parent && o.kind === 'EndpointSlice') parent = services.get(`${o.namespace}/${o.labels?.['kubernetes.io/service-name']}`);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const sortAll = (list) => {
    list.sort(byKindName);
    for (const n of list) sortAll(n.children);
    return list;
  };
  return sortAll(roots);
}

function claimPod(pvc, podsByName) {
  // <template>-<statefulset>-<ordinal>: the pod's name is a suffix.
  const parts = pvc.name.split('-');
  for (let i = 1; i < parts.length - 1; i++) {
    const pod = podsByName.get(`${pvc.namespace}/${parts.slice(i).join('-')}`);
    if (pod && (pod.obj.owners ?? []).some((r) => r.kind === 'StatefulSet')) return pod;
  }
  return null;
}

function byKindName(a, b) {
  const ka = TREE_KINDS.indexOf(a.obj.kind);
  const kb = TREE_KINDS.indexOf(b.obj.kind);
  if (ka !== kb) return ka - kb;
  return `${a.obj.namespace}/${a.obj.name}`.localeCompare(`${b.obj.namespace}/${b.obj.name}`);
}

const READS = new Set(['get', 'list', 'watch']);

/** isWrite says whether a request changes the store (and so reaches etcd). */
export function isWrite(r) {
  return !READS.has(r.verb);
}

/**
 * boxesOf says which boxes of the architecture picture a request lights,
 * in the order it travels: the component that made it, kube-apiserver,
 * and etcd when it writes (a read is served from the watch cache). A
 * node's components are "kubelet/NODE" and "kube-proxy/NODE".
 */
export function boxesOf(r) {
  const from = componentBox(r.component);
  const boxes = [from, 'kube-apiserver'];
  if (isWrite(r) && !r.error) boxes.push('etcd');
  return boxes.filter((b, i) => b && boxes.indexOf(b) === i);
}

/** componentBox maps a request's component to its box in the picture. */
export function componentBox(component) {
  const c = String(component ?? '');
  if (c === 'default-scheduler') return 'kube-scheduler';
  if (/^(kubelet|kube-proxy)\//.test(c)) return c;
  return c;
}

/** describeRequest is one line of the path: "kubectl → kube-apiserver → etcd: create deployments.apps default/web". */
export function describeRequest(r) {
  const what = [r.resource + (r.subresource ? `/${r.subresource}` : ''), [r.namespace, r.name].filter(Boolean).join('/')].filter(Boolean).join(' ');
  return `${boxesOf(r).join(' → ')}: ${r.verb} ${what}${r.error ? ` (failed: ${r.error})` : ''}`;
}

/** matches says whether every word of a filter is in one of the texts (case-insensitive). */
export function matches(filter, ...texts) {
  const words = String(filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = texts.map((t) => String(t ?? '').toLowerCase()).join('\n');
  return words.every((w) => hay.includes(w));
}

/** Ring keeps the last n items pushed. */
export class Ring {
  constructor(n) {
    this.n = n;
    this.items = [];
  }

  push(...items) {
    this.items.push(...items);
    if (this.items.length > this.n) this.items.splice(0, this.items.length - this.n);
  }
}

/**
 * podWhy reads a pod (its JSON, as kubectl get -o json prints it) for the
 * inspector: what is wrong with it, in words. Returns {pending, lines,
 * crashed: [container names whose last run ended]}.
 */
export function podWhy(pod) {
  const st = pod?.status ?? {};
  const lines = [];
  const crashed = [];
  const pending = !pod?.spec?.nodeName;
  if (pending) lines.push('The pod is not scheduled to any node yet: below is what each scheduler plugin says of each node.');
  for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    const term = c.lastState?.terminated;
    if (waiting) lines.push(`Container ${c.name} is waiting: ${waiting.reason ?? ''}${waiting.message ? ` (${waiting.message})` : ''}.`);
    if (term) {
      lines.push(`Container ${c.name}'s last run ended with exit code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}${term.finishedAt ? ` at ${term.finishedAt}` : ''}; it restarted ${c.restartCount ?? 0} time${c.restartCount === 1 ? '' : 's'}.`);
      crashed.push(c.name);
    }
    const now = c.state?.terminated;
    if (now && now.exitCode !== 0) lines.push(`Container ${c.name} exited with code ${now.exitCode}${now.reason ? ` (${now.reason})` : ''}.`);
    if (c.state?.running && c.ready === false) lines.push(`Container ${c.name} runs but is not ready: its readiness probe does not pass yet.`);
  }
  for (const cond of st.conditions ?? []) {
    if (cond.status !== 'True' && (cond.reason || cond.message)) lines.push(`${cond.type} is ${cond.status}: ${[cond.reason, cond.message].filter(Boolean).join(': ')}.`);
  }
  if (!lines.length) lines.push(`Nothing is wrong: the pod is ${st.phase ?? 'known'}${pod?.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''}.`);
  return { pending, lines, crashed };
}

/**
 * conditionsWhy reads any object's status.conditions (a Deployment's
 * Progressing and Available, a node's Ready and pressures) for the
 * inspector, marking the ones that say something is wrong. A rollout past
 * its progress deadline says so first.
 */
export function conditionsWhy(obj) {
  const conds = obj?.status?.conditions ?? [];
  const lines = [];
  const stuck = conds.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  if (stuck) lines.push(`The rollout is stuck: ${String(stuck.message ?? 'its progress deadline passed').replace(/\.$/, '')}.`);
  for (const c of conds) {
    const bad = isBadCondition(c);
    lines.push(`${bad ? '✕' : '✓'} ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`);
  }
  if (!conds.length) lines.push('This object has no conditions.');
  return lines;
}

// Node pressures are bad when True; every other condition when not True.
function isBadCondition(c) {
  if (/Pressure$|^NetworkUnavailable$/.test(c.type)) return c.status === 'True';
  if (c.type === 'ReplicaFailure' || c.type === 'Failed') return c.status === 'True';
  return c.status !== 'True';
}

/** explainLines turns the scheduler's explanation into rows: node, verdict, the plugins that rejected it and why. */
export function explainRows(e) {
  return (e?.nodes ?? []).map((n) => {
    const rejected = (n.filters ?? []).filter((f) => f.code !== 'Success' && f.code !== 'Skip');
    return {
      node: n.node,
      feasible: !!n.feasible,
      why: n.feasible
        ? `fits${n.total ? `, score ${n.total}` : ''}${e.selectedNode === n.node ? ' (the scheduler picks it)' : ''}`
        : rejected.map((f) => `${f.plugin}: ${(f.reasons ?? []).join('; ') || f.code}`).join(' · ') || (n.status?.reasons ?? []).join('; '),
    };
  });
}

/**
 * Timeline is the cluster view's history: every list and batch of watch
 * events the view applied, with the virtual time it came at, so the view
 * can show the cluster as it was after any of them (read-only) and return
 * to now. Every `every` entries it keeps a copy of the stores (a map per
 * resource of the immutable summaries, so a copy is cheap), from which a
 * past state replays; past `keep` entries the oldest go, a checkpoint's
 * worth at a time. makeStore makes an empty store (bridge.js's
 * ObjectStore).
 */
export class Timeline {
  constructor(makeStore, { every = 200, keep = 20000 } = {}) {
    this.makeStore = makeStore;
    this.every = every;
    this.keep = keep;
    this.entries = []; // {time, resource, list} or {time, resource, events}
    this.first = 0; // the index of entries[0] since the start
    this.checkpoints = [{ at: 0, stores: new Map() }]; // the stores before entry `at`
  }

  /** end is the index after the last entry: the state now. */
  get end() {
    return this.first + this.entries.length;
  }

  /** start is the oldest index still kept. */
  get start() {
    return this.first;
  }

  /** timeAt is the virtual time of the state after the entries before n (NaN before any). */
  timeAt(n) {
    const e = this.entries[n - 1 - this.first];
    return e ? e.time : NaN;
  }

  /**
   * record adds what a store of resource just applied: {list} or
   * {events}; live are the view's stores after it, copied at checkpoints.
   */
  record(time, resource, change, live) {
    this.entries.push({ time, resource, ...change });
    if (this.end % this.every === 0) this.checkpoints.push({ at: this.end, stores: snapshot(live) });
    if (this.entries.length > this.keep && this.checkpoints.length > 1) {
      const next = this.checkpoints[1].at;
      this.entries.splice(0, next - this.first);
      this.first = next;
      this.checkpoints.shift();
    }
  }

  /** storesAt returns fresh stores (resource → store) as they were after the entries before n. */
  storesAt(n) {
    n = Math.max(this.first, Math.min(n, this.end));
    let cp = this.checkpoints[0];
    for (const c of this.checkpoints) if (c.at <= n) cp = c;
    const stores = new Map();
    const storeOf = (resource) => {
      if (!stores.has(resource)) stores.set(resource, this.makeStore());
      return stores.get(resource);
    };
    for (const [resource, s] of cp.stores) {
      const store = storeOf(resource);
      store.headers = s.headers;
      store.resourceVersion = s.resourceVersion;
      store.objects = new Map(s.objects);
    }
    for (const e of this.entries.slice(cp.at - this.first, n - this.first)) {
      const store = storeOf(e.resource);
      if (e.list) store.reset(e.list);
      else store.apply(e.events);
    }
    return stores;
  }
}

function snapshot(live) {
  const out = new Map();
  for (const [resource, s] of live) out.set(resource, { headers: s.headers, resourceVersion: s.resourceVersion, objects: new Map(s.objects) });
  return out;
}

/**
 * usageText says a node's or pod's use as kubectl top prints it: CPU in
 * millicores, memory in mebibytes, each with its share of the node's
 * allocatable when that is known ("CPU 250m (12%) · memory 118Mi (3%)").
 */
export function usageText(u) {
  if (!u) return '';
  const pct = (v, of) => (of > 0 ? ` (${Math.round((v / of) * 100)}%)` : '');
  return `CPU ${Math.round(u.cpu)}m${pct(u.cpu, u.cpuAllocatable)} · memory ${Math.floor(u.memory / (1024 * 1024))}Mi${pct(u.memory, u.memoryAllocatable)}`;
}
