package statefulset

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// Labels a StatefulSet's pods carry, as upstream.
const (
	// PodNameLabel names the pod, so that a Service can select one member.
	PodNameLabel = "statefulset.kubernetes.io/pod-name"
	// PodIndexLabel is the pod's ordinal (PodIndexLabel is GA).
	PodIndexLabel = "apps.kubernetes.io/pod-index"
	// RevisionLabel names the ControllerRevision the pod was made from.
	RevisionLabel = "controller-revision-hash"
)

// statefulPodRegex splits a pod name into its set's name and ordinal.
var statefulPodRegex = regexp.MustCompile("(.*)-([0-9]+)$")

// parentAndOrdinal returns the set name and ordinal a pod's name carries;
// a name without an ordinal gives "" and -1.
func parentAndOrdinal(p *api.Pod) (string, int) {
	m := statefulPodRegex.FindStringSubmatch(p.Name)
	if len(m) < 3 {
		return "", -1
	}
	i, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return m[1], -1
	}
	return m[1], int(i)
}

func ordinalOf(p *api.Pod) int {
	_, ord := parentAndOrdinal(p)
	return ord
}

// isMemberOf reports whether a pod's name makes it one of set's pods.
func isMemberOf(set *api.StatefulSet, p *api.Pod) bool {
	parent, _ := parentAndOrdinal(p)
	return parent == set.Name
}

// startOrdinal is the first ordinal, spec.ordinals.start or 0.
func startOrdinal(set *api.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func replicasOf(set *api.StatefulSet) int { return int(api.Deref(set.Spec.Replicas, 1)) }

// endOrdinal is the last ordinal (inclusive).
func endOrdinal(set *api.StatefulSet) int { return startOrdinal(set) + replicasOf(set) - 1 }

// inOrdinalRange reports whether the set still wants the pod's ordinal.
func inOrdinalRange(p *api.Pod, set *api.StatefulSet) bool {
	ord := ordinalOf(p)
	return ord >= startOrdinal(set) && ord <= endOrdinal(set)
}

// PodName is the name of set's pod with the given ordinal.
func PodName(set *api.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

// ClaimName is the name of the claim made from template for a pod's ordinal.
func ClaimName(set *api.StatefulSet, template *api.PersistentVolumeClaim, ordinal int) string {
	return fmt.Sprintf("%s-%s-%d", template.Name, set.Name, ordinal)
}

// identityMatches reports whether a pod has the name, namespace and
// pod-name label of a member of set.
func identityMatches(set *api.StatefulSet, p *api.Pod) bool {
	parent, ord := parentAndOrdinal(p)
	return ord >= 0 && parent == set.Name && p.Name == PodName(set, ord) &&
		p.Namespace == set.Namespace && p.Labels[PodNameLabel] == p.Name
}

// storageMatches reports whether a pod's volumes use its ordinal's claims.
func storageMatches(set *api.StatefulSet, p *api.Pod) bool {
	ord := ordinalOf(p)
	if ord < 0 {
		return false
	}
	volumes := map[string]api.Volume{}
	for _, v := range p.Spec.Volumes {
		volumes[v.Name] = v
	}
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		v, ok := volumes[t.Name]
		if !ok || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != ClaimName(set, t, ord) {
			return false
		}
	}
	return true
}

// claimsFor returns the claims a pod of set needs, in template order: each
// template named for the ordinal, labelled with the selector's matchLabels.
func claimsFor(set *api.StatefulSet, p *api.Pod) []*api.PersistentVolumeClaim {
	ord := ordinalOf(p)
	var out []*api.PersistentVolumeClaim
	for i := range set.Spec.VolumeClaimTemplates {
		c := api.Clone(&set.Spec.VolumeClaimTemplates[i])
		c.Name = ClaimName(set, &set.Spec.VolumeClaimTemplates[i], ord)
		c.Namespace = set.Namespace
		if set.Spec.Selector != nil && len(set.Spec.Selector.MatchLabels) > 0 {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			for k, v := range set.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// updateStorage points a pod's volumes at its claims; the template's other
// volumes follow them.
func updateStorage(set *api.StatefulSet, p *api.Pod) {
	claims := claimsFor(set, p)
	fromTemplate := map[string]bool{}
	var volumes []api.Volume
	for i, c := range claims {
		name := set.Spec.VolumeClaimTemplates[i].Name
		fromTemplate[name] = true
		volumes = append(volumes, api.Volume{Name: name, VolumeSource: api.VolumeSource{
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: c.Name},
		}})
	}
	for _, v := range p.Spec.Volumes {
		if !fromTemplate[v.Name] {
			volumes = append(volumes, v)
		}
	}
	p.Spec.Volumes = volumes
}

// updateIdentity gives a pod its name, namespace and identity labels.
func updateIdentity(set *api.StatefulSet, p *api.Pod) {
	ord := ordinalOf(p)
	p.Name = PodName(set, ord)
	p.Namespace = set.Namespace
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[PodNameLabel] = p.Name
	p.Labels[PodIndexLabel] = strconv.Itoa(ord)
}

// initIdentity is updateIdentity plus the hostname and subdomain, which a
// pod gets only when it is made: with them the governing Service gives it
// the DNS name <pod>.<service>.<namespace>.svc.cluster.local.
func initIdentity(set *api.StatefulSet, p *api.Pod) {
	updateIdentity(set, p)
	p.Spec.Hostname = p.Name
	p.Spec.Subdomain = set.Spec.ServiceName
}

// newPod returns set's pod for an ordinal, not yet created.
func newPod(set *api.StatefulSet, ordinal int) *api.Pod {
	p := controller.PodFromTemplate(&set.Spec.Template, set, set.Name+"-")
	p.Name = PodName(set, ordinal)
	initIdentity(set, p)
	updateStorage(set, p)
	return p
}

// newVersionedPod returns the pod for an ordinal at the revision it should
// have: ordinals below the partition keep the current revision.
func newVersionedPod(currentSet, updateSet *api.StatefulSet, currentRevision, updateRevision string, ordinal int) *api.Pod {
	ru := currentSet.Spec.UpdateStrategy.RollingUpdate
	start := startOrdinal(currentSet)
	if currentSet.Spec.UpdateStrategy.Type == "RollingUpdate" && ru == nil && ordinal < start+int(currentSet.Status.CurrentReplicas) ||
		ru != nil && ordinal < start+int(api.Deref(ru.Partition, 0)) {
		p := newPod(currentSet, ordinal)
		setRevision(p, currentRevision)
		return p
	}
	p := newPod(updateSet, ordinal)
	setRevision(p, updateRevision)
	return p
}

func setRevision(p *api.Pod, revision string) {
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[RevisionLabel] = revision
}

func revisionOf(p *api.Pod) string { return p.Labels[RevisionLabel] }

// sortByOrdinal sorts pods by ordinal, descending if asked.
func sortByOrdinal(pods []*api.Pod, descending bool) {
	sort.SliceStable(pods, func(i, j int) bool {
		if descending {
			return ordinalOf(pods[i]) > ordinalOf(pods[j])
		}
		return ordinalOf(pods[i]) < ordinalOf(pods[j])
	})
}

// Pod health, as the controller judges it.

func isCreated(p *api.Pod) bool     { return p.Status.Phase != "" }
func isPending(p *api.Pod) bool     { return p.Status.Phase == api.PodPending }
func isFailed(p *api.Pod) bool      { return p.Status.Phase == api.PodFailed }
func isSucceeded(p *api.Pod) bool   { return p.Status.Phase == api.PodSucceeded }
func isTerminating(p *api.Pod) bool { return p.DeletionTimestamp != nil }

func isRunningAndReady(p *api.Pod) bool {
	return p.Status.Phase == api.PodRunning && controller.IsPodReady(p)
}

func allowsBurst(set *api.StatefulSet) bool { return set.Spec.PodManagementPolicy == "Parallel" }
