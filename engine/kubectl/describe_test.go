package kubectl

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
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

var update = flag.Bool("update", false, "rewrite testdata/describe/*.golden from what describe prints")

var describeEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// describeFixture is an API server with no controllers: tests put objects
// in it as a cluster would have them, then run kubectl describe.
type describeFixture struct {
	t *testing.T
	l *loop.Loop
	s *apiserver.Server
	c *client.Client
}

func newDescribeFixture(t *testing.T) *describeFixture {
	l := loop.New(describeEpoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	f := &describeFixture{t: t, l: l, s: s, c: client.New(s, "test")}
	// What the service account controller would make: pods need it.
	for _, ns := range []string{"default", "kube-system"} {
		create(f, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: ns}}, nil)
	}
	create(f, &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "high"}, Value: 1000}, nil)
	return f
}

// create creates obj and then, if it has one, writes its status.
func create[T api.Object](f *describeFixture, obj T, status func(T)) T {
	f.t.Helper()
	out, err := client.Create(f.c, obj)
	require.NoError(f.t, err)
	if status == nil {
		return out
	}
	upd := api.Clone(out)
	status(upd)
	out, err = client.UpdateStatus(f.c, upd)
	require.NoError(f.t, err)
	return out
}

// event records an event about obj that first happened ago and count
// times since, the last time last ago.
func (f *describeFixture) event(obj api.Object, typ, reason, msg, component, fieldPath string, count int32, first, last time.Duration) {
	f.t.Helper()
	ref := client.Reference(obj, fieldPath)
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	now := f.l.Now()
	ev := &api.Event{
		ObjectMeta:     api.ObjectMeta{Name: fmt.Sprintf("%s.%x", ref.Name, now.Add(-last).UnixNano()), Namespace: ns},
		InvolvedObject: ref, Type: typ, Reason: reason, Message: msg,
		Source:         api.EventSource{Component: component},
		FirstTimestamp: api.NewTime(now.Add(-first)), LastTimestamp: api.NewTime(now.Add(-last)), Count: count,
	}
	_, err := client.Create(f.c, ev)
	require.NoError(f.t, err)
}

// run runs kubectl describe and returns what it printed, stderr after
// stdout, and the exit code.
func (f *describeFixture) run(stdin string, args ...string) string {
	return f.kubectl(stdin, append([]string{"describe"}, args...)...)
}

// kubectl runs a kubectl command line and returns what it printed, stderr
// after stdout, and the exit code.
func (f *describeFixture) kubectl(stdin string, args ...string) string {
	return f.kubectlOn(context.Background(), nil, stdin, args...)
}

// kubectlOn is kubectl with a context and a host to wait through.
func (f *describeFixture) kubectlOn(ctx context.Context, host Host, stdin string, args ...string) string {
	var out, errOut bytes.Buffer
	k := New(client.New(f.s, "kubectl"), host)
	code := k.Run(ctx, IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, args)
	s := out.String()
	if errOut.Len() > 0 {
		s += "--- stderr\n" + errOut.String()
	}
	if code != 0 {
		s += fmt.Sprintf("[exit %d]\n", code)
	}
	return s
}

func TestDescribe(t *testing.T) {
	runDescribeGoldens(t, []describeCase{
		{"pod-running", setupBusyPod, []string{"pod", "web-0"}},
		{"pod-terminating", setupTerminatingPod, []string{"pod", "stuck"}},
		{"pod-unschedulable", setupUnschedulablePod, []string{"pods/big"}},
		{"pods-several", setupTwoPods, []string{"pods"}},
		{"pods-several-events", setupTwoPods, []string{"pods", "--show-events=true"}},
		{"pods-selector", setupTwoPods, []string{"pods", "-l", "app=b"}},
		{"pod-prefix", setupTwoPods, []string{"pod", "pod-"}},
		{"pod-not-found", setupTwoPods, []string{"pod", "nope"}},
		{"pods-one-missing", setupTwoPods, []string{"pods", "pod-a", "nope", "pod-b"}},
		{"pods-slash-one-missing", setupTwoPods, []string{"pod/pod-a", "pod/nope"}},
		{"pods-none", nil, []string{"pods"}},
		{"pods-none-all-namespaces", nil, []string{"pods", "-A"}},
		{"pod-name-and-selector", setupTwoPods, []string{"pod", "pod-a", "-l", "app=a"}},
		{"pod-name-all-namespaces", setupTwoPods, []string{"pod", "pod-a", "-A"}},
		{"no-type", nil, nil},
		{"unknown-type", nil, []string{"widgets"}},
		{"node", setupNode, []string{"node", "node01"}},
		{"node-no-lease", setupNodeWithoutLease, []string{"no/node02"}},
		{"deployment", setupDeployment, []string{"deploy", "web"}},
		{"replicaset", setupDeployment, []string{"rs", "web-5d4b8c9f4"}},
		{"daemonset", setupDaemonSet, []string{"daemonset", "-n", "kube-system", "kube-proxy"}},
		{"service", setupService, []string{"svc", "shop"}},
		{"service-cluster-ip", setupService, []string{"service/api"}},
		{"namespace", nil, []string{"ns", "kube-system"}},
		{"configmap", setupConfigMap, []string{"cm", "settings"}},
		{"serviceaccount", setupServiceAccount, []string{"sa", "builder"}},
		{"event", setupUnschedulablePod, []string{"events"}},
		{"lease", setupNode, []string{"lease", "node01", "-n", "kube-node-lease"}},
	})
}

// TestDescribeFile describes the objects a manifest names, and says which
// are missing.
func TestDescribeFile(t *testing.T) {
	f := newDescribeFixture(t)
	setupServiceAccount(f)
	manifest := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n"
	want := "Name:                builder\n" +
		"Namespace:           default\n" +
		"Labels:              <none>\n" +
		"Annotations:         example.com/team: ci\n" +
		"Image pull secrets:  registry-a\n" +
		"                     registry-b\n" +
		"--- stderr\n" +
		"Error from server (NotFound): configmaps \"gone\" not found\n" +
		"[exit 1]\n"
	assert.Equal(t, want, f.run(manifest, "-f", "-"))
}

func ownedBy(kind, name, uid string) []api.OwnerReference {
	return []api.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid, Controller: api.Ptr(true), BlockOwnerDeletion: api.Ptr(true)}}
}

// setupBusyPod makes a pod that uses most of what describe prints: an init
// container, two containers with ports, probes, resources, every kind of
// environment variable and many volumes, after ten minutes of running and
// a restart.
func setupBusyPod(f *describeFixture) {
	started := describeEpoch.Add(5 * time.Second)
	web := api.Container{
		Name: "web", Image: "nginx:1.27",
		Command: []string{"nginx"}, Args: []string{"-g", "daemon off;\nworker_processes 2;"},
		Ports: []api.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: "TCP"}, {ContainerPort: 9090, HostPort: 9090, Protocol: "UDP"}},
		Resources: api.ResourceRequirements{
			Requests: api.ResourceList{"cpu": api.MustParse("250m"), "memory": api.MustParse("64Mi")},
			Limits:   api.ResourceList{"memory": api.MustParse("128Mi")},
		},
		LivenessProbe:  &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthz", Port: api.FromString("http")}}, InitialDelaySeconds: 3},
		ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/ready"}}}, PeriodSeconds: 5},
		StartupProbe:   &api.Probe{ProbeHandler: api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(80)}}, FailureThreshold: 30},
		EnvFrom: []api.EnvFromSource{
			{ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "settings"}}},
			{Prefix: "DB_", SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "db"}, Optional: api.Ptr(true)}},
		},
		Env: []api.EnvVar{
			{Name: "GREETING", Value: "hello\nworld"},
			{Name: "POD_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "NODE_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			{Name: "CPU_LIMIT", ValueFrom: &api.EnvVarSource{ResourceFieldRef: &api.ResourceFieldSelector{Resource: "limits.cpu"}}},
			{Name: "MEM_LIMIT_MI", ValueFrom: &api.EnvVarSource{ResourceFieldRef: &api.ResourceFieldSelector{Resource: "limits.memory", Divisor: api.MustParse("1Mi")}}},
			{Name: "PASSWORD", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: "db"}, Key: "password"}}},
			{Name: "MODE", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{LocalObjectReference: api.LocalObjectReference{Name: "settings"}, Key: "mode", Optional: api.Ptr(true)}}},
		},
		VolumeMounts: []api.VolumeMount{
			{Name: "data", MountPath: "/var/www"},
			{Name: "config", MountPath: "/etc/nginx/conf.d", ReadOnly: true},
			{Name: "config", MountPath: "/etc/nginx/nginx.conf", SubPath: "nginx.conf"},
		},
	}
	sidecar := api.Container{Name: "log", Image: "busybox", Command: []string{"sh", "-c", "tail -f /var/log/app.log"}}
	initC := api.Container{Name: "setup", Image: "busybox", Command: []string{"sh", "-c", "echo ready > /work/ready"}, VolumeMounts: []api.VolumeMount{{Name: "data", MountPath: "/work"}}}
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{
			Name: "web-0", Namespace: "default",
			Labels: map[string]string{"app": "web", "tier": "frontend"},
			Annotations: map[string]string{
				"example.com/owner":   "team-a",
				"example.com/notes":   "first line\nsecond line",
				LastAppliedAnnotation: `{"apiVersion":"v1"}`,
			},
			OwnerReferences: ownedBy("ReplicaSet", "web-5d4b8c9f4", "rs-uid"),
		},
		Spec: api.PodSpec{
			PriorityClassName: "high",
			Priority:          api.Ptr(int32(1000)),
			NodeName:          "node02",
			InitContainers:    []api.Container{initC},
			Containers:        []api.Container{web, sidecar},
			ReadinessGates:    []api.PodReadinessGate{{ConditionType: "example.com/gate"}},
			NodeSelector:      map[string]string{"disktype": "ssd"},
			Tolerations: []api.Toleration{
				{Key: "dedicated", Operator: "Equal", Value: "web", Effect: api.TaintNoSchedule},
				{Operator: "Exists"},
			},
			TopologySpreadConstraints: []api.TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: "DoNotSchedule", LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
				{MaxSkew: 2, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway"},
			},
			Volumes: []api.Volume{
				{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{SizeLimit: api.Ptr(api.MustParse("1Gi"))}}},
				{Name: "cache", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{Medium: "Memory"}}},
				{Name: "config", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "nginx-conf"}}}},
				{Name: "certs", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "tls", Optional: api.Ptr(true)}}},
				{Name: "logs", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/var/log/web", Type: api.Ptr("DirectoryOrCreate")}}},
				{Name: "uploads", VolumeSource: api.VolumeSource{PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "uploads"}}},
				{Name: "podinfo", VolumeSource: api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{Items: []api.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
				{Name: "kube-api-access-x7k2p", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
					{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: api.Ptr(int64(3607)), Path: "token"}},
					{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "kube-root-ca.crt"}}},
					{DownwardAPI: &api.DownwardAPIProjection{}},
				}}}},
				{Name: "scratch", VolumeSource: api.VolumeSource{Ephemeral: &api.EphemeralVolumeSource{VolumeClaimTemplate: &api.PersistentVolumeClaimTemplate{
					ObjectMeta: api.ObjectMeta{Labels: map[string]string{"type": "scratch", "app": "web"}},
					Spec:       api.PersistentVolumeClaimSpec{StorageClassName: api.Ptr("fast"), VolumeMode: api.Ptr("Filesystem")},
				}}}},
			},
		},
	}
	create(f, p, func(p *api.Pod) {
		p.Status = api.PodStatus{
			Phase: api.PodRunning, HostIP: "172.18.0.4", HostIPs: []api.HostIP{{IP: "172.18.0.4"}},
			PodIP: "10.244.2.7", PodIPs: []api.PodIP{{IP: "10.244.2.7"}},
			StartTime: api.NewTimePtr(describeEpoch), QOSClass: "Burstable",
			Conditions: []api.PodCondition{
				{Type: "PodReadyToStartContainers", Status: "True"},
				{Type: "Initialized", Status: "True"},
				{Type: "Ready", Status: "True"},
				{Type: "ContainersReady", Status: "True"},
				{Type: "PodScheduled", Status: "True"},
			},
			InitContainerStatuses: []api.ContainerStatus{{
				Name: "setup", Image: "docker.io/library/busybox:latest", ImageID: "docker.io/library/busybox@sha256:ab12", ContainerID: "containerd://1111",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: "Completed", ExitCode: 0, StartedAt: api.NewTime(describeEpoch.Add(2 * time.Second)), FinishedAt: api.NewTime(describeEpoch.Add(3 * time.Second))}},
			}},
			ContainerStatuses: []api.ContainerStatus{
				{
					Name: "web", Image: "docker.io/library/nginx:1.27", ImageID: "docker.io/library/nginx@sha256:cd34", ContainerID: "containerd://2222",
					Ready: true, RestartCount: 1, Started: api.Ptr(true),
					State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: api.NewTime(started.Add(time.Minute))}},
					LastTerminationState: api.ContainerState{Terminated: &api.ContainerStateTerminated{
						Reason: "OOMKilled", Message: "out of memory", ExitCode: 137, Signal: 9,
						StartedAt: api.NewTime(started), FinishedAt: api.NewTime(started.Add(time.Minute)),
					}},
				},
				{Name: "log", Image: "docker.io/library/busybox:latest", ImageID: "docker.io/library/busybox@sha256:ab12", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}, RestartCount: 4},
			},
		}
	})
	f.l.AdvanceBy(10 * time.Minute)
	pod, err := client.Get[*api.Pod](f.c, "default", "web-0")
	require.NoError(f.t, err)
	f.event(pod, api.EventNormal, "Scheduled", "Successfully assigned default/web-0 to node02", "default-scheduler", "", 1, 10*time.Minute, 10*time.Minute)
	f.event(pod, api.EventNormal, "Pulled", `Container image "nginx:1.27" already present on machine`, "kubelet", "spec.containers{web}", 2, 10*time.Minute, 9*time.Minute)
	f.event(pod, api.EventWarning, "BackOff", "Back-off restarting failed container log in pod web-0_default(uid)", "kubelet", "spec.containers{log}", 4, 9*time.Minute, 2*time.Minute-3*time.Second)
	// Another pod's event, and one about an earlier pod of the same name.
	other := api.Clone(pod)
	other.UID = "some-other-uid"
	f.event(other, api.EventNormal, "Killing", "Stopping container web", "kubelet", "spec.containers{web}", 1, 20*time.Minute, 20*time.Minute)
}

func setupTerminatingPod(f *describeFixture) {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "stuck", Namespace: "default", Finalizers: []string{"example.com/hold"}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}, TerminationGracePeriodSeconds: api.Ptr(int64(0))},
	}
	create(f, p, func(p *api.Pod) { p.Status.Phase = api.PodPending })
	_, err := f.c.Delete(api.ResourceFor(p), "default", "stuck", apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
	require.NoError(f.t, err)
	f.l.AdvanceBy(27 * time.Second)
}

func setupUnschedulablePod(f *describeFixture) {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "big", Namespace: "default"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "big", Image: "busybox", Command: []string{"sleep", "3600"},
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("3")}}}}},
	}
	p = create(f, p, func(p *api.Pod) {
		p.Status.Conditions = []api.PodCondition{{Type: "PodScheduled", Status: "False", Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient cpu."}}
	})
	f.l.AdvanceBy(5 * time.Minute)
	f.event(p, api.EventWarning, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", "default-scheduler", "", 3, 5*time.Minute, 30*time.Second)
}

func setupTwoPods(f *describeFixture) {
	for _, name := range []string{"pod-a", "pod-b"} {
		p := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name[len(name)-1:]}},
			Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
		}
		p = create(f, p, nil)
		f.event(p, api.EventNormal, "Scheduled", "Successfully assigned default/"+name+" to node01", "default-scheduler", "", 1, 0, 0)
	}
	f.l.AdvanceBy(90 * time.Second)
}

func testNode(name, ip string) *api.Node {
	alloc := api.ResourceList{"cpu": api.MustParse("2"), "memory": api.MustParse("3996Mi"), "pods": api.MustParse("110"), "ephemeral-storage": api.MustParse("18Gi")}
	capacity := api.ResourceList{"cpu": api.MustParse("2"), "memory": api.MustParse("4Gi"), "pods": api.MustParse("110"), "ephemeral-storage": api.MustParse("20Gi")}
	t := api.NewTime(describeEpoch)
	return &api.Node{
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Labels:      map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": ""},
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"},
		},
		Spec: api.NodeSpec{
			PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}, ProviderID: "kubeplay://" + name, Unschedulable: true,
			Taints: []api.Taint{
				{Key: "node.kubernetes.io/unschedulable", Effect: api.TaintNoSchedule},
				{Key: "dedicated", Value: "web", Effect: api.TaintNoExecute},
				{Key: "a-first", Effect: api.TaintNoSchedule},
			},
		},
		Status: api.NodeStatus{
			Capacity: capacity, Allocatable: alloc,
			Conditions: []api.NodeCondition{
				{Type: "MemoryPressure", Status: "False", LastHeartbeatTime: t, LastTransitionTime: t, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
				{Type: "Ready", Status: "True", LastHeartbeatTime: t, LastTransitionTime: t, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
			},
			Addresses: []api.NodeAddress{{Type: "InternalIP", Address: ip}, {Type: "Hostname", Address: name}},
			NodeInfo: api.NodeSystemInfo{
				MachineID: "0ba9d325", SystemUUID: "e432e373", BootID: "6771db15", KernelVersion: "6.1.0-kubeplay",
				OSImage: "kubeplay WebAssembly node", ContainerRuntimeVersion: "wasm://wazero-1.12.0", KubeletVersion: "v1.37.2",
				OperatingSystem: "linux", Architecture: "amd64",
			},
		},
	}
}

func setupNode(f *describeFixture) {
	n := create(f, testNode("node01", "172.18.0.3"), func(n *api.Node) { n.Status = testNode("node01", "172.18.0.3").Status })
	renew := api.MicroTime{Time: describeEpoch.Add(2 * time.Minute)}
	create(f, &api.Lease{
		ObjectMeta: api.ObjectMeta{Name: "node01", Namespace: "kube-node-lease", OwnerReferences: []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: "node01", UID: n.UID}}},
		Spec:       api.LeaseSpec{HolderIdentity: api.Ptr("node01"), LeaseDurationSeconds: api.Ptr(int32(40)), RenewTime: &renew},
	}, nil)
	// A pod with requests and limits, one whose init container asks for
	// more than its containers, one elsewhere and one finished.
	pods := []*api.Pod{
		{ObjectMeta: api.ObjectMeta{Name: "coredns-75987bb66f-7p4kj", Namespace: "kube-system"}, Spec: api.PodSpec{NodeName: "node01", Containers: []api.Container{{Name: "coredns", Image: "coredns",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("70Mi")}, Limits: api.ResourceList{"memory": api.MustParse("170Mi")}}}}}},
		{ObjectMeta: api.ObjectMeta{Name: "migrate", Namespace: "default"}, Spec: api.PodSpec{NodeName: "node01",
			InitContainers: []api.Container{{Name: "init", Image: "busybox", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("1")}, Limits: api.ResourceList{"cpu": api.MustParse("1")}}}},
			Containers:     []api.Container{{Name: "app", Image: "busybox", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("200m"), "ephemeral-storage": api.MustParse("1Gi")}}}}}},
		{ObjectMeta: api.ObjectMeta{Name: "elsewhere", Namespace: "default"}, Spec: api.PodSpec{NodeName: "node02", Containers: []api.Container{{Name: "c", Image: "busybox"}}}},
		{ObjectMeta: api.ObjectMeta{Name: "done", Namespace: "default"}, Spec: api.PodSpec{NodeName: "node01", Containers: []api.Container{{Name: "c", Image: "busybox"}}}},
	}
	for _, p := range pods {
		phase := api.PodRunning
		if p.Name == "done" {
			phase = api.PodSucceeded
		}
		create(f, p, func(p *api.Pod) { p.Status.Phase = phase })
	}
	f.l.AdvanceBy(3 * time.Minute)
	// The kubelet reports node events with the node's name as UID, the
	// node controller with the node's UID.
	byName := api.Clone(n)
	byName.UID = n.Name
	f.event(byName, api.EventNormal, "Starting", "Starting kubelet.", "kubelet", "", 1, 3*time.Minute, 3*time.Minute)
	f.event(n, api.EventNormal, "RegisteredNode", "Node node01 event: Registered Node node01 in Controller", "node-controller", "", 1, 170*time.Second, 170*time.Second)
	f.event(byName, api.EventNormal, "NodeNotSchedulable", "Node node01 status is now: NodeNotSchedulable", "kubelet", "", 1, 10*time.Second, 10*time.Second)
}

func setupNodeWithoutLease(f *describeFixture) {
	n := testNode("node02", "172.18.0.4")
	n.Spec = api.NodeSpec{}
	n.Labels = nil
	create(f, n, func(n *api.Node) { n.Status = testNode("node02", "172.18.0.4").Status })
}

func webTemplate(image string) api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}},
		Spec: api.PodSpec{
			ServiceAccountName: "web",
			Containers: []api.Container{{Name: "web", Image: image, Ports: []api.ContainerPort{{ContainerPort: 80}},
				Env: []api.EnvVar{{Name: "POD_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}}}}},
			Volumes: []api.Volume{{Name: "cache", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}},
		},
	}
}

func setupDeployment(f *describeFixture) {
	dep := create(f, &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(3)), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate("nginx:1.27"), MinReadySeconds: 5,
		},
	}, func(d *api.Deployment) {
		d.Status = api.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2, ReadyReplicas: 3, AvailableReplicas: 3, UnavailableReplicas: 1,
			Conditions: []api.DeploymentCondition{
				{Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable"},
				{Type: "Progressing", Status: "True", Reason: "ReplicaSetUpdated"},
			}}
	})
	rs := func(name, hash, image string, replicas int32) {
		tmpl := webTemplate(image)
		tmpl.Labels = map[string]string{"app": "web", "pod-template-hash": hash}
		create(f, &api.ReplicaSet{
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: tmpl.Labels, OwnerReferences: ownedBy("Deployment", "web", dep.UID),
				Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
			Spec: api.ReplicaSetSpec{Replicas: api.Ptr(replicas), Selector: &api.LabelSelector{MatchLabels: tmpl.Labels}, Template: tmpl},
		}, func(r *api.ReplicaSet) {
			r.Status = api.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas}
		})
	}
	rs("web-7c9f8d6b5", "7c9f8d6b5", "nginx:1.25", 0)
	f.l.AdvanceBy(time.Minute)
	rs("web-5d4b8c9f4", "5d4b8c9f4", "nginx:1.26", 2)
	f.l.AdvanceBy(time.Minute)
	rs("web-69c7f5d9b", "69c7f5d9b", "nginx:1.27", 2)
	// Pods of the ReplicaSet in each phase, and one it does not own.
	rsObj, err := client.Get[*api.ReplicaSet](f.c, "default", "web-5d4b8c9f4")
	require.NoError(f.t, err)
	for i, phase := range []string{api.PodRunning, api.PodRunning, api.PodPending, api.PodFailed, api.PodRunning} {
		p := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("web-5d4b8c9f4-%d", i), Namespace: "default", Labels: map[string]string{"app": "web", "pod-template-hash": "5d4b8c9f4"}},
			Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx:1.26"}}},
		}
		if i < 4 {
			p.OwnerReferences = ownedBy("ReplicaSet", rsObj.Name, rsObj.UID)
		}
		create(f, p, func(p *api.Pod) { p.Status.Phase = phase })
	}
	f.l.AdvanceBy(2 * time.Minute)
	f.event(dep, api.EventNormal, "ScalingReplicaSet", "Scaled up replica set web-5d4b8c9f4 from 0 to 3", "deployment-controller", "", 1, 3*time.Minute, 3*time.Minute)
	f.event(dep, api.EventNormal, "ScalingReplicaSet", "Scaled up replica set web-69c7f5d9b from 0 to 2", "deployment-controller", "", 1, 2*time.Minute, 2*time.Minute)
	f.event(rsObj, api.EventNormal, "SuccessfulCreate", "Created pod: web-5d4b8c9f4-0", "replicaset-controller", "", 1, 3*time.Minute, 3*time.Minute)
}

func setupDaemonSet(f *describeFixture) {
	tmpl := api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"k8s-app": "kube-proxy"}},
		Spec: api.PodSpec{
			ServiceAccountName: "kube-proxy", PriorityClassName: "system-node-critical",
			NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
			Tolerations:  []api.Toleration{{Operator: "Exists"}},
			InitContainers: []api.Container{{Name: "init", Image: "busybox", Command: []string{"true"},
				Resources: api.ResourceRequirements{Limits: api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("64Mi")}}}},
			Containers: []api.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy:v1.37.2",
				Env:          []api.EnvVar{{Name: "NODE_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}},
				VolumeMounts: []api.VolumeMount{{Name: "xtables-lock", MountPath: "/run/xtables.lock"}, {Name: "kube-proxy", MountPath: "/var/lib/kube-proxy"}}}},
			Volumes: []api.Volume{
				{Name: "kube-proxy", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "kube-proxy"}}}},
				{Name: "xtables-lock", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/run/xtables.lock", Type: api.Ptr("FileOrCreate")}}},
			},
		},
	}
	ds := create(f, &api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-proxy"}, Annotations: map[string]string{"deprecated.daemonset.template.generation": "1"}},
		Spec:       api.DaemonSetSpec{Selector: &api.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-proxy"}}, Template: tmpl},
	}, func(d *api.DaemonSet) {
		d.Status = api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3, NumberAvailable: 2}
	})
	for i, phase := range []string{api.PodRunning, api.PodRunning, api.PodPending} {
		p := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("kube-proxy-%d", i), Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-proxy"},
				OwnerReferences: ownedBy("DaemonSet", "kube-proxy", ds.UID)},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy:v1.37.2"}}},
		}
		create(f, p, func(p *api.Pod) { p.Status.Phase = phase })
	}
	f.l.AdvanceBy(time.Hour)
	f.event(ds, api.EventNormal, "SuccessfulCreate", "Created pod: kube-proxy-0", "daemonset-controller", "", 1, time.Hour, time.Hour)
}

func setupService(f *describeFixture) {
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "shop", Namespace: "default", Labels: map[string]string{"app": "shop"}},
		Spec: api.ServiceSpec{
			Type: "LoadBalancer", Selector: map[string]string{"app": "shop", "tier": "web"},
			ExternalIPs: []string{"192.0.2.10"}, LoadBalancerSourceRanges: []string{"10.0.0.0/8"},
			Ports: []api.ServicePort{
				{Name: "http", Port: 80, TargetPort: api.FromString("web"), NodePort: 30080, AppProtocol: api.Ptr("http")},
				{Name: "https", Port: 443, TargetPort: api.FromInt(8443), NodePort: 30443},
			},
		},
	}, func(s *api.Service) {
		s.Status.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "198.51.100.7", IPMode: api.Ptr("VIP")}, {Hostname: "shop.example.com"}}
	})
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "api", Namespace: "default"},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": "api"}, Ports: []api.ServicePort{{Port: 8080}}},
	}, nil)
}

func setupConfigMap(f *describeFixture) {
	cm := create(f, &api.ConfigMap{
		ObjectMeta: api.ObjectMeta{Name: "settings", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Data:       map[string]string{"mode": "production", "nginx.conf": "server {\n  listen 80;\n}\n"},
		BinaryData: map[string][]byte{"logo.png": {0x89, 'P', 'N', 'G'}},
	}, nil)
	f.l.AdvanceBy(time.Minute)
	f.event(cm, api.EventWarning, "Invalid", "key mode: unknown value", "config-checker", "", 1, time.Minute, time.Minute)
}

func setupServiceAccount(f *describeFixture) {
	create(f, &api.ServiceAccount{
		ObjectMeta:       api.ObjectMeta{Name: "builder", Namespace: "default", Annotations: map[string]string{"example.com/team": "ci"}},
		ImagePullSecrets: []api.LocalObjectReference{{Name: "registry-a"}, {Name: "registry-b"}},
	}, nil)
}

func TestFieldLabel(t *testing.T) {
	tests := map[string]string{
		"apiVersion":           "API Version",
		"kind":                 "Kind",
		"uid":                  "UID",
		"creationTimestamp":    "Creation Timestamp",
		"involvedObject":       "Involved Object",
		"leaseDurationSeconds": "Lease Duration Seconds",
		"podIPs":               "Pod I Ps",
		"hostURL":              "Host URL",
		"HTTPGet":              "HTTPGet",
		"x-forwarded":          "X - Forwarded",
		"nginx.conf":           "nginx.conf",
		"v1beta1":              "v1beta1",
	}
	for in, want := range tests {
		assert.Equal(t, want, fieldLabel(in), in)
	}
}
