package scheduler

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// handle is what the plugins may read beyond the pod and the node, as the
// framework's Handle: the cache, the nominated pods, and the informers of
// the objects some plugins consult.
type handle struct {
	c         *client.Client
	cache     *cache
	nominator *nominator

	namespaces   *client.Informer[*api.Namespace]
	services     *client.Informer[*api.Service]
	replicaSets  *client.Informer[*api.ReplicaSet]
	statefulSets *client.Informer[*api.StatefulSet]
	controllers  *client.Informer[*api.ReplicationController]
	claims       *client.Informer[*api.PersistentVolumeClaim]
	volumes      *client.Informer[*api.PersistentVolume]
	classes      *client.Informer[*api.StorageClass]
	budgets      *client.Informer[*api.PodDisruptionBudget]

	// assumed holds the volumes and claims the binder has changed, until
	// the informers catch up with a newer version.
	assumedPVs  map[string]assumed[*api.PersistentVolume]
	assumedPVCs map[string]assumed[*api.PersistentVolumeClaim]
}

type assumed[T api.Object] struct {
	obj    T
	baseRV string // the version it was made from
}

func newHandle(c *client.Client, ch *cache) *handle {
	all := apiserver.ListOptions{}
	return &handle{
		c: c, cache: ch,
		namespaces:   client.NewInformer[*api.Namespace](c, "", all),
		services:     client.NewInformer[*api.Service](c, "", all),
		replicaSets:  client.NewInformer[*api.ReplicaSet](c, "", all),
		statefulSets: client.NewInformer[*api.StatefulSet](c, "", all),
		controllers:  client.NewInformer[*api.ReplicationController](c, "", all),
		claims:       client.NewInformer[*api.PersistentVolumeClaim](c, "", all),
		volumes:      client.NewInformer[*api.PersistentVolume](c, "", all),
		classes:      client.NewInformer[*api.StorageClass](c, "", all),
		budgets:      client.NewInformer[*api.PodDisruptionBudget](c, "", all),
		assumedPVs:   map[string]assumed[*api.PersistentVolume]{},
		assumedPVCs:  map[string]assumed[*api.PersistentVolumeClaim]{},
	}
}

type starter interface {
	Start() error
	Stop()
}

func (h *handle) informers() []starter {
	return []starter{h.namespaces, h.services, h.replicaSets, h.statefulSets, h.controllers, h.claims, h.volumes, h.classes, h.budgets}
}

func (h *handle) now() time.Time { return h.c.Now() }

// namespaceLabels is GetNamespaceLabelsSnapshot.
func (h *handle) namespaceLabels(ns string) map[string]string {
	if n, ok := h.namespaces.Get("", ns); ok {
		return n.Labels
	}
	return nil
}

// resolveNamespaces is mergeAffinityTermNamespacesIfNotEmpty: a term's
// namespace selector, unless it selects every namespace, becomes the list
// of the namespaces it selects now.
func (h *handle) resolveNamespaces(terms []affinityTerm) []affinityTerm {
	if len(terms) == 0 {
		return nil
	}
	out := make([]affinityTerm, len(terms))
	for i, t := range terms {
		out[i] = h.resolveTerm(t)
	}
	return out
}

func (h *handle) resolveTerm(t affinityTerm) affinityTerm {
	if t.nsSelector.Empty() {
		return t
	}
	ns := append([]string(nil), t.namespaces...)
	for _, n := range h.namespaces.List() {
		if t.nsSelector.Matches(n.Labels) {
			ns = append(ns, n.Name)
		}
	}
	t.namespaces, t.nsSelector = ns, api.Nothing()
	return t
}

func (h *handle) resolveWeighted(terms []weightedTerm) []weightedTerm {
	out := make([]weightedTerm, len(terms))
	for i, t := range terms {
		out[i] = weightedTerm{affinityTerm: h.resolveTerm(t.affinityTerm), weight: t.weight}
	}
	return out
}

// defaultSelector is helper.DefaultSelector: the labels of the Services
// that select the pod, and the selector of the ReplicationController,
// ReplicaSet or StatefulSet that controls it.
func (h *handle) defaultSelector(p *api.Pod) api.Selector {
	ls := &api.LabelSelector{MatchLabels: map[string]string{}}
	for _, svc := range h.services.List() {
		if svc.Namespace == p.Namespace && svc.Spec.Selector != nil && api.SelectorFromSet(svc.Spec.Selector).Matches(p.Labels) {
			for k, v := range svc.Spec.Selector {
				ls.MatchLabels[k] = v
			}
		}
	}
	owner := controllerOf(p)
	if owner == nil {
		return selectorOrNothing(ls)
	}
	switch owner.APIVersion + "/" + owner.Kind {
	case "v1/ReplicationController":
		if rc, ok := h.controllers.Get(p.Namespace, owner.Name); ok {
			for k, v := range rc.Spec.Selector {
				ls.MatchLabels[k] = v
			}
		}
	case "apps/v1/ReplicaSet":
		if rs, ok := h.replicaSets.Get(p.Namespace, owner.Name); ok {
			addRequirements(ls, rs.Spec.Selector)
		}
	case "apps/v1/StatefulSet":
		if ss, ok := h.statefulSets.Get(p.Namespace, owner.Name); ok {
			addRequirements(ls, ss.Spec.Selector)
		}
	}
	return selectorOrNothing(ls)
}

// addRequirements adds a controller's selector to ls as requirements,
// as selector.Add does.
func addRequirements(ls *api.LabelSelector, sel *api.LabelSelector) {
	if sel == nil {
		return
	}
	for k, v := range sel.MatchLabels {
		ls.MatchExpressions = append(ls.MatchExpressions, api.LabelSelectorRequirement{Key: k, Operator: "In", Values: []string{v}})
	}
	ls.MatchExpressions = append(ls.MatchExpressions, sel.MatchExpressions...)
}

func controllerOf(p *api.Pod) *api.OwnerReference {
	for i, o := range p.OwnerReferences {
		if api.Deref(o.Controller, false) {
			return &p.OwnerReferences[i]
		}
	}
	return nil
}

// claim returns a claim, as the binder's assume cache sees it.
func (h *handle) claim(ns, name string) (*api.PersistentVolumeClaim, bool) {
	key := client.Key(ns, name)
	pvc, ok := h.claims.Get(ns, name)
	if a, has := h.assumedPVCs[key]; has {
		if ok && a.baseRV == pvc.ResourceVersion {
			return a.obj, true
		}
		delete(h.assumedPVCs, key)
	}
	return pvc, ok
}

func (h *handle) volume(name string) (*api.PersistentVolume, bool) {
	pv, ok := h.volumes.Get("", name)
	if a, has := h.assumedPVs[name]; has {
		if ok && a.baseRV == pv.ResourceVersion {
			return a.obj, true
		}
		delete(h.assumedPVs, name)
	}
	return pv, ok
}

// volumesOfClass lists the volumes of a class, by name.
func (h *handle) volumesOfClass(class string) []*api.PersistentVolume {
	var out []*api.PersistentVolume
	for _, pv := range h.volumes.List() {
		if v, _ := h.volume(pv.Name); v != nil && volumeClass(v) == class {
			out = append(out, v)
		}
	}
	return out
}

// delayBinding is IsDelayBindingMode: whether the claim's class waits for
// the first consumer; a claim without a class, or whose class does not
// exist, binds immediately.
func (h *handle) delayBinding(pvc *api.PersistentVolumeClaim) (bool, error) {
	name := claimClass(pvc)
	if name == "" {
		return false, nil
	}
	class, ok := h.classes.Get("", name)
	if !ok {
		return false, nil
	}
	if class.VolumeBindingMode == nil {
		return false, fmt.Errorf("VolumeBindingMode not set for StorageClass %q", name)
	}
	return *class.VolumeBindingMode == waitForConsumer, nil
}

// provisionsOn is checkVolumeProvisions for one claim: its class has a
// provisioner whose allowed topologies include the node.
func (h *handle) provisionsOn(pvc *api.PersistentVolumeClaim, n *api.Node) bool {
	class, ok := h.classes.Get("", claimClass(pvc))
	if !ok || class.Provisioner == "" || class.Provisioner == noProvisioner {
		return false
	}
	return matchesTopology(class.AllowedTopologies, n.Labels)
}

// matchesTopology is MatchTopologySelectorTerms: no terms match anything.
func matchesTopology(terms []api.TopologySelectorTerm, labels map[string]string) bool {
	if len(terms) == 0 {
		return true
	}
	for _, t := range terms {
		if topologyTermMatches(t, labels) {
			return true
		}
	}
	return false
}

func topologyTermMatches(t api.TopologySelectorTerm, labels map[string]string) bool {
	for _, r := range t.MatchLabelExpressions {
		if v, ok := labels[r.Key]; !ok || !contains(r.Values, v) {
			return false
		}
	}
	return true
}

// revision reads an object's resource version as a number, to compare.
func revision(rv string) int64 {
	n, _ := strconv.ParseInt(rv, 10, 64)
	return n
}
