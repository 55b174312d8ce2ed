package scheduler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Tests of the plugins that look at other pods: InterPodAffinity and
// PodTopologySpread; and of VolumeBinding.

func zoned(name, z string, pods ...*api.Pod) *nodeInfo {
	return nodeInfoFor(node(name, "4", "8Gi", zone(z)), pods...)
}

func web(name string, opts ...podOpt) *api.Pod {
	return pod(name, append([]podOpt{labels("app", "web")}, opts...)...)
}

var webSel = map[string]string{"app": "web"}

func TestInterPodAffinityFilter(t *testing.T) {
	h := env(zoned("a1", "a", web("w1")), zoned("a2", "a"), zoned("b1", "b"))
	tests := []struct {
		name string
		pod  *api.Pod
		want map[string]string // node -> reason, "" to fit
	}{
		{"affinity to a zone with web", pod("p", affinity(labelZone, webSel)),
			map[string]string{"a1": "", "a2": "", "b1": errAffinityNotMatch}},
		{"anti-affinity by zone", pod("p", antiAffinity(labelZone, webSel)),
			map[string]string{"a1": errAntiAffinityNotMatch, "a2": errAntiAffinityNotMatch, "b1": ""}},
		{"anti-affinity by host", pod("p", antiAffinity(labelHostname, webSel)),
			map[string]string{"a1": errAntiAffinityNotMatch, "a2": "", "b1": ""}},
		{"the first of a group with affinity to itself", web("w2", affinity(labelZone, map[string]string{"app": "web", "tier": "x"}), labels("tier", "x")),
			map[string]string{"a1": "", "a2": "", "b1": ""}},
		{"pods of another namespace do not count", pod("p", func(p *api.Pod) { p.Namespace = "other" }, affinity(labelZone, webSel)),
			map[string]string{"a1": errAffinityNotMatch, "a2": errAffinityNotMatch, "b1": errAffinityNotMatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for node, reason := range tt.want {
				st := verdict(t, h, tt.pod, "InterPodAffinity", node)
				if reason == "" {
					assert.True(t, st.IsSuccess(), "%s: %v", node, st)
				} else {
					assert.Equal(t, []string{reason}, st.Reasons, node)
				}
			}
		})
	}
	t.Run("existing pods' anti-affinity", func(t *testing.T) {
		h := env(zoned("a1", "a", pod("db", labels("app", "db"), antiAffinity(labelZone, webSel))), zoned("b1", "b"))
		assert.Equal(t, []string{errExistingAntiAffinityRule}, verdict(t, h, web("w"), "InterPodAffinity", "a1").Reasons)
		assert.Nil(t, verdict(t, h, web("w"), "InterPodAffinity", "b1"))
		assert.Nil(t, verdict(t, h, pod("other"), "InterPodAffinity", "a1"), "skipped: nothing to check")
	})
}

func TestInterPodAffinityScore(t *testing.T) {
	preferred := func(anti bool, weight int32) podOpt {
		return func(p *api.Pod) {
			ensureAffinity(p)
			terms := []api.WeightedPodAffinityTerm{{Weight: weight, PodAffinityTerm: api.PodAffinityTerm{
				TopologyKey: labelZone, LabelSelector: &api.LabelSelector{MatchLabels: webSel},
			}}}
			if anti {
				p.Spec.Affinity.PodAntiAffinity = &api.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}
			} else {
				p.Spec.Affinity.PodAffinity = &api.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}
			}
		}
	}
	h := env(zoned("a1", "a", web("w1"), web("w2")), zoned("b1", "b", web("w3")), zoned("c1", "c"))
	assert.Equal(t, []int64{100, 50, 0}, scores(t, h, pod("p", preferred(false, 10)), "InterPodAffinity"))
	assert.Equal(t, []int64{0, 50, 100}, scores(t, h, pod("p", preferred(true, 10)), "InterPodAffinity"))
	// An existing pod's required affinity to the pod counts with weight 1.
	h = env(zoned("a1", "a", pod("x", affinity(labelZone, webSel))), zoned("b1", "b"))
	assert.Equal(t, []int64{100, 0}, scores(t, h, web("w"), "InterPodAffinity"))
	assert.Nil(t, scores(t, env(zoned("a1", "a")), web("w"), "InterPodAffinity"), "skipped without terms")
}

func TestPodTopologySpreadFilter(t *testing.T) {
	h := env(zoned("a1", "a", web("w1"), web("w2")), zoned("b1", "b", web("w3")), zoned("c1", "c"))
	tests := []struct {
		name string
		pod  *api.Pod
		fits []string
	}{
		{"maxSkew 1 fills the emptiest zone", web("p", spread(labelZone, 1, doNotSchedule, webSel)), []string{"c1"}},
		{"maxSkew 2", web("p", spread(labelZone, 2, doNotSchedule, webSel)), []string{"b1", "c1"}},
		{"a pod the selector does not pick counts for nothing", pod("p", spread(labelZone, 1, doNotSchedule, webSel)), []string{"b1", "c1"}},
		{"minDomains above the domains makes the minimum 0", web("p", spread(labelZone, 2, doNotSchedule, webSel), func(p *api.Pod) {
			p.Spec.TopologySpreadConstraints[0].MinDomains = api.Ptr(int32(4))
		}), []string{"b1", "c1"}},
		{"ScheduleAnyway does not filter", web("p", spread(labelZone, 1, scheduleAnyway, webSel)), []string{"a1", "b1", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fits []string
			for _, n := range []string{"a1", "b1", "c1"} {
				if st := verdict(t, h, tt.pod, "PodTopologySpread", n); st.IsSuccess() {
					fits = append(fits, n)
				} else {
					assert.Equal(t, &Status{Code: Unschedulable, Reasons: []string{errSpreadNotMatch}}, st)
				}
			}
			assert.Equal(t, tt.fits, fits)
		})
	}
	t.Run("nodeTaintsPolicy Honor leaves tainted nodes' domains out", func(t *testing.T) {
		h := env(zoned("a1", "a", web("w1")), nodeInfoFor(node("b1", "4", "8Gi", zone("b"), taint("k", "v", api.TaintNoSchedule))))
		p := web("p", spread(labelZone, 1, doNotSchedule, webSel))
		assert.Equal(t, []string{errSpreadNotMatch}, verdict(t, h, p, "PodTopologySpread", "a1").Reasons, "b counts as an empty domain")
		p.Spec.TopologySpreadConstraints[0].NodeTaintsPolicy = api.Ptr("Honor")
		assert.Nil(t, verdict(t, h, p, "PodTopologySpread", "a1"), "only a counts")
	})
}

func TestPodTopologySpreadScore(t *testing.T) {
	h := env(zoned("a1", "a", web("w1"), web("w2")), zoned("b1", "b", web("w3")), zoned("c1", "c"))
	// Counts 2, 1, 0 weighted by log(3+2), plus maxSkew-1: 3, 2 and 0,
	// reversed between the lowest and the highest.
	assert.Equal(t, []int64{0, 33, 100}, scores(t, h, web("p", spread(labelZone, 1, scheduleAnyway, webSel)), "PodTopologySpread"))
	assert.Nil(t, scores(t, h, web("p"), "PodTopologySpread"), "no constraints and no owner: skipped")
}

// A ReplicaSet's pods without constraints get the system's default
// spreading: they go to the nodes with fewer of them.
func TestDefaultSpreadingForControllerPods(t *testing.T) {
	f := newFixture(t, node("node01", "4", "8Gi", zone("a")), node("node02", "4", "8Gi", zone("b")))
	rs, err := client.Create(f.c, &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ReplicaSetSpec{Selector: &api.LabelSelector{MatchLabels: webSel}, Template: api.PodTemplateSpec{
			ObjectMeta: api.ObjectMeta{Labels: webSel}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
		}},
	})
	require.NoError(t, err)
	owned := func(p *api.Pod) {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: rs.UID, Controller: api.Ptr(true)}}
	}
	f.create(web("w0", onNode("node01"), owned))
	f.create(web("w1", onNode("node01"), owned))
	f.settle()
	for _, name := range []string{"w2", "w3"} {
		f.create(web(name, owned))
		f.settle()
		assert.Equal(t, "node02", f.pod(name).Spec.NodeName, name)
	}
	e, err := f.sched.Explain("default", "w3")
	require.NoError(t, err)
	assert.False(t, e.ScorePlugins[3].Skipped)
	assert.Equal(t, "PodTopologySpread", e.ScorePlugins[3].Plugin)
}

// claim is a 1Gi ReadWriteOnce claim of the class.
func claim(name, class string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteOnce"}, StorageClassName: api.Ptr(class),
			Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}}},
	}
}

func TestVolumeBindingWaitsForFirstConsumer(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi", zone("a")), node("node02", "2", "4Gi", zone("b")))
	f.create(&api.StorageClass{
		ObjectMeta: api.ObjectMeta{Name: "zonal"}, Provisioner: "example.com/disk", VolumeBindingMode: api.Ptr(waitForConsumer),
		AllowedTopologies: []api.TopologySelectorTerm{{MatchLabelExpressions: []api.TopologySelectorLabelRequirement{{Key: labelZone, Values: []string{"b"}}}}},
	})
	f.create(claim("data", "zonal"))
	f.create(pod("db", claimVolume("data")))
	f.settle()

	// The scheduler picked the node the class can provision in, told the
	// provisioner, and waits.
	pvc, err := client.Get[*api.PersistentVolumeClaim](f.c, "default", "data")
	require.NoError(t, err)
	assert.Equal(t, "node02", pvc.Annotations[annSelectedNode])
	assert.Empty(t, f.pod("db").Spec.NodeName)
	assert.Equal(t, "node02", f.pod("db").Status.NominatedNodeName)

	// The volume controller binds the claim: the pod is bound.
	pvc = api.Clone(pvc)
	pvc.Spec.VolumeName = "pv-1"
	pvc.Annotations[annBindCompleted] = "yes"
	_, err = client.Update(f.c, pvc)
	require.NoError(t, err)
	f.settle()
	assert.Equal(t, "node02", f.pod("db").Spec.NodeName)
	assert.Empty(t, f.pod("db").Status.NominatedNodeName)
}

func TestVolumeBindingFilter(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi", zone("a")))
	f.create(&api.StorageClass{ObjectMeta: api.ObjectMeta{Name: "local"}, Provisioner: noProvisioner, VolumeBindingMode: api.Ptr(waitForConsumer)})
	f.create(claim("data", "local"))
	f.create(pod("db", claimVolume("data")))
	f.settle()
	assert.Equal(t, "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind. "+
		"preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", f.condition("db").Message)
}

func TestSchedulingGates(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi"))
	f.create(pod("gated", func(p *api.Pod) { p.Spec.SchedulingGates = []api.PodSchedulingGate{{Name: "example.com/quota"}} }))
	f.settle()
	c := f.condition("gated")
	assert.Equal(t, "SchedulingGated", c.Reason)
	assert.Equal(t, "Scheduling is blocked due to non-empty scheduling gates", c.Message)
	assert.Empty(t, f.events("gated", "FailedScheduling"))

	p := api.Clone(f.pod("gated"))
	p.Spec.SchedulingGates = nil
	_, err := client.Update(f.c, p)
	require.NoError(t, err)
	f.settle()
	assert.Equal(t, "node01", f.pod("gated").Spec.NodeName)
}
