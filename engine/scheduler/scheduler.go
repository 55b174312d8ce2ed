// Package scheduler is the cluster's kube-scheduler: a scheduling queue
// (active, backoff and unschedulable pods, woken by queueing hints), the
// default profile's plugins with kube-scheduler's names, rules, weights
// and messages, preemption, and binding through the API. Explain shows,
// for any pod, what each plugin says of each node.
//
// It runs as tasks of the cluster's loop: a cycle is one task, so nothing
// changes under it, and the scheduler's cache is the cycle's snapshot.
// Where kube-scheduler works in parallel (filtering, scoring), this
// scheduler works in order, and what upstream leaves to chance (ties
// between nodes, the start of preemption's search) comes from the
// scheduler's seeded random source.
//
// Left out, for want of what they act on: the plugins for in-tree and CSI
// volume limits (NodeVolumeLimits), volume zones (VolumeZone), dynamic
// resources (DRA) and the legacy disk conflicts of VolumeRestrictions;
// extenders, other profiles, gang scheduling and opportunistic batching.
// A cycle is one loop task, so the queue needs no in-flight events; a
// binding that waits for its volumes is re-checked on claim and volume
// events rather than polled every second.
package scheduler

import (
	"maps"
	"math/rand/v2"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Name is the scheduler's name, as pods ask for it in spec.schedulerName.
const Name = "default-scheduler"

// Scheduler assigns pods to nodes.
type Scheduler struct {
	c       *client.Client
	rec     *client.EventRecorder
	rand    *rand.Rand
	loop    *loop.Loop
	nodes   *client.Informer[*api.Node]
	pods    *client.Informer[*api.Pod]
	cache   *cache
	queue   *queue
	h       *handle
	profile *profile
	fw      *framework

	nextStart int                 // nextStartNodeIndex
	feasible  []*nodeInfo         // scratch for filterNodes
	waiting   map[string]*binding // bindings waiting for volumes
	cycles    map[string]*CycleRecord
	posted    bool // a cycle task is posted
	stopped   bool

	onPreempt func(preemptor, victim *api.Pod) // for tests
}

// New returns a scheduler acting through c from host (the machine it runs
// on, which names its events' reporting instance); rng breaks ties between
// equally good nodes and picks where preemption starts looking, as
// kube-scheduler does at random.
func New(c *client.Client, host string, rng *rand.Rand) *Scheduler {
	all := apiserver.ListOptions{}
	s := &Scheduler{
		c: c, rec: client.NewEventRecorder(c, Name, host), rand: rng, loop: c.Loop(),
		nodes:   client.NewInformer[*api.Node](c, "", all),
		pods:    client.NewInformer[*api.Pod](c, "", all),
		cache:   newCache(),
		waiting: map[string]*binding{},
		cycles:  map[string]*CycleRecord{},
	}
	s.h = newHandle(c, s.cache)
	s.profile = newProfile(s.h)
	s.fw = &framework{profile: s.profile, h: s.h}
	s.queue = newQueue(s.loop, s.profile)
	s.queue.onWork = s.kick
	s.h.nominator = s.queue.nominator
	return s
}

// Start begins watching and scheduling.
func (s *Scheduler) Start() error {
	s.addHandlers()
	for _, inf := range s.h.informers() {
		if err := inf.Start(); err != nil {
			return err
		}
	}
	if err := s.nodes.Start(); err != nil {
		return err
	}
	return s.pods.Start()
}

// Stop stops scheduling, as when the scheduler's machine goes down.
func (s *Scheduler) Stop() {
	s.stopped = true
	s.nodes.Stop()
	s.pods.Stop()
	for _, inf := range s.h.informers() {
		inf.Stop()
	}
}

// kick posts one scheduling cycle, if none is pending and a pod waits.
func (s *Scheduler) kick() {
	if s.posted || s.stopped || !s.queue.hasWork() {
		return
	}
	s.posted = true
	s.loop.Post(s.scheduleOne)
}

func (s *Scheduler) addHandlers() {
	s.nodes.AddHandler(client.Handler[*api.Node]{Add: s.addNode, Update: s.updateNode, Delete: s.deleteNode})
	s.pods.AddHandler(client.Handler[*api.Pod]{Add: s.onPodAdd, Update: s.onPodUpdate, Delete: s.onPodDelete})
	s.h.claims.AddHandler(client.Handler[*api.PersistentVolumeClaim]{
		Add:    func(o *api.PersistentVolumeClaim) { s.volumeEvent(resClaim, actAdd, nil, o) },
		Update: func(old, o *api.PersistentVolumeClaim) { s.volumeEvent(resClaim, actUpdate, old, o) },
	})
	s.h.volumes.AddHandler(client.Handler[*api.PersistentVolume]{
		Add:    func(o *api.PersistentVolume) { s.volumeEvent(resVolume, actAdd, nil, o) },
		Update: func(old, o *api.PersistentVolume) { s.volumeEvent(resVolume, actUpdate, old, o) },
	})
	s.h.classes.AddHandler(client.Handler[*api.StorageClass]{
		Add:    func(o *api.StorageClass) { s.volumeEvent(resStorageClass, actAdd, nil, o) },
		Update: func(old, o *api.StorageClass) { s.volumeEvent(resStorageClass, actUpdate, old, o) },
	})
}

func (s *Scheduler) addNode(n *api.Node) {
	s.cache.addNode(n)
	s.queue.moveAll(clusterEvent{resource: resNode, action: actAdd}, nil, n, nil)
}

func (s *Scheduler) updateNode(old, n *api.Node) {
	s.cache.addNode(n)
	if a := nodeChanges(old, n); a != 0 {
		s.queue.moveAll(clusterEvent{resource: resNode, action: a}, old, n, nil)
	}
}

func (s *Scheduler) deleteNode(n *api.Node) {
	s.queue.moveAll(clusterEvent{resource: resNode, action: actDelete}, n, nil, nil)
	s.cache.removeNode(n.Name)
}

func (s *Scheduler) volumeEvent(r resource, a action, old, obj any) {
	s.recheckWaiting()
	s.queue.moveAll(clusterEvent{resource: r, action: a}, old, obj, nil)
}

// assigned reports whether a pod takes room on a node: bound and not
// finished (kube-scheduler's informer leaves out terminal pods).
func assigned(p *api.Pod) bool {
	return p.Spec.NodeName != "" && !terminal(p)
}

func terminal(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// responsibleFor reports whether the pod waits for this scheduler.
func responsibleFor(p *api.Pod) bool {
	return p.Spec.SchedulerName == Name && p.Spec.NodeName == "" && !terminal(p)
}

func (s *Scheduler) onPodAdd(p *api.Pod) {
	switch {
	case assigned(p):
		s.addAssigned(p)
	case responsibleFor(p):
		s.queue.add(p)
	}
}

func (s *Scheduler) onPodUpdate(old, p *api.Pod) {
	key := client.KeyOf(p)
	switch {
	case assigned(p) && assigned(old):
		s.cache.addPod(s.infoFor(p), p.Spec.NodeName, false)
		s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: podChanges(old, p)}, old, p, nil)
	case assigned(p):
		s.queue.delete(key)
		s.addAssigned(p)
	case assigned(old):
		s.removeAssigned(old)
	case responsibleFor(p) && !s.cache.isAssumed(key):
		s.queue.update(old, p)
		if old.Status.NominatedNodeName != p.Status.NominatedNodeName {
			s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: actDelete}, old, nil, lowerOrEqual(podPriority(old)))
		}
	case !responsibleFor(p):
		s.queue.delete(key)
	}
}

func (s *Scheduler) onPodDelete(p *api.Pod) {
	key := client.KeyOf(p)
	delete(s.cycles, key)
	if assigned(p) {
		s.removeAssigned(p)
		return
	}
	s.abandonWaiting(key)
	s.queue.delete(key)
	if p.Status.NominatedNodeName != "" {
		s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: actDelete}, p, nil, lowerOrEqual(podPriority(p)))
	}
}

// addAssigned counts a bound pod (confirming it if it was assumed), which
// may help pods that want to be near it.
func (s *Scheduler) addAssigned(p *api.Pod) {
	s.abandonWaiting(client.KeyOf(p))
	s.cache.addPod(s.infoFor(p), p.Spec.NodeName, false)
	s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: actAdd}, nil, p, nil)
}

// infoFor returns the parsed pod, reusing what the cache has for it when
// neither its spec (its generation) nor its labels changed.
func (s *Scheduler) infoFor(p *api.Pod) *podInfo {
	if st, ok := s.cache.pods[client.KeyOf(p)]; ok {
		old := st.info.pod
		if old.UID == p.UID && old.Generation == p.Generation && maps.Equal(old.Labels, p.Labels) {
			return st.info.withPod(p)
		}
	}
	return newPodInfo(p)
}

// removeAssigned forgets a pod that left its node, which may make room.
func (s *Scheduler) removeAssigned(p *api.Pod) {
	s.cache.removePod(client.KeyOf(p))
	s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: actDelete}, p, nil, nil)
}

// lowerOrEqual is getLEPriorityPreCheck.
func lowerOrEqual(prio int32) func(*queuedPod) bool {
	return func(qp *queuedPod) bool { return qp.info.priority <= prio }
}

// deletePod deletes a preemption victim with its own grace period.
func (s *Scheduler) deletePod(p *api.Pod) error {
	err := client.Delete[*api.Pod](s.c, p.Namespace, p.Name, apiserver.DeleteOptions{})
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
