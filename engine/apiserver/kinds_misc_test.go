package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestEndpointSlice(t *testing.T) {
	s := newServer()
	eps := mustApply[*api.EndpointSlice](t, s, `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: example-abc
  labels: {kubernetes.io/service-name: example}
addressType: IPv4
ports:
- port: 80
endpoints:
- addresses: ["10.1.2.3"]
  conditions: {ready: true}
  hostname: pod-1
  nodeName: node-1
`)
	assert.Equal(t, "", *eps.Ports[0].Name)
	assert.Equal(t, "TCP", *eps.Ports[0].Protocol)
	assert.Equal(t, int64(1), eps.Generation)
	assert.Equal(t, `EndpointSlice.discovery.k8s.io "bad" is invalid: addressType: Required value`,
		applyErr(t, s, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: bad}\nendpoints: []\nports: []\n"))
	assert.Equal(t, `EndpointSlice.discovery.k8s.io "bad" is invalid: [endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address, endpoints[0].addresses[0]: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10), endpoints[1].addresses: Required value: must contain at least 1 address, ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"]`,
		applyErr(t, s, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: bad}\naddressType: IPv4\nendpoints: [{addresses: [\"fe80::1\"]}, {addresses: []}]\nports: [{protocol: HTTP}]\n"))
	assert.Equal(t, `EndpointSlice.discovery.k8s.io "bad" is invalid: addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"`,
		applyErr(t, s, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: bad}\naddressType: IPv5\nendpoints: []\nports: []\n"))
	assert.Equal(t, `EndpointSlice.discovery.k8s.io "example-abc" is invalid: addressType: Invalid value: "FQDN": field is immutable`,
		update(t, s, eps, func(e *api.EndpointSlice) {
			e.AddressType = "FQDN"
			e.Endpoints[0].Addresses = []string{"pod.example.com"}
		}))
	assert.Empty(t, update(t, s, eps, func(e *api.EndpointSlice) { e.Endpoints[0].Addresses = []string{"10.1.2.4"} }))
	assert.Equal(t, int64(2), mustGet[*api.EndpointSlice](t, s, "endpointslices", "example-abc").Generation)
}

func TestPriorityClass(t *testing.T) {
	s := newServer()
	pc := mustApply[*api.PriorityClass](t, s, "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high-priority}\nvalue: 1000000\nglobalDefault: false\ndescription: For XYZ pods.\n")
	assert.Equal(t, "PreemptLowerPriority", *pc.PreemptionPolicy)
	sys, err := s.Get(resourceOf("priorityclasses"), "", "system-node-critical")
	require.NoError(t, err)
	assert.Equal(t, "PreemptLowerPriority", *sys.(*api.PriorityClass).PreemptionPolicy)

	tests := []struct {
		doc, want string
	}{
		{"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: system-mine}\nvalue: 10\n",
			`PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class`},
		{"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: huge}\nvalue: 1000000001\n",
			`PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000`},
		{"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\nvalue: 1\npreemptionPolicy: Sometimes\n",
			`PriorityClass.scheduling.k8s.io "p" is invalid: preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
	}
	assert.Equal(t, `PriorityClass.scheduling.k8s.io "high-priority" is invalid: [value: Forbidden: may not be changed in an update., preemptionPolicy: Invalid value: "Never": field is immutable]`,
		update(t, s, pc, func(p *api.PriorityClass) { p.Value = 5; p.PreemptionPolicy = api.Ptr("Never") }))
	assert.Empty(t, update(t, s, pc, func(p *api.PriorityClass) { p.Description = "changed" }))
}

func TestStorageClass(t *testing.T) {
	s := newServer()
	sc := mustApply[*api.StorageClass](t, s, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: standard}\nprovisioner: rancher.io/local-path\n")
	assert.Equal(t, "Delete", *sc.ReclaimPolicy)
	assert.Equal(t, "Immediate", *sc.VolumeBindingMode)
	assert.Equal(t, `StorageClass.storage.k8s.io "bad" is invalid: [provisioner: Required value, reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain", volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"]`,
		applyErr(t, s, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: bad}\nreclaimPolicy: Recycle\nvolumeBindingMode: Later\n"))
	assert.Equal(t, `StorageClass.storage.k8s.io "standard" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden., volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable]`,
		update(t, s, sc, func(c *api.StorageClass) {
			c.Parameters = map[string]string{"type": "ssd"}
			c.Provisioner = "example.com/other"
			c.VolumeBindingMode = api.Ptr("WaitForFirstConsumer")
		}))
	assert.Empty(t, update(t, s, sc, func(c *api.StorageClass) { c.AllowVolumeExpansion = api.Ptr(true) }))
}

func TestPodDisruptionBudget(t *testing.T) {
	s := newServer()
	pdb := mustApply[*api.PodDisruptionBudget](t, s, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: zk-pdb}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: zookeeper}}\n")
	assert.Equal(t, int64(1), pdb.Generation)
	assert.Equal(t, `PodDisruptionBudget.policy "bad" is invalid: spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%`,
		applyErr(t, s, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec:\n  maxUnavailable: 150%\n"))
	assert.Contains(t, applyErr(t, s, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec:\n  maxUnavailable: 1\n  minAvailable: 1\n"),
		`PodDisruptionBudget.policy "bad" is invalid: spec: Invalid value: policy.PodDisruptionBudgetSpec{`)
	assert.Equal(t, `PodDisruptionBudget.policy "bad" is invalid: spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"`,
		applyErr(t, s, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec:\n  minAvailable: 1\n  unhealthyPodEvictionPolicy: Never\n"))
	// policy/v1 budgets may change.
	assert.Empty(t, update(t, s, pdb, func(p *api.PodDisruptionBudget) { p.Spec.MinAvailable = api.Ptr(api.FromString("50%")) }))
	assert.Equal(t, int64(2), mustGet[*api.PodDisruptionBudget](t, s, "poddisruptionbudgets", "zk-pdb").Generation)
}

func TestHorizontalPodAutoscaler(t *testing.T) {
	s := newServer()
	hpa := mustApply[*api.HorizontalPodAutoscaler](t, s, `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: php-apache}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  maxReplicas: 10
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
`)
	assert.Equal(t, `behavior:
  scaleDown:
    policies:
    - periodSeconds: 15
      type: Percent
      value: 100
    selectPolicy: Max
    stabilizationWindowSeconds: 300
  scaleUp:
    policies:
    - periodSeconds: 15
      type: Pods
      value: 4
    - periodSeconds: 15
      type: Percent
      value: 100
    selectPolicy: Max
    stabilizationWindowSeconds: 0
maxReplicas: 10
metrics:
- resource:
    name: cpu
    target:
      averageUtilization: 80
      type: Utilization
  type: Resource
minReplicas: 1
scaleTargetRef:
  apiVersion: apps/v1
  kind: Deployment
  name: php-apache
`, yamlOf(t, hpa.Spec))

	// autoscaling/v1 objects are stored as v2: defaulted and checked alike.
	v1, err := apply(t, s, "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: v1}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 50\n")
	require.NoError(t, err)
	assert.Equal(t, int32(1), *v1.(*api.AutoscalingV1HorizontalPodAutoscaler).Spec.MinReplicas)
	assert.Equal(t, `HorizontalPodAutoscaler.autoscaling "v1" is invalid: [spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.scaleTargetRef.name: Required value, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]`,
		applyErr(t, s, "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: v1}\nspec:\n  scaleTargetRef: {kind: Deployment}\n  minReplicas: 0\n  maxReplicas: 3\n"))

	tests := []struct {
		spec, want string
	}{
		{"  minReplicas: 5\n  maxReplicas: 2\n",
			"spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"},
		{"  maxReplicas: 2\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Percent, averageUtilization: 0}}}]\n",
			"[spec.metrics[0].resource.target.type: Invalid value: \"Percent\": must be either Utilization, Value, or AverageValue, spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0]"},
		{"  maxReplicas: 2\n  metrics: [{type: Pods, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]\n",
			"spec.metrics[0].pods: Required value: must populate information for the given metric source"},
		{"  maxReplicas: 2\n  metrics: [{type: Pods, pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: 1k}}, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]\n",
			"spec.metrics[0].resource: Forbidden: must populate the given metric source only"},
		{"  maxReplicas: 2\n  behavior: {scaleUp: {selectPolicy: Sometimes, policies: [{type: Pods, value: 0, periodSeconds: 3600}]}}\n",
			"[spec.behavior.scaleUp.selectPolicy: Unsupported value: \"Sometimes\": supported values: \"Disabled\", \"Max\", \"Min\", spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero, spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800]"},
	}
	for _, tt := range tests {
		doc := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n" + tt.spec
		assert.Equal(t, `HorizontalPodAutoscaler.autoscaling "h" is invalid: `+tt.want, applyErr(t, s, doc))
	}
}

func TestLease(t *testing.T) {
	s := newServer()
	_ = mustApply[*api.Lease](t, s, "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\nspec: {holderIdentity: me, leaseDurationSeconds: 15}\n")
	assert.Equal(t, `Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0, spec.preferredHolder: Forbidden: may only be specified if `+"`strategy`"+` is defined]`,
		applyErr(t, s, "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: bad}\nspec: {leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: you}\n"))
}
