package apiserver

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newServer starts an API server with the default namespace's service
// account in place, as the service account controller would make it.
func newServer() *Server {
	s := New(loop.New(epoch), rand.New(rand.NewPCG(1, 2)))
	if _, err := s.Create(resourceOf("serviceaccounts"), "default", &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default"}}); err != nil {
		panic(err)
	}
	return s
}

var (
	pods        = resourceOf("pods")
	deployments = resourceOf("deployments")
	services    = resourceOf("services")
	namespaces  = resourceOf("namespaces")
)

func busybox(name string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	}
}

func TestBootstrapObjects(t *testing.T) {
	s := newServer()
	list, err := s.List(namespaces, "", ListOptions{})
	require.NoError(t, err)
	var names []string
	for _, o := range list.Items {
		names = append(names, o.GetObjectMeta().Name)
	}
	assert.Equal(t, []string{"default", "kube-node-lease", "kube-public", "kube-system"}, names)
	svc, err := s.Get(services, "default", "kubernetes")
	require.NoError(t, err)
	assert.Equal(t, "10.96.0.1", svc.(*api.Service).Spec.ClusterIP)
}

func TestCreatePodSetsDefaults(t *testing.T) {
	s := newServer()
	obj, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)
	p := obj.(*api.Pod)
	assert.Equal(t, "Pod", p.Kind)
	assert.Equal(t, "v1", p.APIVersion)
	assert.NotEmpty(t, p.UID)
	assert.Equal(t, epoch, p.CreationTimestamp.Time)
	assert.Equal(t, "Always", p.Spec.RestartPolicy)
	assert.Equal(t, int64(30), *p.Spec.TerminationGracePeriodSeconds)
	assert.Equal(t, "ClusterFirst", p.Spec.DNSPolicy)
	assert.Equal(t, "default-scheduler", p.Spec.SchedulerName)
	assert.Equal(t, "default", p.Spec.ServiceAccountName)
	assert.Equal(t, "Always", p.Spec.Containers[0].ImagePullPolicy)
	assert.Equal(t, "/dev/termination-log", p.Spec.Containers[0].TerminationMessagePath)
	assert.Equal(t, "Pending", p.Status.Phase)
	assert.Equal(t, "BestEffort", p.Status.QOSClass)
	assert.Len(t, p.Spec.Tolerations, 2)
}

func TestCreateErrors(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)

	tests := []struct {
		name string
		ns   string
		obj  api.Object
		want string
	}{
		{"exists", "default", busybox("hello"), `pods "hello" already exists`},
		{"no namespace", "nope", busybox("x"), `namespaces "nope" not found`},
		{"bad name", "default", busybox("Hello"), `Pod "Hello" is invalid: metadata.name: Invalid value: "Hello": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"no image", "default", &api.Pod{ObjectMeta: api.ObjectMeta{Name: "x"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c"}}}}, `Pod "x" is invalid: spec.containers[0].image: Required value`},
		{"no name", "default", &api.Pod{Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "i"}}}}, `Pod "" is invalid: metadata.name: Required value: name or generateName is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(pods, tt.ns, tt.obj)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestGenerateName(t *testing.T) {
	s := newServer()
	p := busybox("")
	p.GenerateName = "web-"
	obj, err := s.Create(pods, "default", p)
	require.NoError(t, err)
	assert.Regexp(t, `^web-[bcdfghjklmnpqrstvwxz2456789]{5}$`, obj.GetObjectMeta().Name)
}

// TestGenerateNameRetries: a generated name that is taken is drawn again,
// up to 8 names in all, before the create fails as AlreadyExists. Each
// round takes the names the rounds before found (the draws are the same
// for the same seed) and must find a new one, until the ninth.
func TestGenerateNameRetries(t *testing.T) {
	var taken []string
	for round := range maxNameGenerationCreateAttempts + 1 {
		s := newServer()
		for _, name := range taken {
			_, err := s.store.Create(Key(pods, "default", name), busybox(name))
			require.NoError(t, err)
		}
		p := busybox("")
		p.GenerateName = "web-"
		obj, err := s.Create(pods, "default", p)
		if round == maxNameGenerationCreateAttempts {
			require.Error(t, err)
			assert.True(t, IsAlreadyExists(err), err)
			assert.Equal(t, fmt.Sprintf(`pods %q already exists`, taken[len(taken)-1]), err.Error())
			return
		}
		require.NoError(t, err, "round %d", round)
		name := obj.GetObjectMeta().Name
		assert.NotContains(t, taken, name)
		taken = append(taken, name)
	}
}

func TestUpdateConflictAndStatus(t *testing.T) {
	s := newServer()
	obj, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)
	stale := api.Clone(obj.(*api.Pod))

	upd := api.Clone(obj.(*api.Pod))
	upd.Labels = map[string]string{"a": "b"}
	upd.Status.Phase = "Running" // ignored by a main-resource update
	got, err := s.Update(pods, upd)
	require.NoError(t, err)
	assert.Equal(t, "Pending", got.(*api.Pod).Status.Phase)

	stale.Labels = map[string]string{"x": "y"}
	_, err = s.Update(pods, stale)
	assert.EqualError(t, err, `Operation cannot be fulfilled on pods "hello": the object has been modified; please apply your changes to the latest version and try again`)

	st := api.Clone(got.(*api.Pod))
	st.Status.Phase = "Running"
	st.Labels = nil // ignored by a status update
	got, err = s.UpdateStatus(pods, st)
	require.NoError(t, err)
	assert.Equal(t, "Running", got.(*api.Pod).Status.Phase)
	assert.Equal(t, map[string]string{"a": "b"}, got.GetObjectMeta().Labels)

	img := api.Clone(got.(*api.Pod))
	img.Spec.RestartPolicy = "Never"
	_, err = s.Update(pods, img)
	assert.ErrorContains(t, err, "pod updates may not change fields other than")
}

func TestGracefulPodDeletion(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)
	require.NoError(t, s.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: "hello"}, Target: api.ObjectReference{Kind: "Node", Name: "node01"}}))
	err = s.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: "hello"}, Target: api.ObjectReference{Name: "node02"}})
	assert.ErrorContains(t, err, `pod hello is already assigned to node "node01"`)

	obj, err := s.Delete(pods, "default", "hello", DeleteOptions{})
	require.NoError(t, err)
	meta := obj.GetObjectMeta()
	require.NotNil(t, meta.DeletionTimestamp)
	assert.Equal(t, epoch.Add(30*time.Second), meta.DeletionTimestamp.Time)
	_, err = s.Get(pods, "default", "hello")
	require.NoError(t, err, "a bound pod stays until its kubelet finishes")

	_, err = s.Delete(pods, "default", "hello", DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
	require.NoError(t, err)
	_, err = s.Get(pods, "default", "hello")
	assert.True(t, IsNotFound(err))
}

func TestUnboundPodDeletesAtOnce(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)
	_, err = s.Delete(pods, "default", "hello", DeleteOptions{})
	require.NoError(t, err)
	_, err = s.Get(pods, "default", "hello")
	assert.True(t, IsNotFound(err))
}

func TestFinalizersHoldDeletion(t *testing.T) {
	s := newServer()
	p := busybox("hello")
	p.Finalizers = []string{"example.com/hold"}
	_, err := s.Create(pods, "default", p)
	require.NoError(t, err)
	obj, err := s.Delete(pods, "default", "hello", DeleteOptions{})
	require.NoError(t, err)
	require.NotNil(t, obj.GetObjectMeta().DeletionTimestamp)
	upd := api.Clone(obj.(*api.Pod))
	upd.Finalizers = nil
	_, err = s.Update(pods, upd)
	require.NoError(t, err)
	_, err = s.Get(pods, "default", "hello")
	assert.True(t, IsNotFound(err))
}

func TestWatchDeliversAsTasks(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("a"))
	require.NoError(t, err)
	var got []string
	stop, err := s.Watch(pods, "default", ListOptions{LabelSelector: "app=web"}, func(ev WatchEvent) {
		got = append(got, ev.Type+" "+ev.Object.GetObjectMeta().Name)
	})
	require.NoError(t, err)
	p := busybox("b")
	p.Labels = map[string]string{"app": "web"}
	_, err = s.Create(pods, "default", p)
	require.NoError(t, err)
	assert.Empty(t, got, "events arrive as loop tasks, not during the write")
	s.loop.RunUntilIdle()

	obj, _ := s.Get(pods, "default", "b")
	upd := api.Clone(obj.(*api.Pod))
	upd.Labels = map[string]string{"app": "db"}
	_, err = s.Update(pods, upd)
	require.NoError(t, err)
	upd2 := api.Clone(obj.(*api.Pod))
	upd2.ResourceVersion = ""
	upd2.Labels = map[string]string{"app": "web"}
	_, err = s.Update(pods, upd2)
	require.NoError(t, err)
	_, err = s.Delete(pods, "default", "b", DeleteOptions{})
	require.NoError(t, err)
	s.loop.RunUntilIdle()
	stop()
	assert.Equal(t, []string{"ADDED b", "DELETED b", "ADDED b", "DELETED b"}, got)
}

// Events a handler's own writes add while a batch is delivered come after
// the batch, once each and in order, and a stopped watch gets no more;
// batch after batch, small and large.
func TestWatchDeliversItsHandlersWrites(t *testing.T) {
	for _, burst := range []int{1, 3, maxKeptPending + 10} {
		t.Run(fmt.Sprint(burst), func(t *testing.T) {
			s := newServer()
			var got []string
			var stop func()
			stop, err := s.Watch(resourceOf("configmaps"), "default", ListOptions{}, func(ev WatchEvent) {
				name := ev.Object.GetObjectMeta().Name
				got = append(got, name)
				switch {
				case strings.HasPrefix(name, "a") && !strings.HasSuffix(name, "-echo"):
					_, err := s.Create(resourceOf("configmaps"), "default", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name + "-echo"}})
					require.NoError(t, err)
				case name == "stop":
					stop()
				}
			})
			require.NoError(t, err)
			var want []string
			for round := range 2 {
				for i := range burst {
					name := fmt.Sprintf("a%d-%d", round, i)
					_, err := s.Create(resourceOf("configmaps"), "default", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name}})
					require.NoError(t, err)
					want = append(want, name)
				}
				for i := range burst {
					want = append(want, fmt.Sprintf("a%d-%d-echo", round, i))
				}
				s.loop.RunUntilIdle()
			}
			for _, name := range []string{"b", "stop", "c"} {
				_, err := s.Create(resourceOf("configmaps"), "default", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name}})
				require.NoError(t, err)
			}
			s.loop.RunUntilIdle()
			assert.Equal(t, append(want, "b", "stop"), got)
		})
	}
}

func TestWatchFromCompactedRevisionIsGone(t *testing.T) {
	s := newServer()
	for _, n := range []string{"a", "b", "c"} {
		_, err := s.Create(pods, "default", busybox(n))
		require.NoError(t, err)
	}
	s.store.Compact(s.store.Revision())
	_, err := s.Watch(pods, "", ListOptions{ResourceVersion: "2"}, func(WatchEvent) {})
	require.Error(t, err)
	assert.Equal(t, "Expired", ReasonOf(err))
	assert.Contains(t, err.Error(), "too old resource version: 2")
}

func TestDeploymentDefaultsAndImmutableSelector(t *testing.T) {
	s := newServer()
	d := &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec: api.DeploymentSpec{
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx:1.14.2"}}},
			},
		},
	}
	obj, err := s.Create(deployments, "default", d)
	require.NoError(t, err)
	got := obj.(*api.Deployment)
	assert.Equal(t, int32(1), *got.Spec.Replicas)
	assert.Equal(t, "25%", got.Spec.Strategy.RollingUpdate.MaxSurge.String())
	assert.Equal(t, int32(10), *got.Spec.RevisionHistoryLimit)
	assert.Equal(t, int32(600), *got.Spec.ProgressDeadlineSeconds)
	assert.Equal(t, "IfNotPresent", got.Spec.Template.Spec.Containers[0].ImagePullPolicy)
	assert.Equal(t, int64(1), got.Generation)

	upd := api.Clone(got)
	upd.Spec.Replicas = api.Ptr(int32(3))
	obj, err = s.Update(deployments, upd)
	require.NoError(t, err)
	assert.Equal(t, int64(2), obj.GetObjectMeta().Generation, "a spec change bumps the generation")

	upd = api.Clone(obj.(*api.Deployment))
	upd.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	upd.Spec.Template.Labels = map[string]string{"app": "other"}
	_, err = s.Update(deployments, upd)
	assert.EqualError(t, err, `Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`)

	bad := api.Clone(d)
	bad.Name = "bad"
	bad.Spec.Template.Labels = map[string]string{"app": "nope"}
	_, err = s.Create(deployments, "default", bad)
	assert.EqualError(t, err, `Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nope"}: `+"`selector` does not match template `labels`")
}

func TestServiceClusterIPs(t *testing.T) {
	s := newServer()
	svc := func(name, ip string) *api.Service {
		return &api.Service{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.ServiceSpec{ClusterIP: ip, Ports: []api.ServicePort{{Port: 80}}}}
	}
	obj, err := s.Create(services, "default", svc("web", ""))
	require.NoError(t, err)
	got := obj.(*api.Service)
	assert.Regexp(t, `^10\.(9[6-9]|10[0-9]|11[01])\.`, got.Spec.ClusterIP)
	assert.Equal(t, "ClusterIP", got.Spec.Type)
	assert.Equal(t, "80", got.Spec.Ports[0].TargetPort.String())
	assert.Equal(t, "TCP", got.Spec.Ports[0].Protocol)

	_, err = s.Create(services, "default", svc("dns", "10.96.0.10"))
	require.NoError(t, err)
	_, err = s.Create(services, "default", svc("dns2", "10.96.0.10"))
	assert.ErrorContains(t, err, "provided IP is already allocated")
	_, err = s.Delete(services, "default", "dns", DeleteOptions{})
	require.NoError(t, err)
	_, err = s.Create(services, "default", svc("dns2", "10.96.0.10"))
	assert.NoError(t, err, "a deleted service's IP is free again")
}

func TestFieldSelectors(t *testing.T) {
	s := newServer()
	for _, n := range []string{"a", "b"} {
		_, err := s.Create(pods, "default", busybox(n))
		require.NoError(t, err)
	}
	require.NoError(t, s.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: "a"}, Target: api.ObjectReference{Name: "node01"}}))
	list, err := s.List(pods, "", ListOptions{FieldSelector: "spec.nodeName=node01"})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "a", list.Items[0].GetObjectMeta().Name)
	list, err = s.List(pods, "", ListOptions{FieldSelector: "spec.nodeName!=node01,metadata.namespace=default"})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	_, err = s.List(pods, "", ListOptions{FieldSelector: "spec.color=red"})
	assert.EqualError(t, err, "field label not supported: spec.color")
}

func TestWatchBookmarks(t *testing.T) {
	s := newServer()
	var got []string
	stop, err := s.Watch(pods, "", ListOptions{AllowWatchBookmarks: true}, func(ev WatchEvent) {
		got = append(got, ev.Type+" "+ev.Object.GetObjectMeta().ResourceVersion)
	})
	require.NoError(t, err)
	s.loop.AdvanceBy(61 * time.Second)
	_, err = s.Create(pods, "default", busybox("a"))
	require.NoError(t, err)
	s.loop.AdvanceBy(60 * time.Second)
	stop()
	s.loop.AdvanceBy(5 * time.Minute)
	rv := s.store.Revision()
	assert.Equal(t, []string{"BOOKMARK " + fmt.Sprint(rv-1), "ADDED " + fmt.Sprint(rv), "BOOKMARK " + fmt.Sprint(rv)}, got)
}

func TestBindCopiesAnnotationsAndSetsScheduled(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("hello"))
	require.NoError(t, err)
	require.NoError(t, s.Bind("default", &api.Binding{
		ObjectMeta: api.ObjectMeta{Name: "hello", Annotations: map[string]string{"example.com/placed-by": "test"}},
		Target:     api.ObjectReference{Kind: "Node", Name: "node01"},
	}))
	obj, err := s.Get(pods, "default", "hello")
	require.NoError(t, err)
	p := obj.(*api.Pod)
	assert.Equal(t, "node01", p.Spec.NodeName)
	assert.Equal(t, "test", p.Annotations["example.com/placed-by"])
	require.Len(t, p.Status.Conditions, 1)
	assert.Equal(t, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(epoch), ObservedGeneration: p.Generation}, p.Status.Conditions[0])
}

// TestBindSharesTheStoredPod: a binding's revision shares the spec's
// lists and the metadata with the revision it replaces, which stays as it
// was (the store's history and every informer hold it).
func TestBindSharesTheStoredPod(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string // the pod's
		binding     map[string]string // the binding's
		want        map[string]string
	}{
		{name: "no annotations"},
		{name: "the pod's kept", annotations: map[string]string{"a": "1"}, want: map[string]string{"a": "1"}},
		{name: "the binding's added", binding: map[string]string{"b": "2"}, want: map[string]string{"b": "2"}},
		{name: "both", annotations: map[string]string{"a": "1"}, binding: map[string]string{"a": "3", "b": "2"}, want: map[string]string{"a": "3", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer()
			pod := busybox("hello")
			pod.Annotations = tt.annotations
			pod.Labels = map[string]string{"app": "hello"}
			_, err := s.Create(pods, "default", pod)
			require.NoError(t, err)
			old, err := s.Get(pods, "default", "hello")
			require.NoError(t, err)
			before := api.Clone(old.(*api.Pod))
			require.NoError(t, s.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: "hello", Annotations: tt.binding}, Target: api.ObjectReference{Name: "node01"}}))
			assert.Equal(t, before, old, "the replaced revision is unchanged")
			obj, err := s.Get(pods, "default", "hello")
			require.NoError(t, err)
			p := obj.(*api.Pod)
			assert.Equal(t, "node01", p.Spec.NodeName)
			assert.Equal(t, tt.want, p.Annotations)
			require.Len(t, p.Status.Conditions, 1)
			assert.Equal(t, api.PodScheduled, p.Status.Conditions[0].Type)
			assert.Same(t, &old.(*api.Pod).Spec.Containers[0], &p.Spec.Containers[0], "the containers are shared")
			assert.Equal(t, reflect.ValueOf(old.GetObjectMeta().Labels).Pointer(), reflect.ValueOf(p.Labels).Pointer(), "the labels are shared")
		})
	}
}

// A resourceVersion on an object to create is refused, as etcd3's store
// refuses it; one that does not parse is ignored, as upstream ignores it.
func TestCreateWithResourceVersion(t *testing.T) {
	tests := []struct {
		rv      string
		wantErr string
	}{
		{"", ""},
		{"0", ""},
		{"-1", ""},
		{"12", "resourceVersion should not be set on objects to be created"},
	}
	for _, tt := range tests {
		t.Run(tt.rv, func(t *testing.T) {
			s := newServer()
			_, err := s.Create(resourceOf("configmaps"), "default", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", ResourceVersion: tt.rv}})
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			var se *StatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, int32(500), se.Status.Code)
			assert.Empty(t, se.Status.Reason)
			assert.Equal(t, tt.wantErr, se.Status.Message)
			_, err = s.Get(resourceOf("configmaps"), "default", "c")
			assert.Error(t, err, "nothing was stored")
		})
	}
}

// TestNewUID: a version 4 UUID in its canonical text, the same draws as
// the fmt form it replaced.
func TestNewUID(t *testing.T) {
	s, twin := newServer(), newServer()
	for range 100 {
		var b [16]byte
		for i := range b {
			b[i] = byte(twin.rand.UintN(256))
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		assert.Equal(t, fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), s.newUID())
	}
}

// Invalid label and annotation keys are reported in the keys' order,
// whichever order the maps give them in.
func TestValidateMetaOrder(t *testing.T) {
	tests := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        []string // the fields and values of the errors
	}{
		{name: "valid", labels: map[string]string{"app": "web", "tier": "front"}, annotations: map[string]string{"example.com/a": "x", "B": "y"}},
		{name: "labels", labels: map[string]string{"z/b/c": "1", "-a": "2", "ok": "bad value", "m": "v"},
			want: []string{"metadata.labels=-a", "metadata.labels=bad value", "metadata.labels=z/b/c"}},
		{name: "annotations", annotations: map[string]string{"y/": "", "-x": "", "fine": ""},
			want: []string{"metadata.annotations=-x", "metadata.annotations=y/", "metadata.annotations=y/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 {
				meta := &api.ObjectMeta{Name: "c", Labels: tt.labels, Annotations: tt.annotations}
				var got []string
				for _, e := range validateMeta(resourceOf("configmaps"), meta) {
					got = append(got, fmt.Sprintf("%s=%v", e.Field, e.BadValue))
				}
				assert.Equal(t, tt.want, got)
			}
		})
	}
}
