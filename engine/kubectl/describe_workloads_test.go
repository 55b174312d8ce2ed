package kubectl

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// TestDescribeWorkloadsAndNetwork describes the kinds of
// describe_workloads.go and describe_network.go against goldens in
// testdata/describe.
func TestDescribeWorkloadsAndNetwork(t *testing.T) {
	runDescribeGoldens(t, []describeCase{
		{"statefulset", setupStatefulSetWithClaims, []string{"sts", "web"}},
		{"statefulset-plain", setupStatefulSet, []string{"statefulset/web"}},
		{"replicationcontroller", setupReplicationController, []string{"rc", "nginx"}},
		{"hpa", setupAutoscalerWithBehavior, []string{"hpa", "php-apache"}},
		{"hpa-v1", setupAutoscalers, []string{"horizontalpodautoscalers.v1.autoscaling", "php-apache"}},
		{"hpa-metrics", setupAutoscalers, []string{"hpa", "busy", "queue", "measured"}},
		{"pdb", setupDisruptionBudgets, []string{"pdb"}},
		{"priorityclass", setupPriorityClasses, []string{"pc", "high-priority", "high-priority-nonpreempting"}},
		{"endpoints", setupEndpoints, []string{"ep", "web", "nothing"}},
		{"endpointslice", setupEndpointSlices, []string{"endpointslice", "web-7xk2p", "web-empty", "web-named-port"}},
		{"ingress", setupIngressWithBackends, []string{"ingress", "shop"}},
		{"ingress-default-only", setupIngresses, []string{"ing", "default-backend"}},
		{"ingress-tls", setupIngresses, []string{"ing", "tls-example-ingress"}},
		{"ingressclass", setupIngressClasses, []string{"ingressclass", "external-lb", "nginx"}},
		{"networkpolicy", setupNetworkPolicies, []string{"netpol"}},
		{"controllerrevision", setupControllerRevisions, []string{"controllerrevision", "web-6d5b8f7c9d"}},
	})
}

// describeCase is a golden test of kubectl describe: what to put in the
// fixture, the arguments, and testdata/describe/NAME.golden.
type describeCase struct {
	name  string
	setup func(f *describeFixture)
	args  []string
}

// runDescribeGoldens runs each case in a fresh fixture and compares what
// describe prints with its golden, or rewrites the golden with -update.
func runDescribeGoldens(t *testing.T, tests []describeCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			got := f.run("", tt.args...)
			file := filepath.Join("testdata", "describe", tt.name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
				require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}

// setupStatefulSetWithClaims is the StatefulSet of kubernetes.io's
// "StatefulSet Basics" with its volume claim template, a partitioned
// rolling update and a claim retention policy, its two pods running.
func setupStatefulSetWithClaims(f *describeFixture) {
	ss := create(f, &api.StatefulSet{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "nginx"}},
		Spec: api.StatefulSetSpec{
			Replicas: api.Ptr(int32(2)), ServiceName: "nginx", PodManagementPolicy: "Parallel",
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			UpdateStrategy: api.StatefulSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateStatefulSetStrategy{
				Partition: api.Ptr(int32(1)), MaxUnavailable: api.Ptr(api.FromString("50%"))}},
			PersistentVolumeClaimRetentionPolicy: &api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: "Delete", WhenScaled: "Retain"},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "nginx"}},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "registry.k8s.io/nginx-slim:0.24",
					Ports:        []api.ContainerPort{{Name: "web", ContainerPort: 80}},
					VolumeMounts: []api.VolumeMount{{Name: "www", MountPath: "/usr/share/nginx/html"}}}}},
			},
			VolumeClaimTemplates: []api.PersistentVolumeClaim{{
				ObjectMeta: api.ObjectMeta{Name: "www", Labels: map[string]string{"app": "nginx", "tier": "data"}},
				Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteOnce"},
					Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}}},
			}, {
				ObjectMeta: api.ObjectMeta{Name: "logs", Annotations: map[string]string{"volume.beta.kubernetes.io/storage-class": "slow"}},
				Spec:       api.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteOnce", "ReadOnlyMany"}},
			}},
		},
	}, func(s *api.StatefulSet) {
		s.Status = api.StatefulSetStatus{Replicas: 2, ReadyReplicas: 2, CurrentReplicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
	})
	for i := range 2 {
		create(f, &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default", Labels: map[string]string{"app": "nginx"},
				OwnerReferences: ownedBy("StatefulSet", "web", ss.UID)},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "registry.k8s.io/nginx-slim:0.24"}}},
		}, func(p *api.Pod) { p.Status.Phase = api.PodRunning })
	}
	f.l.AdvanceBy(2 * time.Minute)
	f.event(ss, api.EventNormal, "SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success", "statefulset-controller", "", 1, 2*time.Minute, 2*time.Minute)
	f.event(ss, api.EventNormal, "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful", "statefulset-controller", "", 1, 119*time.Second, 119*time.Second)
}

// setupAutoscalerWithBehavior is kubernetes.io's php-apache autoscaler
// in autoscaling/v2, with a scaling behavior, its conditions after a
// minute of load and the controller's events.
func setupAutoscalerWithBehavior(f *describeFixture) {
	hpa := create(f, &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "php-apache", Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "php-apache"},
			MinReplicas:    api.Ptr(int32(1)), MaxReplicas: 10, Metrics: []api.MetricSpec{cpuUtilization(50)},
			Behavior: &api.HorizontalPodAutoscalerBehavior{
				ScaleDown: &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(300)), Policies: []api.HPAScalingPolicy{{Type: "Percent", Value: 100, PeriodSeconds: 15}}},
				ScaleUp: &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(0)), SelectPolicy: api.Ptr("Max"), Policies: []api.HPAScalingPolicy{
					{Type: "Percent", Value: 100, PeriodSeconds: 15}, {Type: "Pods", Value: 4, PeriodSeconds: 15}}},
			},
		},
	}, func(h *api.HorizontalPodAutoscaler) {
		h.Status = api.HorizontalPodAutoscalerStatus{CurrentReplicas: 4, DesiredReplicas: 7,
			CurrentMetrics: []api.MetricStatus{{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "cpu",
				Current: api.MetricValueStatus{AverageUtilization: api.Ptr(int32(86)), AverageValue: api.Ptr(api.MustParse("172m"))}}}},
			Conditions: []api.HorizontalPodAutoscalerCondition{
				{Type: "AbleToScale", Status: "True", Reason: "SucceededRescale", Message: "the HPA controller was able to update the target scale to 7"},
				{Type: "ScalingActive", Status: "True", Reason: "ValidMetricFound", Message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
				{Type: "ScalingLimited", Status: "False", Reason: "DesiredWithinRange", Message: "the desired count is within the acceptable range"},
			}}
	})
	f.l.AdvanceBy(90 * time.Second)
	f.event(hpa, api.EventNormal, "SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above target", "horizontal-pod-autoscaler", "", 1, 75*time.Second, 75*time.Second)
	f.event(hpa, api.EventNormal, "SuccessfulRescale", "New size: 7; reason: cpu resource utilization (percentage of request) above target", "horizontal-pod-autoscaler", "", 1, 15*time.Second, 15*time.Second)
}

// setupIngressWithBackends is an Ingress whose backends are a service with
// ready endpoints (by port number and by port name), one with none, one
// that does not exist, and a resource.
func setupIngressWithBackends(f *describeFixture) {
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []api.ServicePort{{Name: "http", Port: 80}, {Name: "metrics", Port: 9090}}},
	}, nil)
	create(f, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "api", Namespace: "default"},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": "api"}, Ports: []api.ServicePort{{Port: 8080}}},
	}, nil)
	port := func(name string, n int32) api.DiscoveryV1EndpointPort {
		return api.DiscoveryV1EndpointPort{Name: api.Ptr(name), Port: api.Ptr(n), Protocol: api.Ptr("TCP")}
	}
	ep := func(ip string, ready bool) api.Endpoint {
		return api.Endpoint{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: api.Ptr(ready)}}
	}
	create(f, &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Name: "web-abcde", Namespace: "default", Labels: map[string]string{"kubernetes.io/service-name": "web"}},
		AddressType: "IPv4", Ports: []api.DiscoveryV1EndpointPort{port("http", 8080), port("metrics", 9090)},
		Endpoints: []api.Endpoint{ep("10.244.1.5", true), ep("10.244.2.7", true), ep("10.244.1.9", false)},
	}, nil)
	web := func(path string, port api.ServiceBackendPort) api.HTTPIngressPath {
		return api.HTTPIngressPath{Path: path, PathType: api.Ptr("Prefix"), Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: port}}}
	}
	ing := create(f, &api.Ingress{
		ObjectMeta: api.ObjectMeta{Name: "shop", Namespace: "default", Labels: map[string]string{"app": "shop"},
			Annotations: map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/"}},
		Spec: api.IngressSpec{
			IngressClassName: api.Ptr("nginx"),
			DefaultBackend:   &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "api", Port: api.ServiceBackendPort{Number: 8080}}},
			TLS:              []api.IngressTLS{{Hosts: []string{"shop.example.com", "www.shop.example.com"}, SecretName: "shop-tls"}, {Hosts: []string{"sni.example.com"}}},
			Rules: []api.IngressRule{
				{Host: "shop.example.com", IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{
					web("/", api.ServiceBackendPort{Number: 80}), web("/metrics", api.ServiceBackendPort{Name: "metrics"}),
					{Path: "/cart", PathType: api.Ptr("Exact"), Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "cart", Port: api.ServiceBackendPort{Number: 80}}}},
				}}}},
				{IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{
					{Path: "/static", PathType: api.Ptr("Prefix"), Backend: api.IngressBackend{Resource: &api.TypedLocalObjectReference{APIGroup: api.Ptr("k8s.example.com"), Kind: "StorageBucket", Name: "static-assets"}}},
				}}}},
				{Host: "empty.example.com"},
			},
		},
	}, func(i *api.Ingress) {
		i.Status.LoadBalancer.Ingress = []api.IngressLoadBalancerIngress{{IP: "172.18.255.200"}}
	})
	f.l.AdvanceBy(3 * time.Minute)
	f.event(ing, api.EventNormal, "Sync", "Scheduled for sync", "nginx-ingress-controller", "", 2, 3*time.Minute, 2*time.Minute)
}
