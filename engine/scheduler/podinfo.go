package scheduler

import (
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// podInfo is a pod with what the plugins read from it again and again,
// computed once, as framework.PodInfo: its requests and parsed
// inter-pod affinity terms.
type podInfo struct {
	pod      *api.Pod
	key      string
	priority int32
	req      Resource // for NodeResourcesFit and the node's Requested
	nonZero  Resource // with the default requests, for the node's NonZeroRequested
	ports    []api.ContainerPort
	claims   []string // the PersistentVolumeClaims it mounts, "namespace/name"
	images   []string // its containers' images, as ImageLocality names them

	requiredAffinity      []affinityTerm
	requiredAntiAffinity  []affinityTerm
	preferredAffinity     []weightedTerm
	preferredAntiAffinity []weightedTerm
}

// affinityTerm is a parsed PodAffinityTerm, as framework.AffinityTerm.
type affinityTerm struct {
	namespaces  []string
	selector    api.Selector
	nsSelector  api.Selector
	topologyKey string
}

type weightedTerm struct {
	affinityTerm
	weight int64
}

func newPodInfo(p *api.Pod) *podInfo {
	pi := &podInfo{
		pod: p, key: client.KeyOf(p), priority: podPriority(p),
		req: podRequests(p, false), nonZero: podRequests(p, true),
		ports: hostPorts(p), claims: podClaims(p), images: podImages(p),
	}
	pi.parseAffinity()
	return pi
}

// podPriority is corev1helpers.PodPriority: the admitted priority, or 0.
func podPriority(p *api.Pod) int32 { return api.Deref(p.Spec.Priority, 0) }

func (pi *podInfo) parseAffinity() {
	a := pi.pod.Spec.Affinity
	if a == nil {
		return
	}
	if pa := a.PodAffinity; pa != nil {
		pi.requiredAffinity = pi.terms(pa.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.preferredAffinity = pi.weightedTerms(pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		pi.requiredAntiAffinity = pi.terms(pa.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.preferredAntiAffinity = pi.weightedTerms(pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
}

func (pi *podInfo) terms(in []api.PodAffinityTerm) []affinityTerm {
	var out []affinityTerm
	for i := range in {
		out = append(out, pi.newTerm(&in[i]))
	}
	return out
}

func (pi *podInfo) weightedTerms(in []api.WeightedPodAffinityTerm) []weightedTerm {
	var out []weightedTerm
	for i := range in {
		out = append(out, weightedTerm{affinityTerm: pi.newTerm(&in[i].PodAffinityTerm), weight: int64(in[i].Weight)})
	}
	return out
}

// newTerm parses a term as framework.newAffinityTerm: no namespaces and no
// namespace selector mean the pod's own namespace; matchLabelKeys and
// mismatchLabelKeys join the selector with the pod's own label values, as
// kube-apiserver does when it admits the pod.
func (pi *podInfo) newTerm(t *api.PodAffinityTerm) affinityTerm {
	at := affinityTerm{namespaces: t.Namespaces, topologyKey: t.TopologyKey}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		at.namespaces = []string{pi.pod.Namespace}
	}
	at.selector = selectorOrNothing(withLabelKeys(t.LabelSelector, t.MatchLabelKeys, t.MismatchLabelKeys, pi.pod.Labels))
	at.nsSelector = selectorOrNothing(t.NamespaceSelector)
	return at
}

// withLabelKeys returns sel with a requirement per key of the pod's labels
// named in match (In) and mismatch (NotIn); a nil selector stays nil.
func withLabelKeys(sel *api.LabelSelector, match, mismatch []string, labels map[string]string) *api.LabelSelector {
	if sel == nil || len(match)+len(mismatch) == 0 {
		return sel
	}
	out := api.Clone(sel)
	for _, keys := range []struct {
		op   string
		keys []string
	}{{"In", match}, {"NotIn", mismatch}} {
		for _, k := range keys.keys {
			if v, ok := labels[k]; ok {
				out.MatchExpressions = append(out.MatchExpressions, api.LabelSelectorRequirement{Key: k, Operator: keys.op, Values: []string{v}})
			}
		}
	}
	return out
}

// selectorOrNothing converts a label selector; one that does not parse
// matches nothing.
func selectorOrNothing(ls *api.LabelSelector) api.Selector {
	sel, err := api.SelectorFromLabelSelector(ls)
	if err != nil {
		return api.Nothing()
	}
	return sel
}

// matches is AffinityTerm.Matches: the pod is in one of the term's
// namespaces (or one its namespace selector picks) and has its labels.
func (t *affinityTerm) matches(p *api.Pod, nsLabels map[string]string) bool {
	if slices.Contains(t.namespaces, p.Namespace) || t.nsSelector.Matches(nsLabels) {
		return t.selector.Matches(p.Labels)
	}
	return false
}

func (pi *podInfo) hasAffinity() bool {
	a := pi.pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func (pi *podInfo) hasRequiredAntiAffinity() bool { return len(pi.requiredAntiAffinity) > 0 }

// hostPorts is schedutil.GetHostPorts: the ports of every container that
// ask for a host port.
func hostPorts(p *api.Pod) []api.ContainerPort {
	var out []api.ContainerPort
	for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			for _, port := range c.Ports {
				if port.HostPort > 0 {
					out = append(out, port)
				}
			}
		}
	}
	return out
}

// podClaims lists the claims a pod's volumes use: persistentVolumeClaim
// volumes and the claims of generic ephemeral volumes.
func podClaims(p *api.Pod) []string {
	var out []string
	for i := range p.Spec.Volumes {
		if name := claimName(p, &p.Spec.Volumes[i]); name != "" {
			out = append(out, client.Key(p.Namespace, name))
		}
	}
	return out
}

// claimName is the claim a volume uses, "" for other volumes; an ephemeral
// volume's claim is named after the pod and the volume.
func claimName(p *api.Pod, v *api.Volume) string {
	switch {
	case v.PersistentVolumeClaim != nil:
		return v.PersistentVolumeClaim.ClaimName
	case v.Ephemeral != nil:
		return p.Name + "-" + v.Name
	}
	return ""
}

// podImages lists the images of the init and app containers, normalized
// as ImageLocality looks them up.
func podImages(p *api.Pod) []string {
	out := make([]string, 0, len(p.Spec.InitContainers)+len(p.Spec.Containers))
	for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			out = append(out, normalizedImageName(c.Image))
		}
	}
	return out
}

// withPod returns a copy of pi for another version of the same pod whose
// spec and labels did not change, without parsing it again.
func (pi *podInfo) withPod(p *api.Pod) *podInfo {
	c := *pi
	c.pod = p
	return &c
}
