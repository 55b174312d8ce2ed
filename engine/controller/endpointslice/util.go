package endpointslice

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// What the endpoints, EndpointSlice and mirroring controllers share, as
// upstream's k8s.io/endpointslice/util.

// Labels and annotations of endpoints objects, as discovery/v1 and core/v1
// name them.
const (
	LabelServiceName            = "kubernetes.io/service-name"
	LabelManagedBy              = "endpointslice.kubernetes.io/managed-by"
	LabelSkipMirror             = "endpointslice.kubernetes.io/skip-mirror"
	LabelHeadless               = "service.kubernetes.io/headless"
	LabelTopologyZone           = "topology.kubernetes.io/zone"
	AnnotationLastChangeTrigger = "endpoints.kubernetes.io/last-change-trigger-time"
	AnnotationLastApplied       = "kubectl.kubernetes.io/last-applied-configuration"
)

// ShouldPodBeInEndpoints reports whether a pod has an address to publish:
// it has an IP, has not finished, and, unless terminating pods are wanted,
// is not being deleted.
func ShouldPodBeInEndpoints(p *api.Pod, includeTerminating bool) bool {
	if p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded {
		return false
	}
	if p.Status.PodIP == "" && len(p.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || p.DeletionTimestamp == nil
}

// ShouldSetHostname reports whether a pod's endpoint carries its hostname:
// the pod names the Service as its subdomain.
func ShouldSetHostname(p *api.Pod, svc *api.Service) bool {
	return p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name && svc.Namespace == p.Namespace
}

// IsServiceIPSet reports whether a Service has a cluster IP (is not
// headless).
func IsServiceIPSet(svc *api.Service) bool {
	return svc.Spec.ClusterIP != "None" && svc.Spec.ClusterIP != ""
}

// FindPort is podutil.FindPort: the number of a Service's target port in
// a pod, looking a named port up among its containers and sidecars.
func FindPort(p *api.Pod, sp *api.ServicePort) (int, error) {
	if sp.TargetPort.Type == api.Int {
		return int(sp.TargetPort.IntVal), nil
	}
	containers := append([]api.Container(nil), p.Spec.Containers...)
	for _, c := range p.Spec.InitContainers {
		if api.Deref(c.RestartPolicy, "") == "Always" {
			containers = append(containers, c)
		}
	}
	for _, c := range containers {
		for _, port := range c.Ports {
			if port.Name == sp.TargetPort.StrVal && port.Protocol == sp.Protocol {
				return int(port.ContainerPort), nil
			}
		}
	}
	return 0, fmt.Errorf("no suitable port for manifest: %s", p.UID)
}

// selects reports whether a Service with a selector picks the pod.
func selects(svc *api.Service, p *api.Pod) bool {
	if svc.Spec.Selector == nil || svc.Namespace != p.Namespace {
		return false
	}
	for k, v := range svc.Spec.Selector {
		if have, ok := p.Labels[k]; !ok || have != v {
			return false
		}
	}
	return true
}

// PodServiceMemberships returns the keys of the Services that select the
// pod.
func PodServiceMemberships(services *client.Informer[*api.Service], p *api.Pod) []string {
	var out []string
	for _, svc := range services.List() {
		if selects(svc, p) {
			out = append(out, client.KeyOf(svc))
		}
	}
	return out
}

// ServicesToUpdateOnPodChange returns the Services to sync after a pod
// changed in a way its endpoints show: its deletion, readiness or
// addresses, or its labels and hostname (then the Services it left too).
func ServicesToUpdateOnPodChange(services *client.Informer[*api.Service], old, p *api.Pod) []string {
	if old.ResourceVersion == p.ResourceVersion {
		return nil
	}
	podChanged, labelsChanged := podEndpointsChanged(old, p)
	if !podChanged && !labelsChanged {
		return nil
	}
	cur := PodServiceMemberships(services, p)
	if !labelsChanged {
		return cur
	}
	prev := PodServiceMemberships(services, old)
	if podChanged {
		return union(prev, cur)
	}
	return symmetricDifference(prev, cur)
}

func podEndpointsChanged(old, p *api.Pod) (podChanged, labelsChanged bool) {
	labelsChanged = !controller.LabelsEqual(old.Labels, p.Labels) || old.Spec.Hostname != p.Spec.Hostname || old.Spec.Subdomain != p.Spec.Subdomain
	switch {
	case (old.DeletionTimestamp == nil) != (p.DeletionTimestamp == nil):
		return true, labelsChanged
	case controller.IsPodReady(old) != controller.IsPodReady(p):
		return true, labelsChanged
	case !samePodIPs(old.Status.PodIPs, p.Status.PodIPs):
		return true, labelsChanged
	}
	return false, labelsChanged
}

// samePodIPs reports whether two pods' IPs are the same, in order.
func samePodIPs(a, b []api.PodIP) bool {
	return slices.EqualFunc(a, b, func(x, y api.PodIP) bool { return x.IP == y.IP })
}

func podIPs(p *api.Pod) []string {
	var out []string
	for _, ip := range p.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range append(append([]string(nil), a...), b...) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func symmetricDifference(a, b []string) []string {
	in := func(list []string, k string) bool {
		for _, x := range list {
			if x == k {
				return true
			}
		}
		return false
	}
	var out []string
	for _, k := range a {
		if !in(b, k) {
			out = append(out, k)
		}
	}
	for _, k := range b {
		if !in(a, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// HashString is DeepHashObjectToString: the MD5, in hex, of an object as
// dump.ForHash prints it. The controllers order ports and subsets by it.
func HashString(v any) string {
	sum := md5.Sum(api.AppendForHash(nil, v))
	return hex.EncodeToString(sum[:])
}

// SortPorts orders an EndpointSlice's ports as NewPortMapKey does, by the
// hash of each, and returns the key of the set.
func SortPorts(ports []api.DiscoveryV1EndpointPort) string {
	hashes := make([]string, len(ports))
	for i := range ports {
		hashes[i] = HashString(&ports[i])
	}
	sort.Sort(byHash{ports, hashes})
	return strings.Join(hashes, ",")
}

type byHash struct {
	ports  []api.DiscoveryV1EndpointPort
	hashes []string
}

func (s byHash) Len() int           { return len(s.ports) }
func (s byHash) Less(i, j int) bool { return s.hashes[i] < s.hashes[j] }
func (s byHash) Swap(i, j int) {
	s.ports[i], s.ports[j] = s.ports[j], s.ports[i]
	s.hashes[i], s.hashes[j] = s.hashes[j], s.hashes[i]
}

// EndpointSet is a set of endpoints keyed by their identity (addresses,
// hostname and target), kept in insertion order: upstream pops an
// arbitrary one, this one the oldest, so that runs are reproducible.
type EndpointSet struct {
	keys []string
	m    map[string]*api.Endpoint
}

// NewEndpointSet returns an empty set.
func NewEndpointSet() *EndpointSet { return &EndpointSet{m: map[string]*api.Endpoint{}} }

func endpointKey(e *api.Endpoint) string {
	addrs := append([]string(nil), e.Addresses...)
	sort.Strings(addrs)
	var b strings.Builder
	b.WriteString(strings.Join(addrs, ","))
	b.WriteString("|")
	b.WriteString(api.Deref(e.Hostname, ""))
	if r := e.TargetRef; r != nil {
		b.WriteString("|" + r.Namespace + "/" + r.Name)
	}
	return b.String()
}

// Insert adds e, replacing an endpoint of the same identity.
func (s *EndpointSet) Insert(e *api.Endpoint) {
	k := endpointKey(e)
	if _, ok := s.m[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.m[k] = e
}

// Get returns the endpoint of e's identity.
func (s *EndpointSet) Get(e *api.Endpoint) *api.Endpoint { return s.m[endpointKey(e)] }

// Delete removes the endpoint of e's identity.
func (s *EndpointSet) Delete(e *api.Endpoint) { delete(s.m, endpointKey(e)) }

// Len returns the number of endpoints.
func (s *EndpointSet) Len() int { return len(s.m) }

// PopAny removes and returns the oldest endpoint.
func (s *EndpointSet) PopAny() *api.Endpoint {
	for len(s.keys) > 0 {
		k := s.keys[0]
		s.keys = s.keys[1:]
		if e, ok := s.m[k]; ok {
			delete(s.m, k)
			return e
		}
	}
	return nil
}

// EndpointsEqualBeyondHash reports whether two endpoints of the same
// identity also agree on what their identity leaves out.
func EndpointsEqualBeyondHash(a, b *api.Endpoint) bool {
	ignoreRV := func(r *api.ObjectReference) *api.ObjectReference {
		if r == nil {
			return nil
		}
		c := *r
		c.ResourceVersion = ""
		return &c
	}
	return reflect.DeepEqual(a.NodeName, b.NodeName) && reflect.DeepEqual(a.Zone, b.Zone) &&
		reflect.DeepEqual(a.Conditions, b.Conditions) && reflect.DeepEqual(ignoreRV(a.TargetRef), ignoreRV(b.TargetRef))
}

// TriggerTimeTracker computes the last-change-trigger-time annotation: the
// earliest of the changes since the last sync of a Service (a pod's
// readiness transition, the Service's creation), or the Service's creation
// on its first sync.
type TriggerTimeTracker struct {
	states map[string]triggerState
}

type triggerState struct {
	pods    map[string]time.Time
	service time.Time
}

// NewTriggerTimeTracker returns an empty tracker.
func NewTriggerTimeTracker() *TriggerTimeTracker {
	return &TriggerTimeTracker{states: map[string]triggerState{}}
}

// Compute returns the trigger time of this sync of svc over its pods, and
// remembers them.
func (t *TriggerTimeTracker) Compute(svc *api.Service, pods []*api.Pod) time.Time {
	key := client.KeyOf(svc)
	state, known := t.states[key]
	var earliest time.Time
	next := triggerState{pods: map[string]time.Time{}, service: svc.CreationTimestamp.Time}
	for _, p := range pods {
		c := controller.PodCondition(p, api.PodReady)
		if c == nil || c.LastTransitionTime.IsZero() {
			continue
		}
		at := c.LastTransitionTime.Time
		next.pods[p.Name] = at
		if at.After(state.pods[p.Name]) {
			earliest = earlier(earliest, at)
		}
	}
	if next.service.After(state.service) {
		earliest = earlier(earliest, next.service)
	}
	t.states[key] = next
	if !known {
		return svc.CreationTimestamp.Time
	}
	return earliest
}

func earlier(cur, t time.Time) time.Time {
	if cur.IsZero() || t.Before(cur) {
		return t
	}
	return cur
}

// Forget drops a deleted Service's state.
func (t *TriggerTimeTracker) Forget(key string) { delete(t.states, key) }

// FormatTriggerTime is how the annotation spells a time.
func FormatTriggerTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ErrStaleInformerCache is returned when a controller's informer has not
// yet seen its own last writes: the sync is retried shortly.
var ErrStaleInformerCache = errors.New("EndpointSlice informer cache is out of date")
