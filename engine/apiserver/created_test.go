package apiserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// replay makes the sets of a comparison from its log.
func replay(log []byte) comparison {
	c := comparison{added: fieldSet{}, modified: fieldSet{}, removed: fieldSet{}}
	var path []string
	for len(log) > 0 {
		kind := log[0]
		log = log[1:]
		path = path[:0]
		for {
			n, w := binary.Uvarint(log)
			log = log[w:]
			if n == 0 {
				break
			}
			path = append(path, string(log[:n-1]))
			log = log[n-1:]
		}
		c.note(kind, path)
	}
	return c
}

func setText(s fieldSet) string {
	var b bytes.Buffer
	s.writeFieldsV1(&b)
	return b.String()
}

// exampleObjects are the objects of the documentation's examples, and a
// kubelet's event and pod status.
func exampleObjects(t *testing.T) []api.Object {
	t.Helper()
	var out []api.Object
	root := filepath.Join("..", "session", "testdata", "k8s-examples")
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		docs, err := api.SplitYAML(data)
		if err != nil {
			return nil
		}
		for _, doc := range docs {
			tm, err := api.TypeOf(doc.JSON)
			if err != nil {
				continue
			}
			r, err := api.LookupKind(tm.APIVersion, tm.Kind)
			if err != nil {
				continue
			}
			if obj, err := api.DecodeInto(r, doc.JSON); err == nil {
				out = append(out, obj)
			}
		}
		return nil
	}))
	out = append(out,
		&api.Event{ObjectMeta: api.ObjectMeta{Name: "web.1", Namespace: "default"}, Reason: "Pulled", Message: "already present", Type: "Normal",
			InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web", Namespace: "default", FieldPath: "spec.containers{c}"},
			Source:         api.EventSource{Component: "kubelet", Host: "node01"}, Count: 1},
		&api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", Labels: map[string]string{"b": "1", "a": "2", "c": "3"}},
			Spec:   api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox", Ports: []api.ContainerPort{{ContainerPort: 80}}}}},
			Status: api.PodStatus{Phase: api.PodRunning, PodIP: "10.244.1.2", PodIPs: []api.PodIP{{IP: "10.244.1.2"}}, Conditions: []api.PodCondition{{Type: "Ready", Status: "True"}}}},
	)
	// Objects that differ only in a map's keys, a keyed list's keys or a
	// value that is zero or not must not share a memo.
	for _, v := range []struct {
		label, container string
		port             int32
	}{{"a", "c", 80}, {"b", "c", 80}, {"a", "d", 80}, {"a", "c", 0}} {
		out = append(out, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "v", Namespace: "default", Labels: map[string]string{v.label: "x"}},
			Spec: api.PodSpec{Containers: []api.Container{{Name: v.container, Image: "busybox", Ports: []api.ContainerPort{{ContainerPort: 81, HostPort: v.port}}}}}})
	}
	require.Greater(t, len(out), 20)
	return out
}

// A create's managed fields come from the memo of its log exactly as the
// comparison with the zero object makes them, the first time and every
// time after; and a log holds what the comparison inserts.
func TestCreatedFieldsMemo(t *testing.T) {
	s := newServer()
	defer s.SetFieldManager("kubectl-create")()
	for i, obj := range exampleObjects(t) {
		r, err := api.LookupKind(obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind)
		if err != nil {
			r = api.ResourceFor(obj)
		}
		for _, sub := range []string{"", "status"} {
			keep := func(f string) bool { return f != "status" && f != "apiVersion" && f != "kind" }
			if sub == "status" {
				keep = func(f string) bool { return f == "status" }
			}
			var log []byte
			compareObjectsTo(comparison{log: &log, zeroLeft: true}, zeroObject(reflect.TypeOf(obj).Elem()), reflect.ValueOf(obj), keep)
			want := compareObjects(zeroObject(reflect.TypeOf(obj).Elem()), reflect.ValueOf(obj), keep)
			got := replay(log)
			for k, ws := range []fieldSet{want.changed(), want.removed} {
				gs := []fieldSet{got.changed(), got.removed}[k]
				assert.Equal(t, setText(ws), setText(gs), "%d %T %s: %d", i, obj, sub, k)
			}

			written := func(memo bool) []json.RawMessage {
				noCreatedMemo = !memo
				defer func() { noCreatedMemo = false }()
				o := api.Clone(obj)
				s.recordWrite(r, nil, o, sub)
				return o.GetObjectMeta().ManagedFields
			}
			ref := written(false)
			if sub == "" {
				require.NotEmpty(t, ref, "%T", obj)
			}
			assert.Equal(t, ref, written(true), "%d %T %s: first", i, obj, sub)
			assert.Equal(t, ref, written(true), "%d %T %s: remembered", i, obj, sub)
			// A second later, the remembered entry is written with the
			// new time.
			s.loop.AdvanceBy(time.Second)
			later := written(false)
			if len(ref) > 0 {
				assert.NotEqual(t, ref, later, "%d %T %s: a second later", i, obj, sub)
			}
			assert.Equal(t, later, written(true), "%d %T %s: remembered a second later", i, obj, sub)
		}
	}
}

// An update's sets come from the memo of its log exactly as the
// comparison of the two objects makes them, the first time and every
// time after: for every example object added to its zero value, removed
// from it, and written again unchanged, through the object and its
// status.
func TestComparedUpdatesMemo(t *testing.T) {
	for i, obj := range exampleObjects(t) {
		zero := zeroObject(reflect.TypeOf(obj).Elem())
		for _, sub := range []string{"", "status"} {
			keep := func(f string) bool { return f != "status" && f != "apiVersion" && f != "kind" }
			if sub == "status" {
				keep = func(f string) bool { return f == "status" }
			}
			for k, pair := range [][2]reflect.Value{{zero, reflect.ValueOf(obj)}, {reflect.ValueOf(obj), zero}, {reflect.ValueOf(obj), reflect.ValueOf(api.Clone(obj))}} {
				want := compareObjects(pair[0], pair[1], keep)
				for _, when := range []string{"first", "remembered"} {
					got := compareUpdate(pair[0], pair[1], keep, sub)
					assert.Equal(t, setText(want.changed()), setText(got.changed()), "%d %T %s %d: changed, %s", i, obj, sub, k, when)
					assert.Equal(t, setText(want.removed), setText(got.removed), "%d %T %s %d: removed, %s", i, obj, sub, k, when)
				}
			}
		}
	}
}

// Writes alike but for their keyed items' keys (the first status write of
// each pod names its IP) share the sets of their shape, with their own
// keys given back: the sets are those of the comparison, whatever the
// keys, their order, or a key named in two lists (a host-network pod's
// IP is its node's).
func TestComparedShapes(t *testing.T) {
	keep := func(f string) bool { return f == "status" }
	conditions := []string{api.PodScheduled, api.PodInitialized, api.PodReady, api.ContainersReady}
	for seed := range uint64(200) {
		rnd := rand.New(rand.NewPCG(seed, 9))
		old := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}}
		old.Status.Phase = api.PodPending
		old.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionTrue}}
		cur := api.Clone(old)
		host := fmt.Sprintf("172.18.0.%d", rnd.IntN(3))
		ip := fmt.Sprintf("10.244.%d.%d", rnd.IntN(4), rnd.IntN(250))
		if rnd.IntN(4) == 0 {
			ip = host
		}
		cur.Status.HostIP, cur.Status.HostIPs = host, []api.HostIP{{IP: host}}
		cur.Status.PodIP, cur.Status.PodIPs = ip, []api.PodIP{{IP: ip}}
		if rnd.IntN(2) == 0 {
			cur.Status.PodIPs = append(cur.Status.PodIPs, api.PodIP{IP: fmt.Sprintf("fd00::%d", rnd.IntN(9))})
		}
		cur.Status.Conditions = nil
		for _, i := range rnd.Perm(len(conditions))[:1+rnd.IntN(len(conditions))] {
			cur.Status.Conditions = append(cur.Status.Conditions, api.PodCondition{Type: conditions[i], Status: api.ConditionTrue})
		}
		if rnd.IntN(3) == 0 {
			old, cur = cur, old // keys removed
		}
		want := compareObjects(reflect.ValueOf(old), reflect.ValueOf(cur), keep)
		got := compareUpdate(reflect.ValueOf(old), reflect.ValueOf(cur), keep, "status")
		assert.Equal(t, setText(want.changed()), setText(got.changed()), "seed %d: changed", seed)
		assert.Equal(t, setText(want.removed), setText(got.removed), "seed %d: removed", seed)
	}
	// The memo of shapes was used: a write whose keys alone differ from
	// one seen finds its shape.
	p := &api.Pod{}
	q := api.Clone(p)
	q.Status.PodIPs = []api.PodIP{{IP: "10.0.0.1"}}
	compareUpdate(reflect.ValueOf(p), reflect.ValueOf(q), keep, "status")
	r := api.Clone(p)
	r.Status.PodIPs = []api.PodIP{{IP: "10.0.0.2"}}
	kl := &keyedLog{}
	var log []byte
	compareObjectsTo(comparison{log: &log}, reflect.ValueOf(p), reflect.ValueOf(r), keep)
	require.True(t, kl.of(log))
	_, ok := comparedShapes.get(comparedKind{t: reflect.TypeOf(r), sub: "status"}, kl.log)
	assert.True(t, ok)
	assert.Equal(t, []string{`k:{"ip":"10.0.0.2"}`}, kl.keys)
}
