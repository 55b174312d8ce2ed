package daemonset

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
	"github.com/kubeplay/kubeplay/engine/controller/garbagecollector"
)

// fixture runs the DaemonSet controller and the garbage collector against
// a real API server; the test plays the scheduler and the kubelets.
type fixture struct {
	*controllertest.Fixture
	// unready pods stay not ready when run.
	unready map[string]bool
}

func newFixture(t testing.TB, seed uint64) *fixture {
	f := controllertest.New(t, seed, func(cl *client.Client) ([]controller.Controller, []controllertest.Starter) {
		nodes := client.NewInformer[*api.Node](cl, "", apiserver.ListOptions{})
		pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
		return []controller.Controller{New(cl, nodes, pods), garbagecollector.New(cl)}, []controllertest.Starter{nodes, pods}
	})
	return &fixture{Fixture: f, unready: map[string]bool{}}
}

func (f *fixture) addNode(name string, edit ...func(*api.Node)) {
	f.T.Helper()
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
	n.Status.Conditions = []api.NodeCondition{{Type: "Ready", Status: api.ConditionTrue}}
	for _, e := range edit {
		e(n)
	}
	_, err := client.Create(f.C, n)
	require.NoError(f.T, err)
}

func (f *fixture) editNode(name string, edit func(*api.Node)) {
	f.T.Helper()
	require.NoError(f.T, controller.UpdateNode(f.C, name, func(n *api.Node) bool { edit(n); return true }))
}

func (f *fixture) deleteNode(name string) {
	f.T.Helper()
	require.NoError(f.T, client.Delete[*api.Node](f.C, "", name, apiserver.DeleteOptions{}))
}

// daemonSet returns a set of busybox pods labelled app=name.
func daemonSet(name string, edit ...func(*api.DaemonSet)) *api.DaemonSet {
	labels := map[string]string{"app": name}
	ds := &api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "busybox:1.36"}}},
			},
		},
	}
	for _, e := range edit {
		e(ds)
	}
	return ds
}

func (f *fixture) create(ds *api.DaemonSet) {
	f.T.Helper()
	_, err := client.Create(f.C, ds)
	require.NoError(f.T, err)
}

func (f *fixture) ds(name string) *api.DaemonSet {
	return controllertest.Get[*api.DaemonSet](f.Fixture, "default", name)
}

func (f *fixture) update(name string, edit func(*api.DaemonSet)) {
	controllertest.Edit(f.Fixture, "default", name, edit)
}

func (f *fixture) setImage(name, image string) {
	f.update(name, func(ds *api.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = image })
}

// pods returns the live pods of the namespace, by node and then name.
func (f *fixture) pods() []*api.Pod {
	f.T.Helper()
	pods, err := client.List[*api.Pod](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	sort.Slice(pods, func(i, j int) bool {
		ni, _ := targetNode(pods[i])
		nj, _ := targetNode(pods[j])
		if ni != nj {
			return ni < nj
		}
		if ii, ij := pods[i].Spec.Containers[0].Image, pods[j].Spec.Containers[0].Image; ii != ij {
			return ii < ij
		}
		return pods[i].Name < pods[j].Name
	})
	return pods
}

// placement describes the pods as "node:image", terminating ones marked.
func (f *fixture) placement() []string {
	var out []string
	for _, p := range f.pods() {
		node, _ := targetNode(p)
		s := node + ":" + p.Spec.Containers[0].Image
		if p.DeletionTimestamp != nil {
			s += "/Terminating"
		}
		out = append(out, s)
	}
	return out
}

// kubelets plays the scheduler and the kubelets once: pending pods are
// bound to the node they are pinned to and run (ready unless marked
// unready), and terminating pods go.
func (f *fixture) kubelets() bool {
	changed := false
	for _, p := range f.pods() {
		switch {
		case p.DeletionTimestamp != nil:
			err := client.Delete[*api.Pod](f.C, "default", p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
			if !apiserver.IsNotFound(err) {
				require.NoError(f.T, err)
			}
			changed = true
		case p.Spec.NodeName == "":
			node, ok := targetNode(p)
			require.True(f.T, ok, "pod %s is pinned to no node", p.Name)
			if _, err := client.Get[*api.Node](f.C, "", node); err != nil {
				continue
			}
			require.NoError(f.T, f.C.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: p.Name}, Target: api.ObjectReference{Kind: "Node", Name: node}}))
			changed = true
		case p.Status.Phase == "" || p.Status.Phase == api.PodPending:
			f.setStatus(p, api.PodRunning, !f.unready[node(p)])
			changed = true
		}
	}
	return changed
}

func node(p *api.Pod) string {
	n, _ := targetNode(p)
	return n
}

func (f *fixture) setStatus(p *api.Pod, phase string, ready bool) {
	f.T.Helper()
	p, err := client.Get[*api.Pod](f.C, "default", p.Name)
	require.NoError(f.T, err)
	p = api.Clone(p)
	p.Status.Phase = phase
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	controller.UpdatePodCondition(&p.Status, api.PodCondition{Type: api.PodReady, Status: status}, f.L.Now())
	_, err = client.UpdateStatus(f.C, p)
	require.NoError(f.T, err)
}

// settle runs the controller and the kubelets until nothing changes.
func (f *fixture) settle() {
	f.T.Helper()
	for range 100 {
		f.L.RunUntilIdle()
		if !f.kubelets() {
			return
		}
	}
	f.T.Fatal("the cluster does not settle")
}

// advance lets d of virtual time pass, settling after each second.
func (f *fixture) advance(d time.Duration) {
	for end := f.L.Now().Add(d); f.L.Now().Before(end); {
		f.L.AdvanceBy(min(time.Second, end.Sub(f.L.Now())))
		f.settle()
	}
}

func (f *fixture) revisions() []*api.ControllerRevision {
	f.T.Helper()
	revs, err := client.List[*api.ControllerRevision](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	sort.Slice(revs, func(i, j int) bool { return revs[i].Revision < revs[j].Revision })
	return revs
}

func (f *fixture) events(name string) []string {
	return controllertest.Events(f.T, f.C, "DaemonSet", name)
}

// deletePod deletes a pod as a user would; the kubelets finish it.
func deletePod(f *fixture, name string) error {
	return client.Delete[*api.Pod](f.C, "default", name, apiserver.DeleteOptions{})
}
