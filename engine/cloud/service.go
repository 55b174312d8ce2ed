package cloud

import (
	"reflect"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// LoadBalancerCleanupFinalizer keeps a Service of type LoadBalancer until
// its load balancer is deleted.
const LoadBalancerCleanupFinalizer = "service.kubernetes.io/load-balancer-cleanup"

// The service controller's retry delays after a cloud error.
const (
	minRetryDelay = 5 * time.Second
	maxRetryDelay = 300 * time.Second
)

// services is the service controller (k8s.io/cloud-provider's
// controllers/service): it gives each Service of type LoadBalancer a load
// balancer of the cloud and its address in status.loadBalancer, and takes
// them back when the Service goes or changes type.
//
// Building a load balancer takes the cloud ProvisionTime; upstream's
// worker blocks in EnsureLoadBalancer meanwhile, here the Service waits in
// pending and the event saying it is ensured comes when it is done.
type services struct {
	c       *client.Client
	cloud   *Cloud
	rec     *client.Recorder
	svcs    *client.Informer[*api.Service]
	nodes   *client.Informer[*api.Node]
	queue   *loop.Queue
	pending map[string]bool          // keys waiting for their load balancer
	dirty   map[string]bool          // keys changed while pending
	retry   map[string]time.Duration // keys' delays after cloud errors
}

func newServices(c *client.Client, cl *Cloud, nodes *client.Informer[*api.Node]) *services {
	s := &services{
		c: c, cloud: cl, nodes: nodes,
		rec:     client.NewRecorder(c, "service-controller", ""),
		svcs:    client.NewInformer[*api.Service](c, "", apiserver.ListOptions{}),
		pending: map[string]bool{}, dirty: map[string]bool{}, retry: map[string]time.Duration{},
	}
	s.queue = loop.NewQueue(c.Loop(), s.sync)
	return s
}

func (s *services) start() error {
	s.svcs.AddHandler(client.Handler[*api.Service]{
		Add: func(svc *api.Service) {
			if wantsLoadBalancer(svc) || needsCleanup(svc) {
				s.queue.Add(client.KeyOf(svc))
			}
		},
		Update: func(old, svc *api.Service) {
			if s.needsUpdate(old, svc) || needsCleanup(svc) {
				key := client.KeyOf(svc)
				if s.pending[key] {
					s.dirty[key] = true
				}
				s.queue.Add(key)
			}
		},
	})
	return s.svcs.Start()
}

func wantsLoadBalancer(svc *api.Service) bool { return svc.Spec.Type == "LoadBalancer" }

// needsCleanup reports whether a Service holds a load balancer it should
// not: it is being deleted, or is no longer of type LoadBalancer.
func needsCleanup(svc *api.Service) bool {
	if !slices.Contains(svc.Finalizers, LoadBalancerCleanupFinalizer) {
		return false
	}
	return svc.DeletionTimestamp != nil || !wantsLoadBalancer(svc)
}

// needsUpdate reports whether a change to a Service concerns its load
// balancer, with upstream's events for the changes it names.
func (s *services) needsUpdate(old, svc *api.Service) bool {
	if !wantsLoadBalancer(old) && !wantsLoadBalancer(svc) {
		return false
	}
	if wantsLoadBalancer(old) != wantsLoadBalancer(svc) {
		s.rec.Eventf(svc, api.EventNormal, "Type", "%v -> %v", old.Spec.Type, svc.Spec.Type)
		return true
	}
	if old.Spec.LoadBalancerIP != svc.Spec.LoadBalancerIP {
		s.rec.Eventf(svc, api.EventNormal, "LoadbalancerIP", "%v -> %v", old.Spec.LoadBalancerIP, svc.Spec.LoadBalancerIP)
		return true
	}
	if old.UID != svc.UID {
		s.rec.Eventf(svc, api.EventNormal, "UID", "%v -> %v", old.UID, svc.UID)
		return true
	}
	return !reflect.DeepEqual(old.Spec.Ports, svc.Spec.Ports) || old.Spec.SessionAffinity != svc.Spec.SessionAffinity ||
		!reflect.DeepEqual(old.Annotations, svc.Annotations)
}

// sync is syncLoadBalancerIfNeeded, split where the cloud takes its time.
func (s *services) sync(key string) (loop.Result, error) {
	svc, ok := s.svcs.Get(client.SplitKey(key))
	if !ok {
		delete(s.pending, key)
		delete(s.retry, key)
		return loop.Result{}, nil
	}
	if s.pending[key] {
		return s.finishEnsure(key, svc)
	}
	if !wantsLoadBalancer(svc) || needsCleanup(svc) {
		return s.delete(key, svc)
	}
	return s.ensure(key, svc)
}

// ensure asks the cloud for the Service's load balancer, marking the
// Service with the cleanup finalizer first.
func (s *services) ensure(key string, svc *api.Service) (loop.Result, error) {
	s.rec.Event(svc, api.EventNormal, "EnsuringLoadBalancer", "Ensuring load balancer")
	if err := s.setFinalizer(svc, true); err != nil {
		return loop.Result{}, err
	}
	if len(s.availableNodes()) == 0 {
		s.rec.Event(svc, api.EventWarning, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer")
	}
	lb, err := s.cloud.EnsureLoadBalancer(svc, s.c.Now())
	if err != nil {
		s.rec.Eventf(svc, api.EventWarning, "SyncLoadBalancerFailed", "Error syncing load balancer: failed to ensure load balancer: %v", err)
		return loop.Result{RequeueAfter: s.backoff(key)}, nil
	}
	delete(s.retry, key)
	s.pending[key] = true
	if wait := lb.ReadyAt.Sub(s.c.Now()); wait > 0 {
		return loop.Result{RequeueAfter: wait}, nil
	}
	return s.finishEnsure(key, svc)
}

// finishEnsure waits out the cloud's provisioning, then writes the load
// balancer's address into the Service's status.
func (s *services) finishEnsure(key string, svc *api.Service) (loop.Result, error) {
	lb, ok := s.cloud.GetLoadBalancer(svc)
	if ok {
		if wait := lb.ReadyAt.Sub(s.c.Now()); wait > 0 {
			return loop.Result{RequeueAfter: wait}, nil
		}
	}
	delete(s.pending, key)
	if !ok {
		s.queue.Add(key)
		return loop.Result{}, nil
	}
	s.rec.Event(svc, api.EventNormal, "EnsuredLoadBalancer", "Ensured load balancer")
	status := api.LoadBalancerStatus{Ingress: []api.LoadBalancerIngress{{IP: lb.IP, IPMode: api.Ptr("VIP")}}}
	if err := s.patchStatus(svc, status); err != nil {
		return loop.Result{}, err
	}
	if s.dirty[key] {
		delete(s.dirty, key)
		s.queue.Add(key)
	}
	return loop.Result{}, nil
}

// delete deletes the Service's load balancer, if it has one, and lets the
// Service go.
func (s *services) delete(key string, svc *api.Service) (loop.Result, error) {
	if _, ok := s.cloud.GetLoadBalancer(svc); ok {
		s.rec.Event(svc, api.EventNormal, "DeletingLoadBalancer", "Deleting load balancer")
		s.cloud.EnsureLoadBalancerDeleted(svc)
	}
	if err := s.setFinalizer(svc, false); err != nil {
		return loop.Result{}, err
	}
	s.rec.Event(svc, api.EventNormal, "DeletedLoadBalancer", "Deleted load balancer")
	err := s.patchStatus(svc, api.LoadBalancerStatus{})
	if apiserver.IsNotFound(err) {
		return loop.Result{}, nil
	}
	return loop.Result{}, err
}

// backoff is the delay before retrying a Service the cloud failed:
// 5 s, doubling to 5 min.
func (s *services) backoff(key string) time.Duration {
	d := s.retry[key]
	if d == 0 {
		d = minRetryDelay
	} else {
		d = min(2*d, maxRetryDelay)
	}
	s.retry[key] = d
	return d
}

// setFinalizer adds or removes the cleanup finalizer.
func (s *services) setFinalizer(svc *api.Service, want bool) error {
	if slices.Contains(svc.Finalizers, LoadBalancerCleanupFinalizer) == want {
		return nil
	}
	cur, err := client.Get[*api.Service](s.c, svc.Namespace, svc.Name)
	if err != nil {
		return err
	}
	upd := api.Clone(cur)
	if want {
		upd.Finalizers = append(upd.Finalizers, LoadBalancerCleanupFinalizer)
	} else {
		upd.Finalizers = slices.DeleteFunc(upd.Finalizers, func(f string) bool { return f == LoadBalancerCleanupFinalizer })
	}
	_, err = client.Update(s.c, upd)
	return err
}

// patchStatus writes the load balancer status when it changed.
func (s *services) patchStatus(svc *api.Service, status api.LoadBalancerStatus) error {
	cur, err := client.Get[*api.Service](s.c, svc.Namespace, svc.Name)
	if err != nil {
		return err
	}
	if reflect.DeepEqual(cur.Status.LoadBalancer, status) {
		return nil
	}
	upd := api.Clone(cur)
	upd.Status.LoadBalancer = status
	_, err = client.UpdateStatus(s.c, upd)
	return err
}

// availableNodes are the nodes a load balancer may send traffic to: ready,
// not excluded by label, not about to be removed by the autoscaler.
func (s *services) availableNodes() []*api.Node {
	var out []*api.Node
	for _, n := range s.nodes.List() {
		if _, excluded := n.Labels["node.kubernetes.io/exclude-from-external-load-balancers"]; excluded {
			continue
		}
		if controller.TaintKeyExists(n.Spec.Taints, "ToBeDeletedByClusterAutoscaler") || !controller.IsNodeReady(n) {
			continue
		}
		out = append(out, n)
	}
	return out
}
