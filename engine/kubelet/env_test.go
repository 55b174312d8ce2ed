package kubelet

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// fakeRuntime is a runtime with no images and no containers.
type fakeRuntime struct{ runtime.ContainerRuntime }

func (fakeRuntime) ImageStatus(string) (runtime.Image, bool) { return runtime.Image{}, false }

func (fakeRuntime) ContainerStatus(string) (runtime.ContainerStatus, bool) {
	return runtime.ContainerStatus{}, false
}

// newTestKubelet is a kubelet of node01 over a fresh API server, not
// started, holding a ConfigMap, a Secret and a few Services.
func newTestKubelet(t *testing.T) *Kubelet {
	t.Helper()
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "kubelet")
	k := &Kubelet{c: c, rec: client.NewRecorder(c, "kubelet", "node01"), loop: l, rt: fakeRuntime{}, states: map[string]*podState{},
		cfg: Config{NodeName: "node01", Address: "172.18.0.3", CPU: api.MustParse("2"), Memory: api.MustParse("4Gi"), Pods: 110}}
	objs := []api.Object{
		&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "special-config", Namespace: "default"}, Data: map[string]string{"special.how": "very", "SPECIAL_TYPE": "charm"}},
		&api.Secret{ObjectMeta: api.ObjectMeta{Name: "db", Namespace: "default"}, Data: map[string][]byte{"password": []byte("s3cr3t"), "user": []byte("admin")}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "web-front", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.20", Ports: []api.ServicePort{{Name: "http", Port: 80}, {Name: "dns", Port: 53, Protocol: "UDP"}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "headless", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "None", Ports: []api.ServicePort{{Port: 80}}}},
	}
	if _, err := client.Get[*api.Service](c, "default", "kubernetes"); err != nil {
		t.Fatalf("the API server keeps the kubernetes Service: %v", err)
	}
	for _, o := range objs {
		_, err := c.Create(api.ResourceFor(o), "default", o)
		require.NoError(t, err)
	}
	return k
}

func envPod(c api.Container, links bool) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "dapi", Namespace: "default", UID: "uid-1", Labels: map[string]string{"app": "web", "tier": "front"}, Annotations: map[string]string{"build": "two"}},
		Spec:       api.PodSpec{NodeName: "node01", ServiceAccountName: "default", EnableServiceLinks: api.Ptr(links), Containers: []api.Container{c}},
	}
}

func TestContainerEnv(t *testing.T) {
	k := newTestKubelet(t)
	st := &podState{ip: "10.244.1.7"}
	optional := api.Ptr(true)
	cmKey := func(name, key string, opt *bool) *api.EnvVarSource {
		return &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{LocalObjectReference: api.LocalObjectReference{Name: name}, Key: key, Optional: opt}}
	}
	secretKey := func(name, key string, opt *bool) *api.EnvVarSource {
		return &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: name}, Key: key, Optional: opt}}
	}
	field := func(path string) *api.EnvVarSource {
		return &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: path}}
	}
	res := func(r, div string) *api.EnvVarSource {
		s := &api.ResourceFieldSelector{Resource: r}
		if div != "" {
			s.Divisor = api.MustParse(div)
		}
		return &api.EnvVarSource{ResourceFieldRef: s}
	}
	limited := api.ResourceRequirements{Limits: api.ResourceList{"cpu": api.MustParse("500m"), "memory": api.MustParse("128Mi")}, Requests: api.ResourceList{"cpu": api.MustParse("250m")}}
	tests := []struct {
		name      string
		env       []api.EnvVar
		envFrom   []api.EnvFromSource
		resources api.ResourceRequirements
		want      map[string]string
		absent    []string
		err       string
	}{
		{name: "configMapKeyRef", env: []api.EnvVar{{Name: "HOW", ValueFrom: cmKey("special-config", "special.how", nil)}}, want: map[string]string{"HOW": "very"}},
		{name: "missing configmap", env: []api.EnvVar{{Name: "HOW", ValueFrom: cmKey("nope", "k", nil)}}, err: `configmap "nope" not found`},
		{name: "missing key", env: []api.EnvVar{{Name: "HOW", ValueFrom: cmKey("special-config", "k", nil)}}, err: `couldn't find key k in ConfigMap default/special-config`},
		{name: "optional missing configmap", env: []api.EnvVar{{Name: "HOW", ValueFrom: cmKey("nope", "k", optional)}}, absent: []string{"HOW"}},
		{name: "optional missing key", env: []api.EnvVar{{Name: "HOW", ValueFrom: cmKey("special-config", "k", optional)}}, absent: []string{"HOW"}},
		{name: "secretKeyRef", env: []api.EnvVar{{Name: "PW", ValueFrom: secretKey("db", "password", nil)}}, want: map[string]string{"PW": "s3cr3t"}},
		{name: "missing secret", env: []api.EnvVar{{Name: "PW", ValueFrom: secretKey("nope", "password", nil)}}, err: `secret "nope" not found`},
		{name: "missing secret key", env: []api.EnvVar{{Name: "PW", ValueFrom: secretKey("db", "token", nil)}}, err: `couldn't find key token in Secret default/db`},
		{name: "optional secret", env: []api.EnvVar{{Name: "PW", ValueFrom: secretKey("nope", "password", optional)}}, absent: []string{"PW"}},
		{name: "downward API", env: []api.EnvVar{
			{Name: "MY_NODE_NAME", ValueFrom: field("spec.nodeName")}, {Name: "MY_POD_NAME", ValueFrom: field("metadata.name")},
			{Name: "MY_POD_NAMESPACE", ValueFrom: field("metadata.namespace")}, {Name: "MY_POD_UID", ValueFrom: field("metadata.uid")},
			{Name: "MY_POD_IP", ValueFrom: field("status.podIP")}, {Name: "MY_POD_IPS", ValueFrom: field("status.podIPs")},
			{Name: "MY_HOST_IP", ValueFrom: field("status.hostIP")}, {Name: "MY_POD_SERVICE_ACCOUNT", ValueFrom: field("spec.serviceAccountName")},
			{Name: "APP", ValueFrom: field("metadata.labels['app']")}, {Name: "LABELS", ValueFrom: field("metadata.labels")},
			{Name: "ANNOTATIONS", ValueFrom: field("metadata.annotations")}, {Name: "BUILD", ValueFrom: field("metadata.annotations['build']")},
		}, want: map[string]string{
			"MY_NODE_NAME": "node01", "MY_POD_NAME": "dapi", "MY_POD_NAMESPACE": "default", "MY_POD_UID": "uid-1",
			"MY_POD_IP": "10.244.1.7", "MY_POD_IPS": "10.244.1.7", "MY_HOST_IP": "172.18.0.3", "MY_POD_SERVICE_ACCOUNT": "default",
			"APP": "web", "LABELS": "app=\"web\"\ntier=\"front\"", "ANNOTATIONS": "build=\"two\"", "BUILD": "two",
		}},
		{name: "unsupported field", env: []api.EnvVar{{Name: "X", ValueFrom: field("spec.hostname")}}, err: "unsupported fieldPath: spec.hostname"},
		{name: "resources", resources: limited, env: []api.EnvVar{
			{Name: "CPU_LIMIT", ValueFrom: res("limits.cpu", "")}, {Name: "CPU_LIMIT_M", ValueFrom: res("limits.cpu", "1m")},
			{Name: "CPU_REQUEST", ValueFrom: res("requests.cpu", "1m")}, {Name: "MEM_LIMIT", ValueFrom: res("limits.memory", "1Mi")},
			{Name: "MEM_REQUEST", ValueFrom: res("requests.memory", "")},
		}, want: map[string]string{"CPU_LIMIT": "1", "CPU_LIMIT_M": "500", "CPU_REQUEST": "250", "MEM_LIMIT": "128", "MEM_REQUEST": "0"}},
		{name: "limits default to allocatable", env: []api.EnvVar{
			{Name: "CPU_LIMIT", ValueFrom: res("limits.cpu", "")}, {Name: "MEM_LIMIT", ValueFrom: res("limits.memory", "1Mi")},
		}, want: map[string]string{"CPU_LIMIT": "2", "MEM_LIMIT": "3996"}},
		{name: "envFrom with prefix", envFrom: []api.EnvFromSource{
			{Prefix: "CFG_", ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "special-config"}}},
			{SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "db"}}},
		}, want: map[string]string{"CFG_special.how": "very", "CFG_SPECIAL_TYPE": "charm", "password": "s3cr3t", "user": "admin"}},
		{name: "envFrom missing", envFrom: []api.EnvFromSource{{SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "nope"}}}}, err: `secret "nope" not found`},
		{name: "envFrom optional", envFrom: []api.EnvFromSource{{ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "nope"}, Optional: optional}}}, want: map[string]string{}},
		{name: "env wins over envFrom", envFrom: []api.EnvFromSource{{SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "db"}}}},
			env: []api.EnvVar{{Name: "user", Value: "root"}}, want: map[string]string{"user": "root"}},
		{name: "expansion", envFrom: []api.EnvFromSource{{SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "db"}}}},
			env: []api.EnvVar{
				{Name: "GREETING", Value: "hello"}, {Name: "MSG", Value: "$(GREETING) $(user) at $(WEB_FRONT_SERVICE_HOST)"},
				{Name: "ESCAPED", Value: "$$(GREETING)"}, {Name: "LATER", Value: "$(NEXT)"}, {Name: "NEXT", Value: "n"},
			},
			want: map[string]string{"MSG": "hello admin at 10.96.0.20", "ESCAPED": "$(GREETING)", "LATER": "$(NEXT)"}},
		{name: "service links", want: map[string]string{
			"WEB_FRONT_SERVICE_HOST": "10.96.0.20", "WEB_FRONT_SERVICE_PORT": "80", "WEB_FRONT_SERVICE_PORT_HTTP": "80", "WEB_FRONT_SERVICE_PORT_DNS": "53",
			"WEB_FRONT_PORT": "tcp://10.96.0.20:80", "WEB_FRONT_PORT_80_TCP": "tcp://10.96.0.20:80", "WEB_FRONT_PORT_80_TCP_PROTO": "tcp",
			"WEB_FRONT_PORT_80_TCP_PORT": "80", "WEB_FRONT_PORT_80_TCP_ADDR": "10.96.0.20", "WEB_FRONT_PORT_53_UDP": "udp://10.96.0.20:53",
			"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_SERVICE_PORT_HTTPS": "443", "KUBERNETES_PORT": "tcp://10.96.0.1:443",
		}, absent: []string{"HEADLESS_SERVICE_HOST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := api.Container{Name: "c", Env: tt.env, EnvFrom: tt.envFrom, Resources: tt.resources}
			env, _, err := k.containerEnv(envPod(c, true), c, st)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			got := map[string]string{}
			for _, kv := range env {
				name, value, _ := strings.Cut(kv, "=")
				got[name] = value
			}
			assert.Equal(t, "dapi", got["HOSTNAME"])
			for name, want := range tt.want {
				assert.Equal(t, want, got[name], name)
			}
			for _, name := range tt.absent {
				assert.NotContains(t, got, name)
			}
		})
	}
}

func TestServiceLinksOff(t *testing.T) {
	k := newTestKubelet(t)
	c := api.Container{Name: "c"}
	env, _, err := k.containerEnv(envPod(c, false), c, &podState{})
	require.NoError(t, err)
	assert.Contains(t, env, "KUBERNETES_SERVICE_HOST=10.96.0.1")
	assert.NotContains(t, env, "WEB_FRONT_SERVICE_HOST=10.96.0.20")
}

// The service variables follow the Services from one container's start
// to the next: the kubelet keeps the last ones while the Services stay
// the same.
func TestServiceEnvFollowsServices(t *testing.T) {
	k := newTestKubelet(t)
	c := api.Container{Name: "c"}
	envOf := func(links bool) []string {
		env, _, err := k.containerEnv(envPod(c, links), c, &podState{})
		require.NoError(t, err)
		return env
	}
	svc := func(name string, port int32) *api.Service {
		return &api.Service{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.30", Ports: []api.ServicePort{{Port: port}}}}
	}
	steps := []struct {
		name    string
		change  func()
		links   bool
		want    []string
		notWant []string
	}{
		{name: "first", links: true, want: []string{"WEB_FRONT_SERVICE_HOST=10.96.0.20"}, notWant: []string{"API_SERVICE_PORT=8080"}},
		{name: "again", links: true, want: []string{"WEB_FRONT_SERVICE_HOST=10.96.0.20"}},
		{name: "links off", links: false, want: []string{"KUBERNETES_SERVICE_HOST=10.96.0.1"}, notWant: []string{"WEB_FRONT_SERVICE_HOST=10.96.0.20"}},
		{name: "a Service added", links: true, change: func() {
			_, err := client.Create(k.c, svc("api", 8080))
			require.NoError(t, err)
		}, want: []string{"API_SERVICE_PORT=8080", "WEB_FRONT_SERVICE_HOST=10.96.0.20"}},
		{name: "its port changed", links: true, change: func() {
			cur, err := client.Get[*api.Service](k.c, "default", "api")
			require.NoError(t, err)
			upd := api.Clone(cur)
			upd.Spec.Ports[0].Port = 9090
			_, err = client.Update(k.c, upd)
			require.NoError(t, err)
		}, want: []string{"API_SERVICE_PORT=9090"}, notWant: []string{"API_SERVICE_PORT=8080"}},
		{name: "deleted", links: true, change: func() {
			_, err := k.c.Delete(api.ResourceFor(&api.Service{}), "default", "api", apiserver.DeleteOptions{})
			require.NoError(t, err)
		}, notWant: []string{"API_SERVICE_PORT=9090"}},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		first, _, err := k.serviceEnv("default", st.links)
		require.NoError(t, err)
		again, _, err := k.serviceEnv("default", st.links)
		require.NoError(t, err)
		assert.Equal(t, reflect.ValueOf(first).UnsafePointer(), reflect.ValueOf(again).UnsafePointer(), "%s: the same Services' variables are kept", st.name)
		env := envOf(st.links)
		for _, w := range st.want {
			assert.Contains(t, env, w, st.name)
		}
		for _, w := range st.notWant {
			assert.NotContains(t, env, w, st.name)
		}
	}
}

// A hostNetwork pod's containers are in the node's UTS namespace: their
// host name is the node's, in HOSTNAME and /etc/hostname.
func TestHostNetworkHostname(t *testing.T) {
	for _, tt := range []struct {
		name        string
		hostNetwork bool
		hostname    string
		want        string
	}{
		{"pod network", false, "", "p"},
		{"spec.hostname", false, "web-0", "web-0"},
		{"host network", true, "ignored", "node01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p"}, Spec: api.PodSpec{HostNetwork: tt.hostNetwork, Hostname: tt.hostname}}
			assert.Equal(t, tt.want, hostname(p, "node01"))
		})
	}
}

// The node's allocatable resources follow its configured memory.
func TestAllocatable(t *testing.T) {
	k := newTestKubelet(t)
	for _, tt := range []struct{ memory, want string }{
		{"4Gi", "3996Mi"}, {"4Gi", "3996Mi"}, {"32Gi", "32668Mi"}, {"1G", "895142400"},
	} {
		k.cfg.Memory = api.MustParse(tt.memory)
		got := k.allocatable()
		mem, storage := got["memory"], got["ephemeral-storage"]
		assert.Equal(t, tt.want, mem.String(), tt.memory)
		assert.Equal(t, "18Gi", storage.String())
	}
}

// A status write sends the pod's new status from the kubelet's own
// request, which keeps nothing of the pod afterwards; the API server
// takes only the status from it (the test kubelet's runtime has no
// containers, so the pod it computes the status of has none either).
func TestStatusWriteRequest(t *testing.T) {
	k := newTestKubelet(t)
	_, err := client.Create(k.c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	require.NoError(t, err)
	p, err := client.Create(k.c, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: api.PodSpec{NodeName: "node01", Containers: []api.Container{{Name: "c", Image: "busybox"}}}})
	require.NoError(t, err)
	for range 2 {
		cur, err := client.Get[*api.Pod](k.c, "default", "p")
		require.NoError(t, err)
		bare := *cur
		bare.Spec.Containers = nil
		require.NoError(t, k.updateStatus(&bare, newPodState(&bare, k.loop.Now())))
		assert.True(t, reflect.ValueOf(k.statusRequest).IsZero(), "the request is cleared")
	}
	got, err := client.Get[*api.Pod](k.c, "default", "p")
	require.NoError(t, err)
	assert.Equal(t, "172.18.0.3", got.Status.HostIP)
	assert.Equal(t, p.Spec, got.Spec)
}

// The status a sync computes is written in the kubelet's scratch space,
// which the next sync writes over: what a status write stored must be the
// API server's own copy, unchanged by the syncs of other pods.
func TestStatusScratchNotShared(t *testing.T) {
	k := newTestKubelet(t)
	_, err := client.Create(k.c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	require.NoError(t, err)
	for _, name := range []string{"a", "b"} {
		_, err := client.Create(k.c, &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
			Spec: api.PodSpec{NodeName: "node01", Containers: []api.Container{{Name: "c-" + name, Image: "busybox:" + name}}}})
		require.NoError(t, err)
	}
	sync := func(name string) *api.Pod {
		p, err := client.Get[*api.Pod](k.c, "default", name)
		require.NoError(t, err)
		require.NoError(t, k.updateStatus(p, newPodState(p, k.loop.Now())))
		p, err = client.Get[*api.Pod](k.c, "default", name)
		require.NoError(t, err)
		return p
	}
	a := sync("a")
	want := a.Status.DeepCopy()
	require.Len(t, want.ContainerStatuses, 1)
	require.NotEmpty(t, want.Conditions)
	sync("b")
	sync("b")
	got, err := client.Get[*api.Pod](k.c, "default", "a")
	require.NoError(t, err)
	assert.Equal(t, want, &got.Status)
	assert.Equal(t, "c-a", got.Status.ContainerStatuses[0].Name)
	assert.Equal(t, a.ResourceVersion, sync("a").ResourceVersion, "the same status is not written again")
	assert.True(t, reflect.ValueOf(k.statusNew).IsZero(), "the computed status is not kept")
}

// imageRuntime reports every image with the given variables.
type imageRuntime struct {
	fakeRuntime
	env []string
}

func (r imageRuntime) ImageStatus(string) (runtime.Image, bool) {
	return runtime.Image{Config: runtime.ImageConfig{Env: r.env}}, true
}

// A container that sets no variable gets its list the short way
// (linksEnv): the same list and variables as the whole way (fullEnv),
// whatever the image's variables, with service links or without.
func TestLinksEnvIsFullEnv(t *testing.T) {
	k := newTestKubelet(t)
	c := api.Container{Name: "c", Image: "img"}
	for _, image := range [][]string{
		nil,
		{"PATH=/usr/bin:/bin"},
		{"PATH=/bin", "A=1", "B=x=y"},
		{"HOSTNAME=image"},
		{"KUBERNETES_SERVICE_HOST=image", "PATH=/bin"},
		{"A=1", "A=2"},
		{"NOVALUE"},
	} {
		k.rt = imageRuntime{env: image}
		for _, links := range []bool{true, false} {
			p := envPod(c, links)
			env, vars, err := k.containerEnv(p, c, &podState{})
			require.NoError(t, err)
			services, names, err := k.serviceEnv(p.Namespace, links)
			require.NoError(t, err)
			wantEnv, wantVars, err := k.fullEnv(p, c, &podState{}, services, names)
			require.NoError(t, err)
			assert.Equal(t, wantEnv, env, "%q links %v", image, links)
			assert.Equal(t, wantVars, vars, "%q links %v", image, links)
		}
	}
}
