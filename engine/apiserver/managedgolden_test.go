package apiserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var rewriteManaged = flag.Bool("managedfields.rewrite", false, "TestManagedFieldsGolden: write testdata/managedfields.golden anew")

// The managed fields every write records are pinned byte for byte: the
// documentation's examples and a kubelet's pod, each created, then
// changed by other managers through the main resource and the status
// subresource (random changes of their JSON: values changed, members and
// list items removed or copied), then changed back by its creator, with
// the managedFields after each write written to a golden file. A change
// that makes the writes cheaper must leave it as it is.
func TestManagedFieldsGolden(t *testing.T) {
	var out bytes.Buffer
	// The first round's entries are written out; the next rounds' (other
	// random changes) by their hash, to keep the file small.
	for round := range 3 {
		for i, obj := range exampleObjects(t) {
			managedFieldsRound(t, &out, round, i, obj)
		}
	}
	managedPodLife(t, &out)
	golden := filepath.Join("testdata", "managedfields.golden")
	if *rewriteManaged {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}

// writeManaged writes an object's managedFields after a write to out, as
// text or, after the first round, as a hash.
func writeManaged(out *bytes.Buffer, round int, head string, obj api.Object) {
	fmt.Fprintf(out, "%s\n", head)
	var b bytes.Buffer
	for _, e := range obj.GetObjectMeta().ManagedFields {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	if round == 0 {
		out.Write(b.Bytes())
		return
	}
	fmt.Fprintf(out, "  sha256 %x\n", sha256.Sum256(b.Bytes()))
}

// managedFieldsRound creates obj, changes it at random and puts it back.
func managedFieldsRound(t *testing.T, out *bytes.Buffer, round, i int, obj api.Object) {
	r, err := api.LookupKind(obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind)
	if err != nil {
		r = api.ResourceFor(obj)
	}
	api.SetTypeMeta(obj)
	rnd := rand.New(rand.NewPCG(uint64(i), uint64(7+round)))
	s := newServer()
	write := func(manager string, old, cur api.Object, sub string) api.Object {
		restore := s.SetFieldManager(manager)
		defer restore()
		if old != nil {
			cur.GetObjectMeta().ManagedFields = old.GetObjectMeta().ManagedFields
		}
		s.recordWrite(r, old, cur, sub)
		writeManaged(out, round, fmt.Sprintf("%d %d %s %s %q", round, i, r.Kind, manager, sub), cur)
		return cur
	}
	cur := write("kubectl-create", nil, api.Clone(obj), "")
	first := cur
	steps := []struct{ manager, sub string }{
		{"editor", ""}, {"kubelet", "status"}, {"editor", ""}, {"kube-controller-manager", "status"},
		{"kubelet", "status"}, {"kubectl-edit", ""}, {"editor", ""},
	}
	for _, st := range steps {
		next, ok := mutated(t, r, cur, rnd)
		if !ok {
			continue
		}
		s.loop.AdvanceBy(time.Second)
		if st.sub == "status" {
			next = withStatusOf(cur, next)
		}
		cur = write(st.manager, cur, next, st.sub)
	}
	// The creator puts its object back; then nobody changes anything.
	back := api.Clone(first)
	if r.Kind == "Pod" {
		back = withStatusOf(back, cur)
	}
	cur = write("kubectl-create", cur, back, "")
	write("kubectl-create", cur, api.Clone(cur), "")
}

// managedPodLife writes the managed fields of a ReplicaSet's pods through
// the server, as the controllers and a kubelet write them, and of a
// Deployment applied, scaled and given a status.
func managedPodLife(t *testing.T, out *bytes.Buffer) {
	s := newServer()
	as := func(manager string) func() { return s.SetFieldManager(manager) }
	for i := range 3 {
		p := busybox(fmt.Sprintf("web-%d", i))
		p.GenerateName = "web-"
		p.Labels = map[string]string{"app": "web", "pod-template-hash": "5d4f8c9b7"}
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d4f8c9b7", UID: "7c2a7d1e-0000-4000-8000-000000000001", Controller: api.Ptr(true), BlockOwnerDeletion: api.Ptr(true)}}
		p.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}
		restore := as("kube-controller-manager")
		obj, err := s.Create(pods, "default", p)
		restore()
		require.NoError(t, err)
		writeManaged(out, 0, "pod create", obj)
		cur := obj.(*api.Pod)
		restore = as("kubelet")
		for step := range 4 {
			s.loop.AdvanceBy(time.Second)
			next := api.Clone(cur)
			switch step {
			case 0:
				next.Status.Phase = api.PodPending
				next.Status.PodIP = fmt.Sprintf("10.244.0.%d", i+2)
				next.Status.PodIPs = []api.PodIP{{IP: next.Status.PodIP}}
				next.Status.HostIP = "172.18.0.2"
				next.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", Image: "busybox", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ContainerCreating"}}}}
			case 1:
				next.Status.Phase = api.PodRunning
				next.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", Image: "busybox", ImageID: "sha256:1", ContainerID: fmt.Sprintf("containerd://%d", i), Started: api.Ptr(true),
					State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: api.NewTime(s.Now())}}}}
			case 2:
				next.Status.Conditions = []api.PodCondition{{Type: "Ready", Status: api.ConditionTrue}, {Type: "ContainersReady", Status: api.ConditionTrue}}
				next.Status.ContainerStatuses[0].Ready = true
			case 3:
				next.Status.Conditions = next.Status.Conditions[:1]
				next.Status.PodIPs = nil
			}
			got, err := s.UpdateStatus(pods, next)
			require.NoError(t, err)
			writeManaged(out, 0, fmt.Sprintf("pod status %d", step), got)
			cur = got.(*api.Pod)
		}
		restore()
	}
	d, err := s.Apply(deployments, "default", "web", applyYAML(t, nginxApply), ApplyOptions{FieldManager: "kubectl"})
	require.NoError(t, err)
	writeManaged(out, 0, "deployment apply", d)
	s.loop.AdvanceBy(time.Second)
	scaled := api.Clone(d.(*api.Deployment))
	scaled.Spec.Replicas = api.Ptr(int32(5))
	restore := as("kubectl")
	d, err = s.Update(deployments, scaled)
	restore()
	require.NoError(t, err)
	writeManaged(out, 0, "deployment scale", d)
	s.loop.AdvanceBy(time.Second)
	st := api.Clone(d.(*api.Deployment))
	st.Status.Replicas, st.Status.ObservedGeneration = 5, 2
	st.Status.Conditions = []api.DeploymentCondition{{Type: "Available", Status: api.ConditionTrue, Reason: "MinimumReplicasAvailable"}}
	restore = as("kube-controller-manager")
	d, err = s.UpdateStatus(deployments, st)
	restore()
	require.NoError(t, err)
	writeManaged(out, 0, "deployment status", d)
	d, err = s.Apply(deployments, "default", "web", applyYAML(t, strings.Replace(nginxApply, "image: nginx:1.27", "image: nginx:1.28", 1)), ApplyOptions{FieldManager: "kubectl", Force: true})
	require.NoError(t, err)
	writeManaged(out, 0, "deployment apply again", d)
}

// mutated is obj with a few random changes of its JSON, or false when
// the result does not decode.
func mutated(t *testing.T, r *api.ResourceInfo, obj api.Object, rnd *rand.Rand) (api.Object, bool) {
	t.Helper()
	data, err := api.Marshal(obj)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	for range 1 + rnd.IntN(4) {
		mutate(m, rnd, 0)
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		labels, _ := meta["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		labels[fmt.Sprintf("l%d", rnd.IntN(3))] = fmt.Sprint(rnd.IntN(2))
		meta["labels"] = labels
		// Names, namespaces and the like stay, as a write may not change them.
		orig := obj.GetObjectMeta()
		meta["name"], meta["namespace"] = orig.Name, orig.Namespace
	}
	m["apiVersion"], m["kind"] = obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind
	out, err := json.Marshal(m)
	require.NoError(t, err)
	next, err := api.DecodeInto(r, out)
	if err != nil {
		return nil, false
	}
	next.GetObjectMeta().ManagedFields = obj.GetObjectMeta().ManagedFields
	return next, true
}

// mutate changes one random place of v: a scalar changed, a member or an
// item removed, an item copied, or a status made up.
func mutate(v any, rnd *rand.Rand, depth int) {
	switch x := v.(type) {
	case map[string]any:
		if depth == 0 && rnd.IntN(3) == 0 {
			st, _ := x["status"].(map[string]any)
			if st == nil {
				st = map[string]any{}
			}
			st["phase"] = []string{"Pending", "Running"}[rnd.IntN(2)]
			st["conditions"] = []any{map[string]any{"type": "Ready", "status": []string{"True", "False"}[rnd.IntN(2)]}}
			x["status"] = st
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			if depth > 0 || k != "apiVersion" && k != "kind" && k != "metadata" {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return
		}
		sort.Strings(keys)
		k := keys[rnd.IntN(len(keys))]
		switch c := x[k].(type) {
		case map[string]any, []any:
			if rnd.IntN(4) == 0 && depth > 1 {
				delete(x, k)
				return
			}
			mutate(c, rnd, depth+1)
		case string:
			x[k] = c + "x"
		case float64:
			x[k] = c + 1
		case bool:
			x[k] = !c
		default:
			delete(x, k)
		}
	case []any:
		if len(x) == 0 {
			return
		}
		i := rnd.IntN(len(x))
		switch rnd.IntN(3) {
		case 0:
			mutate(x[i], rnd, depth+1)
		case 1:
			copy(x[i:], x[i+1:])
			x[len(x)-1] = nil
		default:
			if s, ok := x[i].(string); ok && !slices.Contains(x, any(s+"y")) {
				x[i] = s + "y"
			} else {
				mutate(x[i], rnd, depth+1)
			}
		}
	}
}
