package kubectl

import (
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

func setupSecrets(f *describeFixture) {
	create(f, &api.Secret{ObjectMeta: api.ObjectMeta{Name: "db-user-pass", Namespace: "default"}, Type: "Opaque",
		Data: map[string][]byte{"username": []byte("admin"), "password": []byte("S!B\\*d$zDsb=")}}, nil)
	f.l.AdvanceBy(time.Minute)
	create(f, &api.Secret{ObjectMeta: api.ObjectMeta{Name: "my-tls", Namespace: "default"}, Type: "kubernetes.io/tls",
		Data: map[string][]byte{"tls.crt": []byte("cert"), "tls.key": []byte("key")}}, nil)
	// Written with stringData, one key also in data: three keys in all.
	create(f, &api.Secret{ObjectMeta: api.ObjectMeta{Name: "api-config", Namespace: "default"}, Type: "Opaque",
		Data: map[string][]byte{"url": []byte("https://example.com")}, StringData: map[string]string{"url": "https://example.org", "user": "u", "token": "t"}}, nil)
	f.l.AdvanceBy(90 * time.Second)
}

func setupReplicationController(f *describeFixture) {
	// The ReplicationController of kubernetes.io's "ReplicationController" page.
	create(f, &api.ReplicationController{
		ObjectMeta: api.ObjectMeta{Name: "nginx", Namespace: "default", Labels: map[string]string{"app": "nginx"}},
		Spec: api.ReplicationControllerSpec{Replicas: api.Ptr(int32(3)), Selector: map[string]string{"app": "nginx"},
			Template: &api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "nginx"}},
				Spec: api.PodSpec{Containers: []api.Container{
					{Name: "nginx", Image: "nginx", Ports: []api.ContainerPort{{ContainerPort: 80}}},
					{Name: "log", Image: "busybox:1.36"},
				}},
			}},
	}, func(rc *api.ReplicationController) {
		rc.Status = api.ReplicationControllerStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2}
	})
	f.l.AdvanceBy(5*time.Minute + 20*time.Second)
}

func setupPodTemplate(f *describeFixture) {
	create(f, &api.PodTemplate{
		ObjectMeta: api.ObjectMeta{Name: "batch-worker", Namespace: "default"},
		Template: api.PodTemplateSpec{
			ObjectMeta: api.ObjectMeta{Labels: map[string]string{"role": "worker", "app": "batch"}},
			Spec: api.PodSpec{Containers: []api.Container{
				{Name: "worker", Image: "busybox:1.36", Command: []string{"sh", "-c", "work"}},
				{Name: "metrics", Image: "registry.k8s.io/e2e-test-images/agnhost:2.53"},
			}},
		},
	}, nil)
	create(f, &api.PodTemplate{
		ObjectMeta: api.ObjectMeta{Name: "bare", Namespace: "default"},
		Template:   api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "nginx"}}}},
	}, nil)
	f.l.AdvanceBy(time.Hour)
}

func setupNodesForGet(f *describeFixture) {
	create(f, testNode("node01", "172.18.0.3"), func(n *api.Node) { n.Status = testNode("node01", "172.18.0.3").Status })
	bare := testNode("node02", "172.18.0.4")
	bare.Spec = api.NodeSpec{}
	create(f, bare, func(n *api.Node) {
		n.Status = testNode("node02", "172.18.0.4").Status
		n.Status.NodeInfo.OSImage, n.Status.NodeInfo.KernelVersion, n.Status.NodeInfo.ContainerRuntimeVersion = "", "", ""
		n.Status.Addresses = append(n.Status.Addresses, api.NodeAddress{Type: "ExternalIP", Address: "203.0.113.4"})
	})
	f.l.AdvanceBy(3 * time.Hour)
}

func setupLoadBalancer(f *describeFixture) {
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "shop", Namespace: "default"},
		Spec: api.ServiceSpec{Type: "LoadBalancer", Selector: map[string]string{"app": "shop"}, ExternalIPs: []string{"192.0.2.10"},
			ClusterIP: "10.96.12.7", ClusterIPs: []string{"10.96.12.7"}, Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: api.FromInt(8080), NodePort: 30080}}},
	}, func(s *api.Service) {
		s.Status.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "198.51.100.7"}, {Hostname: "lb.example.com"}, {IP: "198.51.100.7"}, {IP: "198.51.100.3"}}
	})
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "waiting", Namespace: "default"},
		Spec: api.ServiceSpec{Type: "LoadBalancer", Selector: map[string]string{"app": "waiting"}, ClusterIP: "10.96.40.2", ClusterIPs: []string{"10.96.40.2"},
			Ports: []api.ServicePort{{Port: 443, TargetPort: api.FromInt(8443), NodePort: 31443}}},
	}, nil)
	f.l.AdvanceBy(10 * time.Minute)
}

func TestGetCore(t *testing.T) {
	runGetCases(t, []getCase{
		{"secrets", setupSecrets, []string{"secrets"}, `NAME           TYPE                DATA   AGE
api-config     Opaque              3      90s
db-user-pass   Opaque              2      2m30s
my-tls         kubernetes.io/tls   2      90s
`},
		{"secrets-wide", setupSecrets, []string{"secret", "my-tls", "-o", "wide"}, `NAME     TYPE                DATA   AGE
my-tls   kubernetes.io/tls   2      90s
`},
		{"replicationcontrollers", setupReplicationController, []string{"rc"}, `NAME    DESIRED   CURRENT   READY   AGE
nginx   3         3         2       5m20s
`},
		{"replicationcontrollers-wide", setupReplicationController, []string{"replicationcontrollers", "-o", "wide"}, `NAME    DESIRED   CURRENT   READY   AGE     CONTAINERS   IMAGES               SELECTOR
nginx   3         3         2       5m20s   nginx,log    nginx,busybox:1.36   app=nginx
`},
		{"podtemplates", setupPodTemplate, []string{"podtemplates"}, `NAME           CONTAINERS       IMAGES                                                      POD LABELS
bare           c                nginx                                                       <none>
batch-worker   worker,metrics   busybox:1.36,registry.k8s.io/e2e-test-images/agnhost:2.53   app=batch,role=worker
`},
		{"podtemplates-wide", setupPodTemplate, []string{"podtemplate", "-o", "wide", "--show-labels"}, `NAME           CONTAINERS       IMAGES                                                      POD LABELS              LABELS
bare           c                nginx                                                       <none>                  <none>
batch-worker   worker,metrics   busybox:1.36,registry.k8s.io/e2e-test-images/agnhost:2.53   app=batch,role=worker   <none>
`},
		{"nodes-wide", setupNodesForGet, []string{"nodes", "-o", "wide"}, `NAME     STATUS                     ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                    KERNEL-VERSION   CONTAINER-RUNTIME
node01   Ready,SchedulingDisabled   worker   3h    v1.37.2   172.18.0.3    <none>        kubeplay WebAssembly node   6.1.0-kubeplay   wasm://wazero-1.12.0
node02   Ready                      worker   3h    v1.37.2   172.18.0.4    203.0.113.4   <unknown>                   <unknown>        <unknown>
`},
		{"services-load-balancer", setupLoadBalancer, []string{"svc", "shop", "waiting", "-o", "wide"}, `NAME      TYPE           CLUSTER-IP   EXTERNAL-IP                                           PORT(S)         AGE   SELECTOR
shop      LoadBalancer   10.96.12.7   198.51.100.3,198.51.100.7,lb.example.com,192.0.2.10   80:30080/TCP    10m   app=shop
waiting   LoadBalancer   10.96.40.2   <pending>                                             443:31443/TCP   10m   app=waiting
`},
	})
}
