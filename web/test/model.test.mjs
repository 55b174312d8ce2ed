import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerTrees, boxesOf, describeRequest, matches, Ring, podWhy, conditionsWhy, explainRows, cellOf } from '../src/model.js';
import { stateOf } from '../src/clusterview.js';

const obj = (kind, name, uid, owners = [], ns = 'default') => ({ kind, name, uid, namespace: ns, owners: owners.map((o) => ({ kind: o.kind, name: o.name, uid: o.uid, controller: true })) });

test('owner trees: Deployment → ReplicaSets → Pods; orphans and claims', () => {
  const d = obj('Deployment', 'web', 'd');
  const rs1 = obj('ReplicaSet', 'web-1', 'r1', [d]);
  const rs2 = obj('ReplicaSet', 'web-2', 'r2', [d]);
  const p1 = obj('Pod', 'web-2-b', 'p1', [rs2]);
  const p2 = obj('Pod', 'web-2-a', 'p2', [rs2]);
  const lone = obj('Pod', 'lone', 'p3');
  const orphan = obj('Pod', 'orphan', 'p4', [{ kind: 'ReplicaSet', name: 'gone', uid: 'x' }]);
  const sts = obj('StatefulSet', 'db', 's');
  const db0 = obj('Pod', 'db-0', 'p5', [sts]);
  const claim = obj('PersistentVolumeClaim', 'data-db-0', 'c');
  const svc = obj('Service', 'web', 'svc');
  const slice = obj('EndpointSlice', 'web-abc', 'es', [svc]);
  const k8s = obj('Service', 'kubernetes', 'k');
  const k8sSlice = { ...obj('EndpointSlice', 'kubernetes', 'ks'), labels: { 'kubernetes.io/service-name': 'kubernetes' } };
  const trees = ownerTrees([p1, lone, rs1, p2, d, rs2, orphan, claim, db0, sts, k8sSlice, slice, svc, k8s]);
  const shape = (ts) => ts.map((t) => (t.children.length ? [`${t.obj.kind}/${t.obj.name}`, shape(t.children)] : `${t.obj.kind}/${t.obj.name}`));
  assert.deepEqual(shape(trees), [
    ['Deployment/web', ['ReplicaSet/web-1', ['ReplicaSet/web-2', ['Pod/web-2-a', 'Pod/web-2-b']]]],
    ['StatefulSet/db', [['Pod/db-0', ['PersistentVolumeClaim/data-db-0']]]],
    ['Service/kubernetes', ['EndpointSlice/kubernetes']],
    ['Service/web', ['EndpointSlice/web-abc']],
    'Pod/lone',
    'Pod/orphan',
  ]);
});

test('a request lights the boxes it passes through', () => {
  assert.deepEqual(boxesOf({ component: 'kubectl', verb: 'create', resource: 'deployments.apps' }), ['kubectl', 'kube-apiserver', 'etcd']);
  assert.deepEqual(boxesOf({ component: 'default-scheduler', verb: 'create', resource: 'pods', subresource: 'binding' }), ['kube-scheduler', 'kube-apiserver', 'etcd']);
  assert.deepEqual(boxesOf({ component: 'kubelet/node01', verb: 'get', resource: 'pods' }), ['kubelet/node01', 'kube-apiserver'], 'reads do not reach etcd');
  assert.deepEqual(boxesOf({ component: 'kubectl', verb: 'create', resource: 'pods', error: 'forbidden' }), ['kubectl', 'kube-apiserver'], 'nor refused writes');
  assert.deepEqual(boxesOf({ component: 'kube-apiserver', verb: 'update', resource: 'endpoints' }), ['kube-apiserver', 'etcd']);
  assert.equal(describeRequest({ component: 'kube-controller-manager', verb: 'create', resource: 'replicasets.apps', namespace: 'default', name: 'web-58f' }),
    'kube-controller-manager → kube-apiserver → etcd: create replicasets.apps default/web-58f');
  assert.equal(describeRequest({ component: 'default-scheduler', verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'default', name: 'web-1' }),
    'kube-scheduler → kube-apiserver → etcd: create pods/binding default/web-1');
});

test('filters match every word, in any field, in any case', () => {
  assert.ok(matches('', 'x'));
  assert.ok(matches('  ', 'x'));
  assert.ok(matches('WEB create', 'kubectl', 'create', 'deployments.apps', 'web'));
  assert.ok(!matches('web delete', 'kubectl', 'create', 'web'));
  assert.ok(matches('<script>', 'a <script> tag'), 'text is text');
});

test('a ring keeps the last n', () => {
  const r = new Ring(3);
  r.push(1, 2);
  r.push(3, 4, 5);
  assert.deepEqual(r.items, [3, 4, 5]);
});

test('why a pod: pending, crash-looping, not ready, fine', () => {
  assert.equal(podWhy({ spec: {}, status: { phase: 'Pending' } }).pending, true);
  const crash = podWhy({
    spec: { nodeName: 'node01' },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'app', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2026-01-01T00:01:00Z' } } }],
    },
  });
  assert.equal(crash.pending, false);
  assert.deepEqual(crash.crashed, ['app']);
  assert.deepEqual(crash.lines, [
    'Container app is waiting: CrashLoopBackOff (back-off 40s restarting failed container=app).',
    "Container app's last run ended with exit code 1 (Error) at 2026-01-01T00:01:00Z; it restarted 3 times.",
  ]);
  const unready = podWhy({ spec: { nodeName: 'n' }, status: { containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }], conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' }] } });
  assert.deepEqual(unready.lines, ['Container web runs but is not ready: its readiness probe does not pass yet.', 'Ready is False: ContainersNotReady: containers with unready status: [web].']);
  assert.deepEqual(podWhy({ spec: { nodeName: 'node02' }, status: { phase: 'Running' } }).lines, ['Nothing is wrong: the pod is Running on node02.']);
});

test('why a workload or node: its conditions, a stuck rollout first', () => {
  const lines = conditionsWhy({ status: { conditions: [
    { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-7d" has timed out progressing.' },
  ] } });
  assert.deepEqual(lines, [
    'The rollout is stuck: ReplicaSet "web-7d" has timed out progressing.',
    '✕ Available=False (MinimumReplicasUnavailable): Deployment does not have minimum availability.',
    '✕ Progressing=False (ProgressDeadlineExceeded): ReplicaSet "web-7d" has timed out progressing.',
  ]);
  assert.deepEqual(conditionsWhy({ status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] } }), ['✓ MemoryPressure=False', '✓ Ready=True']);
  assert.deepEqual(conditionsWhy({}), ['This object has no conditions.']);
});

test("the scheduler's verdict of each node", () => {
  const rows = explainRows({
    selectedNode: 'node02',
    nodes: [
      { node: 'controlplane', feasible: false, filters: [{ plugin: 'TaintToleration', code: 'UnschedulableAndUnresolvable', reasons: ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"] }, { plugin: 'NodeAffinity', code: 'Skip' }] },
      { node: 'node01', feasible: false, filters: [{ plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons: ['Insufficient cpu'] }] },
      { node: 'node02', feasible: true, total: 150, filters: [] },
    ],
  });
  assert.deepEqual(rows, [
    { node: 'controlplane', feasible: false, why: 'TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { node: 'node01', feasible: false, why: 'NodeResourcesFit: Insufficient cpu' },
    { node: 'node02', feasible: true, why: 'fits, score 150 (the scheduler picks it)' },
  ]);
});

test('state of an object from its kubectl row', () => {
  const store = (headers) => ({ headers });
  assert.deepEqual(stateOf(store(['NAME', 'READY', 'UP-TO-DATE']), { kind: 'Deployment', cells: ['web', '1/3', '1'] }), { cls: 'progress', text: '1/3 ready' });
  assert.deepEqual(stateOf(store(['NAME', 'DESIRED', 'CURRENT', 'READY']), { kind: 'ReplicaSet', cells: ['web-1', '0', '0', '0'] }), { cls: 'done', text: '0 desired (old)' });
  assert.deepEqual(stateOf(store(['NAME', 'DESIRED', 'CURRENT', 'READY']), { kind: 'ReplicaSet', cells: ['web-2', '3', '3', '3'] }), { cls: 'ok', text: '3/3 ready' });
  assert.deepEqual(stateOf(store(['NAME', 'READY', 'STATUS']), { kind: 'Pod', cells: ['p', '0/1', 'CrashLoopBackOff'] }), { cls: 'bad', text: 'CrashLoopBackOff' });
  assert.equal(cellOf(['A'], { cells: ['x'] }, 'B'), '');
});

test('the timeline gives the stores as they were after any entry', async () => {
  const { Timeline } = await import('../src/model.js');
  const { ObjectStore } = await import('../src/bridge.js');
  const live = new Map([['pods', new ObjectStore()], ['nodes', new ObjectStore()]]);
  const tl = new Timeline(() => new ObjectStore(), { every: 3, keep: 7 });
  const pod = (name, status) => ({ uid: name, name, namespace: 'default', cells: [name, status] });
  const apply = (time, resource, change) => {
    const store = live.get(resource);
    if (change.list) store.reset(change.list);
    else store.apply(change.events);
    tl.record(time, resource, change, live);
  };
  apply(1000, 'nodes', { list: { headers: ['NAME'], items: [{ uid: 'n1', name: 'node01' }] } });
  apply(1000, 'pods', { list: { headers: ['NAME', 'STATUS'], items: [] } });
  for (let i = 0; i < 4; i++) apply(2000 + i * 1000, 'pods', { events: [{ type: 'ADDED', object: pod(`p${i}`, 'Pending') }] });
  apply(6000, 'pods', { events: [{ type: 'MODIFIED', object: pod('p0', 'Running') }, { type: 'DELETED', object: pod('p1', 'Pending') }] });
  assert.equal(tl.end, 7);
  const names = (n) => [...tl.storesAt(n).get('pods')?.objects.keys() ?? []];
  assert.deepEqual(names(2), []);
  assert.deepEqual(names(4), ['p0', 'p1']);
  assert.deepEqual(names(7), ['p0', 'p2', 'p3']);
  assert.equal(tl.storesAt(6).get('pods').objects.get('p0').cells[1], 'Pending');
  assert.equal(tl.storesAt(7).get('pods').objects.get('p0').cells[1], 'Running');
  assert.deepEqual(tl.storesAt(5).get('pods').headers, ['NAME', 'STATUS']);
  assert.equal(tl.storesAt(3).get('nodes').objects.size, 1);
  assert.equal(tl.timeAt(7), 6000);
  assert.ok(Number.isNaN(tl.timeAt(0)));
  // A past state is a copy: changing it leaves the history alone.
  tl.storesAt(7).get('pods').objects.clear();
  assert.deepEqual(names(7), ['p0', 'p2', 'p3']);

  // Past `keep` entries the oldest go, a checkpoint at a time; what is
  // kept still replays right.
  for (let i = 4; i < 10; i++) apply(7000 + i * 1000, 'pods', { events: [{ type: 'ADDED', object: pod(`p${i}`, 'Pending') }] });
  assert.equal(tl.end, 13);
  assert.ok(tl.start > 0 && tl.entries.length <= 7 + 3, `kept ${tl.entries.length} from ${tl.start}`);
  assert.deepEqual(names(tl.end), [...live.get('pods').objects.keys()]);
  assert.deepEqual(names(0), names(tl.start), 'before the oldest kept is the oldest kept');
});

test('usage reads as kubectl top prints it', async () => {
  const { usageText } = await import('../src/model.js');
  assert.equal(usageText({ cpu: 250, memory: 123 * 1024 * 1024 + 5, cpuAllocatable: 2000, memoryAllocatable: 4096 * 1024 * 1024 }), 'CPU 250m (13%) · memory 123Mi (3%)');
  assert.equal(usageText({ cpu: 3, memory: 1024 * 1024 }), 'CPU 3m · memory 1Mi', 'a pod has no allocatable');
  assert.equal(usageText(undefined), '');
});
