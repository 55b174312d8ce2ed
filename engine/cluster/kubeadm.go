package cluster

import (
	"fmt"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/volume"
)

// What kubeadm would set up: the images of this Kubernetes release, the
// control plane's static pods, and the kube-proxy and CoreDNS add-ons.

// Images of the release.
var (
	imageAPIServer  = "registry.k8s.io/kube-apiserver:" + apiserver.Version
	imageController = "registry.k8s.io/kube-controller-manager:" + apiserver.Version
	imageScheduler  = "registry.k8s.io/kube-scheduler:" + apiserver.Version
	imageProxy      = "registry.k8s.io/kube-proxy:" + apiserver.Version
	imageEtcd       = "registry.k8s.io/etcd:3.6.5-0"
	imageCoreDNS    = "registry.k8s.io/coredns/coredns:v1.12.1"
	imagePause      = "registry.k8s.io/pause:3.10.1"
)

// ControlPlaneName is the name of the control-plane node.
const ControlPlaneName = "controlplane"

func staticPod(name string, requests api.ResourceList, image string, command []string, annotations map[string]string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Namespace:   "kube-system",
			Labels:      map[string]string{"component": name, "tier": "control-plane"},
			Annotations: annotations,
		},
		Spec: api.PodSpec{
			Containers: []api.Container{{
				Name:            name,
				Image:           image,
				ImagePullPolicy: "IfNotPresent",
				Command:         command,
				Resources:       api.ResourceRequirements{Requests: requests},
			}},
			HostNetwork:       true,
			PriorityClassName: "system-node-critical",
			Priority:          api.Ptr(int32(2000001000)),
			SecurityContext:   &api.PodSecurityContext{SeccompProfile: &api.SeccompProfile{Type: "RuntimeDefault"}},
		},
	}
}

func cpu(q string) api.ResourceList { return api.ResourceList{"cpu": api.MustParse(q)} }

// staticPods are kubeadm's manifests in /etc/kubernetes/manifests.
func staticPods(addr, clusterCIDR string, nodeMaskSize int) []*api.Pod {
	etcd := staticPod("etcd", api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("100Mi")}, imageEtcd, []string{
		"etcd", "--advertise-client-urls=https://" + addr + ":2379", "--data-dir=/var/lib/etcd",
		"--listen-client-urls=https://127.0.0.1:2379,https://" + addr + ":2379", "--name=" + ControlPlaneName,
	}, map[string]string{"kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://" + addr + ":2379"})
	apiServer := staticPod("kube-apiserver", cpu("250m"), imageAPIServer, []string{
		"kube-apiserver", "--advertise-address=" + addr, "--allow-privileged=true", "--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction", "--etcd-servers=https://127.0.0.1:2379", "--secure-port=6443",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local", "--service-cluster-ip-range=10.96.0.0/12",
	}, map[string]string{"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": addr + ":6443"})
	kcm := []string{
		"kube-controller-manager", "--allocate-node-cidrs=true", "--cluster-cidr=" + clusterCIDR, "--cluster-name=kubeplay",
		"--controllers=*,bootstrapsigner,tokencleaner", "--leader-elect=true",
	}
	if nodeMaskSize != 0 {
		kcm = append(kcm, "--node-cidr-mask-size="+strconv.Itoa(nodeMaskSize))
	}
	kcm = append(kcm, "--service-cluster-ip-range=10.96.0.0/12")
	controllerManager := staticPod("kube-controller-manager", cpu("200m"), imageController, kcm, nil)
	sched := staticPod("kube-scheduler", cpu("100m"), imageScheduler, []string{
		"kube-scheduler", "--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true",
	}, nil)
	return []*api.Pod{etcd, apiServer, controllerManager, sched}
}

// applyAddons creates kubeadm's add-ons: kube-proxy on every node and
// CoreDNS behind the kube-dns Service.
func applyAddons(c *client.Client, clusterCIDR string) error {
	objs := []api.Object{
		&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"}},
		&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "coredns", Namespace: "kube-system"}},
		&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system", Labels: map[string]string{"app": "kube-proxy"}},
			Data: map[string]string{"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: " + clusterCIDR + "\nmode: iptables\n"}},
		&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": corefile}},
		kubeProxyDaemonSet(),
		coreDNSDeployment(),
		kubeDNSService(),
		volume.DefaultStorageClass(), // kind installs it after kubeadm
	}
	for _, o := range objs {
		r := api.ResourceFor(o)
		if _, err := c.Get(r, "kube-system", o.GetObjectMeta().Name); err == nil {
			continue // a restored cluster has it already
		}
		_, err := c.Create(r, "kube-system", o)
		if err != nil && !apiserver.IsAlreadyExists(err) {
			return fmt.Errorf("kubeadm: create %s: %w", o.GetObjectMeta().Name, err)
		}
	}
	return nil
}

const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

func kubeProxyDaemonSet() *api.DaemonSet {
	labels := map[string]string{"k8s-app": "kube-proxy"}
	return &api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system", Labels: labels},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{
					Containers: []api.Container{{
						Name:            "kube-proxy",
						Image:           imageProxy,
						ImagePullPolicy: "IfNotPresent",
						Command:         []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"},
						Env:             []api.EnvVar{{Name: "NODE_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}}},
						SecurityContext: &api.SecurityContext{Privileged: api.Ptr(true)},
					}},
					HostNetwork:        true,
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					PriorityClassName:  "system-node-critical",
					ServiceAccountName: "kube-proxy",
					Tolerations:        []api.Toleration{{Operator: "Exists"}},
				},
			},
		},
	}
}

func coreDNSDeployment() *api.Deployment {
	labels := map[string]string{"k8s-app": "kube-dns"}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "coredns", Namespace: "kube-system", Labels: labels},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(2)),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Strategy: api.DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDeployment{MaxUnavailable: api.Ptr(api.FromInt(1))}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{
					Containers: []api.Container{{
						Name:            "coredns",
						Image:           imageCoreDNS,
						ImagePullPolicy: "IfNotPresent",
						Args:            []string{"-conf", "/etc/coredns/Corefile"},
						Ports: []api.ContainerPort{
							{Name: "dns", ContainerPort: 53, Protocol: "UDP"},
							{Name: "dns-tcp", ContainerPort: 53, Protocol: "TCP"},
							{Name: "metrics", ContainerPort: 9153, Protocol: "TCP"},
						},
						Resources: api.ResourceRequirements{
							Limits:   api.ResourceList{"memory": api.MustParse("170Mi")},
							Requests: api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("70Mi")},
						},
					}},
					DNSPolicy:          "Default",
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					PriorityClassName:  "system-cluster-critical",
					ServiceAccountName: "coredns",
					Tolerations: []api.Toleration{
						{Key: "CriticalAddonsOnly", Operator: "Exists"},
						{Key: "node-role.kubernetes.io/control-plane", Effect: api.TaintNoSchedule},
					},
				},
			},
		},
	}
}

func kubeDNSService() *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{
			Name: "kube-dns", Namespace: "kube-system",
			Labels:      map[string]string{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
			Annotations: map[string]string{"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
		},
		Spec: api.ServiceSpec{
			ClusterIP: "10.96.0.10",
			Selector:  map[string]string{"k8s-app": "kube-dns"},
			Ports: []api.ServicePort{
				{Name: "dns", Port: 53, Protocol: "UDP", TargetPort: api.FromInt(53)},
				{Name: "dns-tcp", Port: 53, Protocol: "TCP", TargetPort: api.FromInt(53)},
				{Name: "metrics", Port: 9153, Protocol: "TCP", TargetPort: api.FromInt(9153)},
			},
		},
	}
}
