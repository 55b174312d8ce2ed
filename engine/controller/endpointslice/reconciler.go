package endpointslice

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// The playground's network is IPv4 only, so every Service has one address
// type, as a single-stack cluster's do.
const addressType = "IPv4"

// portGroup is the desired state of the slices for one set of ports.
type portGroup struct {
	ports     []api.DiscoveryV1EndpointPort
	endpoints *EndpointSet
}

// reconcile is the reconciler's reconcileByAddressType for the one
// address type: it computes the endpoints each set of ports should have,
// fits them into the existing slices and writes the changes.
func (ctl *Controller) reconcile(svc *api.Service, pods []*api.Pod, existing []*api.EndpointSlice, trigger time.Time) error {
	var toDelete []*api.EndpointSlice
	existingByPorts := map[string][]*api.EndpointSlice{}
	for _, s := range existing {
		if !ownedBy(s, svc) || s.AddressType != addressType {
			toDelete = append(toDelete, s)
			continue
		}
		k := SortPorts(api.Clone(s).Ports)
		existingByPorts[k] = append(existingByPorts[k], s)
	}
	desired, order, errs := ctl.desiredEndpoints(svc, pods)
	var toCreate, toUpdate []*api.EndpointSlice
	for _, k := range order {
		c, u, d := reconcileByPorts(svc, existingByPorts[k], desired[k])
		toCreate, toUpdate, toDelete = append(toCreate, c...), append(toUpdate, u...), append(toDelete, d...)
	}
	for _, k := range api.SortedKeys(existingByPorts) {
		if _, ok := desired[k]; !ok {
			toDelete = append(toDelete, existingByPorts[k]...)
		}
	}
	if len(existing) == len(toDelete) && len(toCreate) == 0 {
		placeholder := newEndpointSlice(svc, nil)
		if len(toDelete) == 1 && samePlaceholder(toDelete[0], placeholder) {
			toDelete = nil
		} else {
			toCreate = append(toCreate, placeholder)
		}
	}
	if err := ctl.finalize(svc, toCreate, toUpdate, toDelete, trigger); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// desiredEndpoints groups the endpoint of each pod with an address by the
// ports its pod resolves, in the order the pods come. A pod on a node that
// does not exist is left out, and the sync retried, unless not-ready
// addresses are published.
func (ctl *Controller) desiredEndpoints(svc *api.Service, pods []*api.Pod) (map[string]*portGroup, []string, []error) {
	desired := map[string]*portGroup{}
	var order []string
	var errs []error
	for _, p := range pods {
		if !ShouldPodBeInEndpoints(p, true) {
			continue
		}
		ports := endpointPorts(svc, p)
		k := SortPorts(ports)
		if _, ok := desired[k]; !ok {
			desired[k] = &portGroup{ports: ports, endpoints: NewEndpointSet()}
			order = append(order, k)
		}
		node, ok := ctl.nodes.Get("", p.Spec.NodeName)
		if !ok && !svc.Spec.PublishNotReadyAddresses {
			errs = append(errs, fmt.Errorf("skipping Pod %s for Service %s/%s: Node %s Not Found", p.Name, svc.Namespace, svc.Name, p.Spec.NodeName))
			continue
		}
		if e := podToEndpoint(p, node, svc); len(e.Addresses) > 0 {
			desired[k].endpoints.Insert(e)
		}
	}
	return desired, order, errs
}

// endpointPorts are the Service's ports as the pod resolves them; a port
// the pod cannot resolve (a name none of its containers has) is left out.
func endpointPorts(svc *api.Service, p *api.Pod) []api.DiscoveryV1EndpointPort {
	var out []api.DiscoveryV1EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := FindPort(p, sp)
		if err != nil {
			continue
		}
		out = append(out, api.DiscoveryV1EndpointPort{Port: api.Ptr(int32(n)), Name: api.Ptr(sp.Name), Protocol: api.Ptr(sp.Protocol), AppProtocol: sp.AppProtocol})
	}
	return out
}

// podToEndpoint is upstream's: ready means serving and not terminating
// (or published regardless); the zone is the node's.
func podToEndpoint(p *api.Pod, node *api.Node, svc *api.Service) *api.Endpoint {
	serving := controller.IsPodReady(p)
	terminating := p.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || serving && !terminating
	e := &api.Endpoint{
		Conditions: api.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	for _, ip := range p.Status.PodIPs {
		if !strings.Contains(ip.IP, ":") {
			e.Addresses = append(e.Addresses, ip.IP)
		}
	}
	if p.Spec.NodeName != "" {
		e.NodeName = api.Ptr(p.Spec.NodeName)
	}
	if node != nil && node.Labels[LabelTopologyZone] != "" {
		e.Zone = api.Ptr(node.Labels[LabelTopologyZone])
	}
	if ShouldSetHostname(p, svc) {
		e.Hostname = api.Ptr(p.Spec.Hostname)
	}
	return e
}

// reconcileByPorts is reconcileByPortMapping: existing slices keep the
// endpoints still desired (updated where they changed); slices left empty
// go; the endpoints left over fill the slices being updated, then an
// unchanged slice with room for all of them, then new slices.
func reconcileByPorts(svc *api.Service, existing []*api.EndpointSlice, want *portGroup) (toCreate, toUpdate, toDelete []*api.EndpointSlice) {
	desired := want.endpoints
	var updated, unchanged []*api.EndpointSlice
	for _, s := range existing {
		var keep []api.Endpoint
		changed := false
		for i := range s.Endpoints {
			got := desired.Get(&s.Endpoints[i])
			if got == nil {
				continue
			}
			keep = append(keep, *got)
			changed = changed || !EndpointsEqualBeyondHash(got, &s.Endpoints[i])
			desired.Delete(&s.Endpoints[i])
		}
		labels, labelsChanged := sliceLabels(s, svc)
		switch {
		case (changed || len(keep) != len(s.Endpoints)) && len(keep) == 0:
			toDelete = append(toDelete, s)
		case changed || len(keep) != len(s.Endpoints) || labelsChanged:
			upd := api.Clone(s)
			upd.Endpoints, upd.Labels = keep, labels
			updated = append(updated, upd)
		default:
			unchanged = append(unchanged, s)
		}
	}
	if desired.Len() > 0 && len(updated) > 0 {
		sort.SliceStable(updated, func(i, j int) bool { return len(updated[i].Endpoints) > len(updated[j].Endpoints) })
		for _, s := range updated {
			fill(s, desired)
		}
	}
	for desired.Len() > 0 {
		var s *api.EndpointSlice
		if desired.Len() < maxEndpointsPerSlice {
			if i := sliceToFill(unchanged, desired.Len()); i >= 0 {
				s = api.Clone(unchanged[i])
				unchanged = append(unchanged[:i], unchanged[i+1:]...)
			}
		}
		if s == nil {
			s = newEndpointSlice(svc, want.ports)
			fill(s, desired)
			toCreate = append(toCreate, s)
			continue
		}
		fill(s, desired)
		updated = append(updated, s)
	}
	return toCreate, updated, toDelete
}

func fill(s *api.EndpointSlice, desired *EndpointSet) {
	for desired.Len() > 0 && len(s.Endpoints) < maxEndpointsPerSlice {
		s.Endpoints = append(s.Endpoints, *desired.PopAny())
	}
}

// sliceToFill is getSliceToFill: the fullest slice that still has room for
// n endpoints, or -1.
func sliceToFill(slices []*api.EndpointSlice, n int) int {
	best := -1
	for i, s := range slices {
		room := maxEndpointsPerSlice - len(s.Endpoints)
		if room >= n && (best < 0 || len(s.Endpoints) > len(slices[best].Endpoints)) {
			best = i
		}
	}
	return best
}

func ownedBy(s *api.EndpointSlice, svc *api.Service) bool {
	for _, r := range s.OwnerReferences {
		if r.UID == svc.UID && r.Kind == "Service" && r.APIVersion == "v1" {
			return true
		}
	}
	return false
}

// newEndpointSlice is an empty slice for the Service's pods with these
// ports, named by the API server from <service>-.
func newEndpointSlice(svc *api.Service, ports []api.DiscoveryV1EndpointPort) *api.EndpointSlice {
	s := &api.EndpointSlice{
		ObjectMeta: api.ObjectMeta{
			GenerateName:    svc.Name + "-",
			Namespace:       svc.Namespace,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(svc)},
		},
		AddressType: addressType,
		Ports:       ports,
	}
	s.Labels, _ = sliceLabels(s, svc)
	return s
}

// sliceLabels are the Service's labels and the reserved ones
// (service-name, managed-by, headless); changed says whether a slice's
// own labels differ from the Service's.
func sliceLabels(s *api.EndpointSlice, svc *api.Service) (map[string]string, bool) {
	reserved := func(k string) bool { return k == LabelServiceName || k == LabelManagedBy || k == LabelHeadless }
	own, want := map[string]string{}, map[string]string{}
	for k, v := range s.Labels {
		if !reserved(k) {
			own[k] = v
		}
	}
	for k, v := range svc.Labels {
		if !reserved(k) {
			want[k] = v
		}
	}
	changed := !reflect.DeepEqual(own, want)
	if !IsServiceIPSet(svc) {
		want[LabelHeadless] = ""
	}
	want[LabelServiceName] = svc.Name
	want[LabelManagedBy] = ControllerName
	return want, changed
}

// samePlaceholder compares an existing slice with a new placeholder where
// upstream's placeholderSliceCompare does: namespace, labels, owners and
// contents.
func samePlaceholder(have, want *api.EndpointSlice) bool {
	return have.Namespace == want.Namespace && reflect.DeepEqual(have.Labels, want.Labels) &&
		reflect.DeepEqual(have.OwnerReferences, want.OwnerReferences) && have.AddressType == want.AddressType &&
		len(have.Endpoints) == 0 && len(have.Ports) == 0
}

// finalize writes the changes: a slice to create takes the place of one to
// delete where it can (an update keeps the name), and every written slice
// gets the trigger time.
func (ctl *Controller) finalize(svc *api.Service, toCreate, toUpdate, toDelete []*api.EndpointSlice, trigger time.Time) error {
	for i := 0; i < len(toDelete) && len(toCreate) > 0; {
		last := toCreate[len(toCreate)-1]
		if toDelete[i].AddressType != last.AddressType || !ownedBy(toDelete[i], svc) {
			i++
			continue
		}
		last.ObjectMeta = mergeMeta(toDelete[i].ObjectMeta, last.ObjectMeta)
		toCreate, toUpdate = toCreate[:len(toCreate)-1], append(toUpdate, last)
		toDelete = append(toDelete[:i], toDelete[i+1:]...)
	}
	if svc.DeletionTimestamp == nil {
		for _, s := range toCreate {
			setTriggerTime(s, trigger)
			out, err := client.Create(ctl.c, s)
			if apiserver.IsNamespaceTerminating(err) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("failed to create EndpointSlice for Service %s/%s: %w", svc.Namespace, svc.Name, err)
			}
			ctl.tracker.Update(out)
		}
	}
	for _, s := range toUpdate {
		setTriggerTime(s, trigger)
		out, err := client.Update(ctl.c, s)
		if err != nil {
			return fmt.Errorf("failed to update %s EndpointSlice for Service %s/%s: %w", s.Name, svc.Namespace, svc.Name, err)
		}
		ctl.tracker.Update(out)
	}
	for _, s := range toDelete {
		if err := client.Delete[*api.EndpointSlice](ctl.c, s.Namespace, s.Name, apiserver.DeleteOptions{}); err != nil {
			return fmt.Errorf("failed to delete %s EndpointSlice for Service %s/%s: %w", s.Name, svc.Namespace, svc.Name, err)
		}
		ctl.tracker.ExpectDeletion(s)
	}
	return nil
}

// mergeMeta is the metadata of a new slice that takes an existing one's
// place: the existing identity, with the new labels, annotations and
// owners.
func mergeMeta(old, cur api.ObjectMeta) api.ObjectMeta {
	out := *old.DeepCopy()
	out.Labels, out.Annotations, out.OwnerReferences = cur.Labels, cur.Annotations, cur.OwnerReferences
	return out
}

// setTriggerTime sets the last-change-trigger-time annotation, or clears it
// when this sync has no new trigger.
func setTriggerTime(s *api.EndpointSlice, t time.Time) {
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if t.IsZero() {
		delete(s.Annotations, AnnotationLastChangeTrigger)
	} else {
		s.Annotations[AnnotationLastChangeTrigger] = FormatTriggerTime(t)
	}
	if len(s.Annotations) == 0 {
		s.Annotations = nil
	}
}
