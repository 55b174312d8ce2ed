// Package endpoint is the endpoints controller, as kube-controller-
// manager's (pkg/controller/endpoint): for every Service with a selector,
// an Endpoints object of the same name whose subsets list the selected
// pods' addresses, ready or not ready, on the ports the Service's target
// ports resolve to in each pod, packed as RepackSubsets packs them, with
// the last-change-trigger-time annotation and at most 1000 addresses (the
// over-capacity annotation says when there were more). It also holds the
// API server's reconciler of the kubernetes Service's endpoints.
package endpoint

import (
	"math"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslice"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// maxCapacity is the most addresses an Endpoints object holds.
const maxCapacity = 1000

// AnnotationOverCapacity marks an Endpoints object that was truncated.
const AnnotationOverCapacity = "endpoints.kubernetes.io/over-capacity"

// Controller is the endpoints controller.
type Controller struct {
	c         *client.Client
	rec       *client.Recorder
	services  *client.Informer[*api.Service]
	pods      *client.Informer[*api.Pod]
	endpoints *client.Informer[*api.Endpoints]
	queue     *loop.Queue
	triggers  *endpointslice.TriggerTimeTracker
	// stale are the resource versions of Endpoints this controller has
	// replaced: seeing one again in the informer means it lags.
	stale map[string]string
}

// New returns an endpoints controller sharing the pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:         c,
		rec:       client.NewRecorder(c, "endpoint-controller", ""),
		services:  client.NewInformer[*api.Service](c, "", apiserver.ListOptions{}),
		pods:      pods,
		endpoints: client.NewInformer[*api.Endpoints](c, "", apiserver.ListOptions{}),
		triggers:  endpointslice.NewTriggerTimeTracker(),
		stale:     map[string]string{},
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the controller's own informers;
// every Endpoints object is looked at once, so that one whose Service went
// while the controller was away is deleted.
func (ctl *Controller) Start() error {
	enqueue := func(svc *api.Service) { ctl.queue.Add(client.KeyOf(svc)) }
	ctl.services.AddHandler(client.Handler[*api.Service]{Add: enqueue, Update: func(_, s *api.Service) { enqueue(s) }, Delete: enqueue})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    func(p *api.Pod) { ctl.addAll(endpointslice.PodServiceMemberships(ctl.services, p)) },
		Update: func(old, p *api.Pod) { ctl.addAll(endpointslice.ServicesToUpdateOnPodChange(ctl.services, old, p)) },
		Delete: func(p *api.Pod) { ctl.addAll(endpointslice.PodServiceMemberships(ctl.services, p)) },
	})
	ctl.endpoints.AddHandler(client.Handler[*api.Endpoints]{Delete: func(e *api.Endpoints) { ctl.queue.Add(client.KeyOf(e)) }})
	for _, start := range []func() error{ctl.endpoints.Start, ctl.services.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	for _, e := range ctl.endpoints.List() {
		if _, leader := e.Annotations["control-plane.alpha.kubernetes.io/leader"]; !leader {
			ctl.queue.Add(client.KeyOf(e))
		}
	}
	return nil
}

func (ctl *Controller) addAll(keys []string) {
	for _, k := range keys {
		ctl.queue.Add(k)
	}
}

// Reconcile is syncService.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	svc, ok := ctl.services.Get(ns, name)
	if !ok {
		err := client.Delete[*api.Endpoints](ctl.c, ns, name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			return loop.Result{}, err
		}
		ctl.triggers.Forget(key)
		delete(ctl.stale, key)
		return loop.Result{}, nil
	}
	if svc.Spec.Type == "ExternalName" || svc.Spec.Selector == nil {
		return loop.Result{}, nil
	}
	pods := ctl.pods.Select(ns, api.SelectorFromSet(svc.Spec.Selector))
	trigger := ctl.triggers.Compute(svc, pods)
	subsets := RepackSubsets(desiredSubsets(svc, pods))
	cur, exists := ctl.endpoints.Get(ns, name)
	if exists && ctl.stale[key] == cur.ResourceVersion {
		return loop.Result{}, endpointslice.ErrStaleInformerCache
	}
	if !exists {
		cur = &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns, Labels: svc.Labels}}
	}
	if exists && upToDate(cur, svc, subsets) {
		return loop.Result{}, nil
	}
	return loop.Result{}, ctl.write(svc, cur, subsets, trigger, exists)
}

// desiredSubsets has one subset per pod address and port, ready or not
// ready (every address is ready when the Service publishes not-ready
// addresses, terminating pods included then).
func desiredSubsets(svc *api.Service, pods []*api.Pod) []api.EndpointSubset {
	var subsets []api.EndpointSubset
	publish := svc.Spec.PublishNotReadyAddresses
	for _, p := range pods {
		if !endpointslice.ShouldPodBeInEndpoints(p, publish) {
			continue
		}
		addr, ok := address(svc, p)
		if !ok {
			continue
		}
		add := func(ports []api.EndpointPort) {
			if publish || controller.IsPodReady(p) {
				subsets = append(subsets, api.EndpointSubset{Addresses: []api.EndpointAddress{addr}, Ports: ports})
			} else {
				subsets = append(subsets, api.EndpointSubset{NotReadyAddresses: []api.EndpointAddress{addr}, Ports: ports})
			}
		}
		if len(svc.Spec.Ports) == 0 {
			if svc.Spec.ClusterIP == "None" {
				add(nil)
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			n, err := endpointslice.FindPort(p, sp)
			if err != nil {
				continue
			}
			add([]api.EndpointPort{{Name: sp.Name, Port: int32(n), Protocol: sp.Protocol, AppProtocol: sp.AppProtocol}})
		}
	}
	return subsets
}

// address is podToEndpointAddressForService: the pod's IPv4 address, its
// node and a reference to it; with the hostname when the pod names the
// Service as its subdomain.
func address(svc *api.Service, p *api.Pod) (api.EndpointAddress, bool) {
	for _, ip := range p.Status.PodIPs {
		if ip.IP == "" || containsColon(ip.IP) {
			continue
		}
		a := api.EndpointAddress{
			IP:        ip.IP,
			NodeName:  api.Ptr(p.Spec.NodeName),
			TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		}
		if endpointslice.ShouldSetHostname(p, svc) {
			a.Hostname = p.Spec.Hostname
		}
		return a, true
	}
	return api.EndpointAddress{}, false
}

func containsColon(s string) bool {
	for i := range len(s) {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// upToDate reports whether the stored object already says what it should:
// the same subsets (target resource versions aside), the Service's labels,
// and the capacity annotation right.
func upToDate(cur *api.Endpoints, svc *api.Service, subsets []api.EndpointSubset) bool {
	labels := cur.Labels
	if _, ok := labels[endpointslice.LabelHeadless]; ok {
		labels = without(labels, endpointslice.LabelHeadless)
	}
	return subsetsEqual(cur.Subsets, subsets) && labelsEqual(labels, svc.Labels) && capacityAnnotationRight(cur)
}

func labelsEqual(a, b map[string]string) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

func without(m map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func subsetsEqual(a, b []api.EndpointSubset) bool {
	clear := func(list []api.EndpointSubset) []api.EndpointSubset {
		out := make([]api.EndpointSubset, len(list))
		for i, s := range list {
			c := *api.Clone(&s)
			for _, addrs := range [][]api.EndpointAddress{c.Addresses, c.NotReadyAddresses} {
				for j := range addrs {
					if addrs[j].TargetRef != nil {
						addrs[j].TargetRef.ResourceVersion = ""
					}
				}
			}
			out[i] = c
		}
		return out
	}
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(clear(a), clear(b))
}

func capacityAnnotationRight(e *api.Endpoints) bool {
	n := 0
	for _, s := range e.Subsets {
		n += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	_, marked := e.Annotations[AnnotationOverCapacity]
	return n <= maxCapacity && !marked
}

// write creates or updates the Endpoints object.
func (ctl *Controller) write(svc *api.Service, cur *api.Endpoints, subsets []api.EndpointSubset, trigger time.Time, exists bool) error {
	upd := api.Clone(cur)
	upd.Subsets = subsets
	upd.Labels = copyMap(svc.Labels)
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	if trigger.IsZero() {
		delete(upd.Annotations, endpointslice.AnnotationLastChangeTrigger)
	} else {
		upd.Annotations[endpointslice.AnnotationLastChangeTrigger] = endpointslice.FormatTriggerTime(trigger)
	}
	if truncate(upd) {
		upd.Annotations[AnnotationOverCapacity] = "truncated"
	} else {
		delete(upd.Annotations, AnnotationOverCapacity)
	}
	if len(upd.Annotations) == 0 {
		upd.Annotations = nil
	}
	if !endpointslice.IsServiceIPSet(svc) {
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		upd.Labels[endpointslice.LabelHeadless] = ""
	}
	var err error
	if exists {
		var out *api.Endpoints
		out, err = client.Update(ctl.c, upd)
		if err == nil && out.ResourceVersion != cur.ResourceVersion {
			ctl.stale[client.KeyOf(cur)] = cur.ResourceVersion
		}
	} else {
		_, err = client.Create(ctl.c, upd)
	}
	switch {
	case err == nil:
		return nil
	case !exists && apiserver.IsNamespaceTerminating(err):
		return nil
	case !exists:
		ctl.rec.Eventf(upd, api.EventWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %v/%v: %v", svc.Namespace, svc.Name, err)
	default:
		ctl.rec.Eventf(upd, api.EventWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %v/%v: %v", svc.Namespace, svc.Name, err)
	}
	return err
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// truncate is truncateEndpoints: past maxCapacity, not-ready addresses go
// first, and each subset keeps its share, rounded up, of what is left.
func truncate(e *api.Endpoints) bool {
	ready, notReady := 0, 0
	for _, s := range e.Subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	if ready+notReady <= maxCapacity {
		return false
	}
	truncateReady := ready > maxCapacity
	limit, total := maxCapacity-ready, notReady
	if truncateReady {
		limit, total = maxCapacity, ready
	}
	left := limit
	for i := range e.Subsets {
		s := &e.Subsets[i]
		n := len(s.NotReadyAddresses)
		if truncateReady {
			n = len(s.Addresses)
		}
		share := min(int(math.Ceil(float64(n)/float64(total)*float64(limit))), left)
		if truncateReady {
			s.Addresses = s.Addresses[:min(len(s.Addresses), share)]
			s.NotReadyAddresses = nil
			left -= len(s.Addresses)
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:min(len(s.NotReadyAddresses), share)]
			left -= len(s.NotReadyAddresses)
		}
	}
	return true
}
