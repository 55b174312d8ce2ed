// Package endpointslicemirroring is the EndpointSlice mirroring
// controller, as kube-controller-manager's
// (pkg/controller/endpointslicemirroring): for a Service without a
// selector, whose Endpoints its user writes, it mirrors each subset of
// those Endpoints (at most 1000 addresses) into an EndpointSlice
// <endpoints>-<random> managed by endpointslicemirroring-controller.k8s.io,
// carrying the Endpoints' labels and annotations, and deletes the slices
// when the Endpoints, or the Service, go, or the Service gets a selector.
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror (the
// kubernetes Service's) are left alone.
package endpointslicemirroring

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/endpoint"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslice"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// ControllerName is the managed-by label of the slices this controller
// writes.
const ControllerName = "endpointslicemirroring-controller.k8s.io"

// maxEndpointsPerSubset is --mirroring-max-endpoints-per-subset's default.
const maxEndpointsPerSubset = 1000

// Controller is the EndpointSlice mirroring controller.
type Controller struct {
	c         *client.Client
	rec       *client.Recorder
	services  *client.Informer[*api.Service]
	endpoints *client.Informer[*api.Endpoints]
	slices    *client.Informer[*api.EndpointSlice]
	queue     *loop.Queue
	tracker   *endpointslice.Tracker
}

// New returns a mirroring controller.
func New(c *client.Client) *Controller {
	ctl := &Controller{
		c:         c,
		rec:       client.NewRecorder(c, "endpoint-slice-mirroring-controller", ""),
		services:  client.NewInformer[*api.Service](c, "", apiserver.ListOptions{}),
		endpoints: client.NewInformer[*api.Endpoints](c, "", apiserver.ListOptions{}),
		slices:    client.NewInformer[*api.EndpointSlice](c, "", apiserver.ListOptions{}),
		tracker:   endpointslice.NewTracker(),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the informers.
func (ctl *Controller) Start() error {
	ctl.services.AddHandler(client.Handler[*api.Service]{
		Add:    func(s *api.Service) { ctl.queue.Add(client.KeyOf(s)) },
		Update: func(old, s *api.Service) { ctl.queue.Add(client.KeyOf(s)) },
		Delete: func(s *api.Service) { ctl.queue.Add(client.KeyOf(s)) },
	})
	ctl.endpoints.AddHandler(client.Handler[*api.Endpoints]{
		Add: func(e *api.Endpoints) {
			if shouldMirror(e) {
				ctl.queue.Add(client.KeyOf(e))
			}
		},
		Update: func(old, e *api.Endpoints) {
			if shouldMirror(e) || shouldMirror(old) {
				ctl.queue.Add(client.KeyOf(e))
			}
		},
		Delete: func(e *api.Endpoints) { ctl.queue.Add(client.KeyOf(e)) },
	})
	ctl.slices.AddHandler(client.Handler[*api.EndpointSlice]{Add: ctl.sliceChanged, Update: func(_, s *api.EndpointSlice) { ctl.sliceChanged(s) }, Delete: ctl.sliceDeleted})
	for _, start := range []func() error{ctl.slices.Start, ctl.endpoints.Start, ctl.services.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

func mirrored(s *api.EndpointSlice) bool {
	return s.Labels[endpointslice.LabelManagedBy] == ControllerName
}

func sliceKey(s *api.EndpointSlice) string {
	return client.Key(s.Namespace, s.Labels[endpointslice.LabelServiceName])
}

func (ctl *Controller) sliceChanged(s *api.EndpointSlice) {
	if mirrored(s) && ctl.tracker.ShouldSync(s) {
		ctl.queue.Add(sliceKey(s))
	}
}

func (ctl *Controller) sliceDeleted(s *api.EndpointSlice) {
	if mirrored(s) && ctl.tracker.Has(s) && !ctl.tracker.HandleDeletion(s) {
		ctl.queue.Add(sliceKey(s))
	}
}

// shouldMirror reports whether an Endpoints object is one to mirror: not
// marked skip-mirror and not a leader election record.
func shouldMirror(e *api.Endpoints) bool {
	if e == nil || e.Labels[endpointslice.LabelSkipMirror] == "true" {
		return false
	}
	_, leader := e.Annotations["control-plane.alpha.kubernetes.io/leader"]
	return !leader
}

// Reconcile is syncEndpoints.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	svc, ok := ctl.services.Get(ns, name)
	if !ok {
		ctl.tracker.DeleteService(key)
		return loop.Result{}, nil
	}
	if svc.Spec.Type == "ExternalName" {
		return loop.Result{}, nil
	}
	if svc.Spec.Selector != nil {
		return loop.Result{}, ctl.deleteMirrored(ns, name)
	}
	e, ok := ctl.endpoints.Get(ns, name)
	if !ok || !shouldMirror(e) {
		ctl.tracker.DeleteService(key)
		return loop.Result{}, ctl.deleteMirrored(ns, name)
	}
	slices := ctl.mirroredSlices(ns, name)
	if ctl.tracker.StaleSlices(key, slices) {
		return loop.Result{}, endpointslice.ErrStaleInformerCache
	}
	return loop.Result{}, ctl.reconcile(e, slices)
}

func (ctl *Controller) mirroredSlices(ns, name string) []*api.EndpointSlice {
	return ctl.slices.Select(ns, api.SelectorFromSet(map[string]string{endpointslice.LabelServiceName: name, endpointslice.LabelManagedBy: ControllerName}))
}

func (ctl *Controller) deleteMirrored(ns, name string) error {
	for _, s := range ctl.mirroredSlices(ns, name) {
		err := client.Delete[*api.EndpointSlice](ctl.c, ns, s.Name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			return err
		}
		ctl.tracker.ExpectDeletion(s)
	}
	return nil
}

// group is the mirror of one set of ports.
type group struct {
	ports     []api.DiscoveryV1EndpointPort
	endpoints *endpointslice.EndpointSet
}

// reconcile mirrors the Endpoints' subsets, as the mirroring reconciler:
// one slice per set of ports, the extra ones deleted.
func (ctl *Controller) reconcile(e *api.Endpoints, existing []*api.EndpointSlice) error {
	desired, order, invalid, skipped := desiredGroups(e)
	if invalid > 0 {
		ctl.rec.Eventf(e, api.EventWarning, "InvalidIPAddress", "Skipped %d invalid IP addresses when mirroring to EndpointSlices", invalid)
	}
	if skipped > invalid {
		ctl.rec.Eventf(e, api.EventWarning, "TooManyAddressesToMirror", "A max of %d addresses can be mirrored to EndpointSlices per Endpoints subset. %d addresses were skipped", maxEndpointsPerSubset, skipped)
	}
	existingByPorts := map[string][]*api.EndpointSlice{}
	var keys []string
	for _, s := range existing {
		k := endpointslice.SortPorts(api.Clone(s).Ports)
		if _, ok := existingByPorts[k]; !ok {
			keys = append(keys, k)
		}
		existingByPorts[k] = append(existingByPorts[k], s)
	}
	var toCreate, toUpdate, toDelete []*api.EndpointSlice
	for _, k := range order {
		c, u, d := reconcileByPorts(e, existingByPorts[k], desired[k])
		toCreate, toUpdate, toDelete = append(toCreate, c...), append(toUpdate, u...), append(toDelete, d...)
	}
	for _, k := range keys {
		if _, ok := desired[k]; !ok {
			toDelete = append(toDelete, existingByPorts[k]...)
		}
	}
	return ctl.finalize(e, toCreate, toUpdate, toDelete)
}

// desiredGroups turns the repacked subsets into endpoints by set of
// ports, counting the invalid addresses and all those skipped.
func desiredGroups(e *api.Endpoints) (map[string]*group, []string, int, int) {
	desired := map[string]*group{}
	var order []string
	invalid, skipped := 0, 0
	for _, s := range endpoint.RepackSubsets(api.Clone(e).Subsets) {
		ports := slicePorts(s.Ports)
		k := endpointslice.SortPorts(ports)
		g, ok := desired[k]
		if !ok {
			g = &group{ports: ports, endpoints: endpointslice.NewEndpointSet()}
			desired[k] = g
			order = append(order, k)
		}
		added := 0
		for _, list := range []struct {
			addrs []api.EndpointAddress
			ready bool
		}{{s.Addresses, true}, {s.NotReadyAddresses, false}} {
			for _, a := range list.addrs {
				if added >= maxEndpointsPerSubset {
					break
				}
				if _, err := netip.ParseAddr(a.IP); err != nil {
					invalid++
					continue
				}
				g.endpoints.Insert(addressToEndpoint(a, list.ready))
				added++
			}
		}
		skipped += len(s.Addresses) + len(s.NotReadyAddresses) - added
	}
	return desired, order, invalid, skipped
}

func slicePorts(ports []api.EndpointPort) []api.DiscoveryV1EndpointPort {
	var out []api.DiscoveryV1EndpointPort
	for _, p := range ports {
		out = append(out, api.DiscoveryV1EndpointPort{Name: api.Ptr(p.Name), Port: api.Ptr(p.Port), Protocol: api.Ptr(p.Protocol), AppProtocol: p.AppProtocol})
	}
	return out
}

func addressToEndpoint(a api.EndpointAddress, ready bool) *api.Endpoint {
	e := &api.Endpoint{Addresses: []string{a.IP}, Conditions: api.EndpointConditions{Ready: &ready}, TargetRef: a.TargetRef, NodeName: a.NodeName}
	if a.Hostname != "" {
		e.Hostname = api.Ptr(a.Hostname)
	}
	return e
}

// reconcileByPorts keeps one slice per set of ports, rewritten when its
// endpoints, labels or annotations differ from the Endpoints'.
func reconcileByPorts(e *api.Endpoints, existing []*api.EndpointSlice, g *group) (toCreate, toUpdate, toDelete []*api.EndpointSlice) {
	if g.endpoints.Len() == 0 {
		return nil, nil, existing
	}
	name := ""
	if len(existing) > 0 {
		toDelete = existing[1:]
		first := existing[0]
		if sameEndpoints(first, g.endpoints) && labelsMatch(e, first) && annotationsMatch(e, first) {
			return nil, nil, toDelete
		}
		name = first.Name
	}
	s := newSlice(e, g.ports, name)
	for g.endpoints.Len() > 0 && len(s.Endpoints) < maxEndpointsPerSubset {
		s.Endpoints = append(s.Endpoints, *g.endpoints.PopAny())
	}
	if name != "" {
		s.ObjectMeta = mergeMeta(existing[0].ObjectMeta, s.ObjectMeta)
		return nil, []*api.EndpointSlice{s}, toDelete
	}
	return []*api.EndpointSlice{s}, nil, toDelete
}

func sameEndpoints(s *api.EndpointSlice, want *endpointslice.EndpointSet) bool {
	if len(s.Endpoints) != want.Len() {
		return false
	}
	for i := range s.Endpoints {
		got := want.Get(&s.Endpoints[i])
		if got == nil || !reflect.DeepEqual(*got, s.Endpoints[i]) {
			return false
		}
	}
	return true
}

func labelsMatch(e *api.Endpoints, s *api.EndpointSlice) bool {
	have := map[string]string{}
	for k, v := range s.Labels {
		if k != endpointslice.LabelManagedBy && k != endpointslice.LabelServiceName {
			have[k] = v
		}
	}
	return len(have) == 0 && len(e.Labels) == 0 || reflect.DeepEqual(have, e.Labels)
}

func annotationsMatch(e *api.Endpoints, s *api.EndpointSlice) bool {
	want := mirroredAnnotations(e)
	return len(want) == 0 && len(s.Annotations) == 0 || reflect.DeepEqual(want, s.Annotations)
}

func mirroredAnnotations(e *api.Endpoints) map[string]string {
	out := map[string]string{}
	for k, v := range e.Annotations {
		if k != endpointslice.AnnotationLastChangeTrigger && k != endpointslice.AnnotationLastApplied {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// newSlice is the mirroring controller's newEndpointSlice: owned by the
// Endpoints, with its labels and annotations and the reserved labels.
func newSlice(e *api.Endpoints, ports []api.DiscoveryV1EndpointPort, name string) *api.EndpointSlice {
	labels := map[string]string{}
	for k, v := range e.Labels {
		labels[k] = v
	}
	labels[endpointslice.LabelServiceName] = e.Name
	labels[endpointslice.LabelManagedBy] = ControllerName
	s := &api.EndpointSlice{
		ObjectMeta: api.ObjectMeta{
			Name:            name,
			Namespace:       e.Namespace,
			Labels:          labels,
			Annotations:     mirroredAnnotations(e),
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(e)},
		},
		AddressType: "IPv4",
		Ports:       ports,
	}
	if name == "" {
		s.GenerateName = e.Name + "-"
	}
	return s
}

func mergeMeta(old, cur api.ObjectMeta) api.ObjectMeta {
	out := *old.DeepCopy()
	out.Labels, out.Annotations, out.OwnerReferences = cur.Labels, cur.Annotations, cur.OwnerReferences
	return out
}

// finalize writes the changes, recycling a slice to delete for one to
// create.
func (ctl *Controller) finalize(e *api.Endpoints, toCreate, toUpdate, toDelete []*api.EndpointSlice) error {
	for len(toDelete) > 0 && len(toCreate) > 0 {
		last := toCreate[len(toCreate)-1]
		last.ObjectMeta = mergeMeta(toDelete[0].ObjectMeta, last.ObjectMeta)
		toCreate, toUpdate, toDelete = toCreate[:len(toCreate)-1], append(toUpdate, last), toDelete[1:]
	}
	var errs []error
	for _, s := range toCreate {
		out, err := client.Create(ctl.c, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to create EndpointSlice for Endpoints %s/%s: %w", e.Namespace, e.Name, err))
			continue
		}
		ctl.tracker.Update(out)
	}
	for _, s := range toUpdate {
		out, err := client.Update(ctl.c, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to update %s EndpointSlice for Endpoints %s/%s: %w", s.Name, e.Namespace, e.Name, err))
			continue
		}
		ctl.tracker.Update(out)
	}
	for _, s := range toDelete {
		if err := client.Delete[*api.EndpointSlice](ctl.c, s.Namespace, s.Name, apiserver.DeleteOptions{}); err != nil && !apiserver.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("failed to delete %s EndpointSlice for Endpoints %s/%s: %w", s.Name, e.Namespace, e.Name, err))
			continue
		}
		ctl.tracker.ExpectDeletion(s)
	}
	return errors.Join(errs...)
}
