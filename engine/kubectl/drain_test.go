package kubectl

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// nodeFixture is describe's fixture with two nodes; a stand-in kubelet
// removes pods once their grace period is over, and the host lets virtual
// time jump as `kubeplay shell` does.
type nodeFixture struct{ *describeFixture }

func newNodeFixture(t *testing.T) *nodeFixture {
	f := &nodeFixture{newDescribeFixture(t)}
	for _, name := range []string{"node01", "node02"} {
		create(f.describeFixture, &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}, nil)
	}
	f.removeDeletedPods()
	return f
}

// removeDeletedPods plays the kubelets: a pod being deleted goes when its
// grace period is over.
func (f *nodeFixture) removeDeletedPods() {
	pods := api.ResourceFor(&api.Pod{})
	_, err := f.c.Watch(pods, "", apiserver.ListOptions{}, func(ev apiserver.WatchEvent) {
		p := ev.Object.(*api.Pod)
		if ev.Type != apiserver.Modified || p.DeletionTimestamp == nil {
			return
		}
		f.l.After(p.DeletionTimestamp.Sub(f.l.Now()), func() {
			_, _ = f.c.Delete(pods, p.Namespace, p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0)), PreconditionUID: p.UID})
		})
	})
	require.NoError(f.t, err)
}

// pod creates a running pod on a node; owner is "ReplicaSet/web",
// "DaemonSet/proxy" or "" for none.
func (f *nodeFixture) pod(ns, name, node, owner string, change ...func(*api.Pod)) {
	f.t.Helper()
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	if kind, oname, ok := strings.Cut(owner, "/"); ok {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: oname, UID: "uid-" + oname, Controller: api.Ptr(true)}}
	}
	for _, c := range change {
		c(p)
	}
	create(f.describeFixture, p, func(p *api.Pod) {
		p.Status.Phase = api.PodRunning
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}
	})
}

// budget creates PodDisruptionBudget web allowing n disruptions, as its
// controller would have computed.
func (f *nodeFixture) budget(n int32) {
	f.t.Helper()
	pdb := create(f.describeFixture, &api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.PodDisruptionBudgetSpec{MinAvailable: api.Ptr(api.FromInt(1)), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}, nil)
	f.allow(pdb, n)
}

func (f *nodeFixture) allow(pdb *api.PodDisruptionBudget, n int32) {
	f.t.Helper()
	cur, err := client.Get[*api.PodDisruptionBudget](f.c, pdb.Namespace, pdb.Name)
	require.NoError(f.t, err)
	upd := api.Clone(cur)
	upd.Status = api.PodDisruptionBudgetStatus{ObservedGeneration: cur.Generation, DisruptionsAllowed: n, CurrentHealthy: 2, DesiredHealthy: 1, ExpectedPods: 2}
	_, err = client.UpdateStatus(f.c, upd)
	require.NoError(f.t, err)
}

// jumpHost runs the loop while a command waits, as the native session.
type jumpHost struct{ l *loop.Loop }

func (h jumpHost) ReadFile(name string) ([]byte, error) { return nil, errors.New("no files") }

func (h jumpHost) Wait(ctx context.Context, timeout time.Duration, cond func() bool) error {
	limit := h.l.Now().Add(timeout)
	if h.l.RunUntil(func() bool { return ctx.Err() != nil || cond() }, limit) {
		if ctx.Err() != nil {
			return context.Canceled
		}
		return nil
	}
	h.l.AdvanceTo(limit)
	if ctx.Err() != nil {
		return context.Canceled
	}
	if cond() {
		return nil
	}
	return ErrTimeout
}

// run runs a kubectl command line, waiting as the native session does.
func (f *nodeFixture) run(ctx context.Context, line string) string {
	return f.kubectlOn(ctx, jumpHost{f.l}, "", strings.Fields(line)...)
}

func TestDrain(t *testing.T) {
	const refused = `error when evicting pods/"web-b" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.` + "\n"
	tests := []struct {
		name    string
		setup   func(f *nodeFixture)
		cancel  time.Duration // Ctrl-C after this long
		line    string
		want    string
		elapsed time.Duration
	}{{
		name: "retries until the budget allows",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-a", "node01", "ReplicaSet/web")
			f.pod("default", "web-b", "node01", "ReplicaSet/web")
			f.pod("default", "web-c", "node02", "ReplicaSet/web")
			f.budget(1)
			pdb, _ := client.Get[*api.PodDisruptionBudget](f.c, "default", "web")
			f.l.After(3*time.Second, func() { f.allow(pdb, 1) })
		},
		line: "drain node01 --grace-period=2",
		want: "node/node01 cordoned\nevicting pod default/web-a\nevicting pod default/web-b\npod/web-a evicted\nevicting pod default/web-b\npod/web-b evicted\nnode/node01 drained\n" +
			"--- stderr\n" + refused,
		elapsed: 7 * time.Second,
	}, {
		name: "Ctrl-C stops the retries",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-b", "node01", "ReplicaSet/web")
			f.budget(0)
		},
		cancel:  12 * time.Second,
		line:    "drain node01",
		want:    "node/node01 cordoned\nevicting pod default/web-b\nevicting pod default/web-b\nevicting pod default/web-b\n--- stderr\n" + refused + refused + refused + "[exit 130]\n",
		elapsed: 12 * time.Second,
	}, {
		name: "deleting ignores the budget",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-a", "node01", "ReplicaSet/web")
			f.pod("default", "web-b", "node01", "ReplicaSet/web")
			f.budget(0)
		},
		line:    "drain node01 --disable-eviction --grace-period=3",
		want:    "node/node01 cordoned\npod/web-a deleted\npod/web-b deleted\nnode/node01 drained\n",
		elapsed: 3 * time.Second,
	}, {
		name: "refusals",
		setup: func(f *nodeFixture) {
			create(f.describeFixture, &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "proxy", Namespace: "kube-system"}, Spec: api.DaemonSetSpec{
				Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "proxy"}},
				Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "proxy"}}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}}}, nil)
			f.pod("default", "bare", "node01", "")
			f.pod("default", "cache", "node01", "ReplicaSet/cache", func(p *api.Pod) {
				p.Spec.Volumes = []api.Volume{{Name: "tmp", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
			})
			f.pod("kube-system", "proxy-x", "node01", "DaemonSet/proxy")
			f.pod("kube-system", "ghost-x", "node01", "DaemonSet/ghost")
		},
		line: "drain node01",
		want: "node/node01 cordoned\n--- stderr\n" +
			`error: unable to drain node "node01" due to error: [cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache, cannot delete daemonsets.apps "ghost" not found: kube-system/ghost-x, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/proxy-x], continuing command...` + "\n" +
			"There are pending nodes to be drained:\n node01\n" +
			"cannot delete Pods that declare no controller (use --force to override): default/bare\n" +
			"cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache\n" +
			`cannot delete daemonsets.apps "ghost" not found: kube-system/ghost-x` + "\n" +
			"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/proxy-x\n[exit 1]\n",
	}, {
		name: "forced",
		setup: func(f *nodeFixture) {
			f.pod("default", "bare", "node01", "")
			f.pod("kube-system", "ghost-x", "node01", "DaemonSet/ghost")
			f.pod("kube-system", "mirror", "node01", "", func(p *api.Pod) { p.Annotations = map[string]string{apiserver.MirrorPodAnnotation: "x"} })
		},
		line: "drain node01 --force --grace-period=0",
		// The missing DaemonSet's warning is overwritten by the filters
		// after it, as upstream's.
		want: "node/node01 cordoned\nevicting pod default/bare\npod/bare evicted\nevicting pod kube-system/ghost-x\npod/ghost-x evicted\nnode/node01 drained\n" +
			"--- stderr\nWarning: deleting Pods that declare no controller: default/bare\n",
	}, {
		name: "only the selected pods",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-a", "node01", "ReplicaSet/web")
			f.pod("default", "other", "node01", "ReplicaSet/other", func(p *api.Pod) { p.Labels = map[string]string{"app": "other"} })
		},
		line: "drain -l kubernetes.io/hostname=node01 --pod-selector=app=web --grace-period=0",
		want: "node/node01 cordoned\nevicting pod default/web-a\npod/web-a evicted\nnode/node01 drained\n",
	}, {
		name: "a pod that takes too long to go",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-a", "node01", "ReplicaSet/web")
		},
		line: "drain node01 --timeout=5s",
		want: "node/node01 cordoned\nevicting pod default/web-a\n--- stderr\n" +
			"There are pending pods in node \"node01\" when an error occurred: error when waiting for pod \"web-a\" in namespace \"default\" to terminate: global timeout reached: 5s\npod/web-a\n" +
			"error: unable to drain node \"node01\" due to error: error when waiting for pod \"web-a\" in namespace \"default\" to terminate: global timeout reached: 5s, continuing command...\n" +
			"There are pending nodes to be drained:\n node01\n" +
			"error when waiting for pod \"web-a\" in namespace \"default\" to terminate: global timeout reached: 5s\n[exit 1]\n",
		elapsed: 5 * time.Second,
	}, {
		name: "a pod long in deletion is not waited for",
		setup: func(f *nodeFixture) {
			f.pod("default", "web-a", "node01", "ReplicaSet/web", func(p *api.Pod) { p.Finalizers = []string{"example.com/hold"} })
		},
		line:    "drain node01 --grace-period=0 --skip-wait-for-delete-timeout=10",
		want:    "node/node01 cordoned\nevicting pod default/web-a\npod \"web-a\" has DeletionTimestamp older than 10 seconds, skipping\nnode/node01 drained\n",
		elapsed: 11 * time.Second,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newNodeFixture(t)
			tt.setup(f)
			f.l.RunUntilIdle()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel > 0 {
				f.l.After(tt.cancel, cancel)
			}
			start := f.l.Now()
			assert.Equal(t, tt.want, f.run(ctx, tt.line))
			assert.Equal(t, tt.elapsed, f.l.Now().Sub(start))
		})
	}
}
