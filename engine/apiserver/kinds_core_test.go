package apiserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestSecret(t *testing.T) {
	s := newServer()
	sec := mustApply[*api.Secret](t, s, `
apiVersion: v1
kind: Secret
metadata: {name: creds}
data:
  username: YWRtaW4=
  password: b2xk
stringData:
  password: s3cr3t
`)
	assert.Equal(t, "Opaque", sec.Type)
	assert.Nil(t, sec.StringData, "stringData is merged into data")
	assert.Equal(t, map[string][]byte{"username": []byte("admin"), "password": []byte("s3cr3t")}, sec.Data)

	tests := []struct {
		name, doc, want string
	}{
		{"bad key", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {\"a b\": x}\n",
			`Secret "s" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{"dot dot", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {..a: x}\n",
			`Secret "s" is invalid: data[..a]: Invalid value: "..a": must not start with '..'`},
		{"tls", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}\n",
			`Secret "s" is invalid: data[tls.key]: Required value`},
		{"docker config", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: \"{\"}\n",
			`Secret "s" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input`},
		{"basic auth", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/basic-auth\n",
			`Secret "s" is invalid: [data[username]: Required value, data[password]: Required value]`},
		{"token", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/service-account-token\n",
			`Secret "s" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value`},
		{"too big", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: " + strings.Repeat("x", 1<<20+1) + "}\n",
			`Secret "s" is invalid: data: Too long: may not be more than 1048576 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}

	assert.Equal(t, `Secret "creds" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable`,
		update(t, s, sec, func(s *api.Secret) { s.Type = "kubernetes.io/tls"; s.Data["tls.crt"], s.Data["tls.key"] = nil, nil }))
	assert.Empty(t, update(t, s, sec, func(s *api.Secret) { s.StringData = map[string]string{"extra": "1"}; s.Immutable = api.Ptr(true) }))
	sec = mustGet[*api.Secret](t, s, "secrets", "creds")
	assert.Equal(t, []byte("1"), sec.Data["extra"])
	assert.Equal(t, `Secret "creds" is invalid: [immutable: Forbidden: field is immutable when `+"`immutable`"+` is set, data: Forbidden: field is immutable when `+"`immutable`"+` is set]`,
		update(t, s, sec, func(s *api.Secret) { s.Immutable = nil; s.Data["extra"] = []byte("2") }))
}

func TestConfigMap(t *testing.T) {
	s := newServer()
	assert.Equal(t, `ConfigMap "c" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData`,
		applyErr(t, s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\nbinaryData: {k: dg==}\n"))
	assert.Equal(t, `ConfigMap "c" is invalid: : Too long: may not be more than 1048576 bytes`,
		applyErr(t, s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: "+strings.Repeat("v", 1<<20+1)+"}\n"))
	cm := mustApply[*api.ConfigMap](t, s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {k: v}\n")
	assert.Equal(t, `ConfigMap "c" is invalid: data: Forbidden: field is immutable when `+"`immutable`"+` is set`,
		update(t, s, cm, func(c *api.ConfigMap) { c.Data["k"] = "w" }))
	assert.Empty(t, update(t, s, cm, func(c *api.ConfigMap) { c.Labels = map[string]string{"a": "b"} }))
}

const hostPathPV = `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "/mnt/data"
`

func TestPersistentVolume(t *testing.T) {
	s := newServer()
	pv := mustApply[*api.PersistentVolume](t, s, hostPathPV)
	assert.Equal(t, `accessModes:
- ReadWriteOnce
capacity:
  storage: 10Gi
hostPath:
  path: /mnt/data
  type: ""
persistentVolumeReclaimPolicy: Retain
storageClassName: manual
volumeMode: Filesystem
`, yamlOf(t, pv.Spec))
	assert.Equal(t, "lastPhaseTransitionTime: \"2026-01-01T00:00:00Z\"\nphase: Pending\n", yamlOf(t, pv.Status))
	assert.Empty(t, pv.Namespace)

	with := func(old, new string) string { return strings.Replace(hostPathPV, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"no source", with("  hostPath:\n    path: \"/mnt/data\"\n", ""),
			`PersistentVolume "task-pv-volume" is invalid: spec: Required value: must specify a volume type`},
		{"two sources", with("  hostPath:", "  nfs: {server: nfs.local, path: /export}\n  hostPath:"),
			`PersistentVolume "task-pv-volume" is invalid: spec.nfs: Forbidden: may not specify more than 1 volume type`},
		{"no access modes", with("  accessModes:\n    - ReadWriteOnce\n", ""),
			`PersistentVolume "task-pv-volume" is invalid: spec.accessModes: Required value`},
		{"access mode", with("- ReadWriteOnce", "- ReadWriteSometimes"),
			`PersistentVolume "task-pv-volume" is invalid: spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"`},
		{"zero capacity", with("storage: 10Gi", "storage: 0"),
			`PersistentVolume "task-pv-volume" is invalid: spec.capacity[storage]: Invalid value: "0": must be greater than zero`},
		{"reclaim", with("  storageClassName", "  persistentVolumeReclaimPolicy: Keep\n  storageClassName"),
			`PersistentVolume "task-pv-volume" is invalid: spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"`},
		{"backsteps", with("/mnt/data", "/mnt/../etc"),
			`PersistentVolume "task-pv-volume" is invalid: spec.hostPath.path: Invalid value: "/mnt/../etc": must not contain '..'`},
		{"local needs affinity", with("  hostPath:\n    path: \"/mnt/data\"\n", "  local: {path: /mnt/disks/ssd1}\n"),
			`PersistentVolume "task-pv-volume" is invalid: spec.nodeAffinity: Required value: Local volume requires node affinity`},
		{"volume mode", with("  storageClassName", "  volumeMode: Raw\n  storageClassName"),
			`PersistentVolume "task-pv-volume" is invalid: spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}

	msg := update(t, s, pv, func(pv *api.PersistentVolume) { pv.Spec.HostPath.Path = "/mnt/other" })
	assert.True(t, strings.HasPrefix(msg, `PersistentVolume "task-pv-volume" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation`+"\n"), msg)
	assert.Contains(t, msg, "/mnt/other")
	assert.Equal(t, `PersistentVolume "task-pv-volume" is invalid: volumeMode: Invalid value: "Block": field is immutable`,
		update(t, s, pv, func(pv *api.PersistentVolume) { pv.Spec.VolumeMode = api.Ptr("Block") }))
	assert.Empty(t, update(t, s, pv, func(pv *api.PersistentVolume) {
		pv.Spec.Capacity["storage"] = api.MustParse("20Gi")
		pv.Spec.PersistentVolumeReclaimPolicy = "Delete"
	}))
}

const taskPVC = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
`

func TestPersistentVolumeClaim(t *testing.T) {
	s := newServer()
	pvc := mustApply[*api.PersistentVolumeClaim](t, s, taskPVC)
	assert.Equal(t, "accessModes:\n- ReadWriteOnce\nresources:\n  requests:\n    storage: 3Gi\nstorageClassName: manual\nvolumeMode: Filesystem\n", yamlOf(t, pvc.Spec))
	assert.Equal(t, "phase: Pending\n", yamlOf(t, pvc.Status))

	with := func(old, new string) string {
		return strings.Replace(strings.Replace(taskPVC, "task-pv-claim", "c", 1), old, new, 1)
	}
	assert.Equal(t, `PersistentVolumeClaim "c" is invalid: spec.accessModes: Required value: at least 1 access mode is required`,
		applyErr(t, s, with("  accessModes:\n    - ReadWriteOnce\n", "")))
	assert.Equal(t, `PersistentVolumeClaim "c" is invalid: spec.resources[storage]: Required value`,
		applyErr(t, s, with("      storage: 3Gi", "      cpu: 1")))
	assert.Equal(t, `PersistentVolumeClaim "c" is invalid: spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes`,
		applyErr(t, s, with("    - ReadWriteOnce\n", "    - ReadWriteOnce\n    - ReadWriteOncePod\n")))
	// dataSourceRef mirrors dataSource before validation, as in kube-apiserver.
	assert.Equal(t, `PersistentVolumeClaim "c" is invalid: [spec.dataSource: Invalid value: "Snapshot": must be 'PersistentVolumeClaim' when referencing the default apiGroup, spec.dataSourceRef: Invalid value: "Snapshot": must be 'PersistentVolumeClaim' when referencing the default apiGroup]`,
		applyErr(t, s, with("  resources:", "  dataSource: {kind: Snapshot, name: snap}\n  resources:")))

	msg := update(t, s, pvc, func(p *api.PersistentVolumeClaim) { p.Spec.Resources.Requests["storage"] = api.MustParse("5Gi") })
	assert.True(t, strings.HasPrefix(msg, `PersistentVolumeClaim "task-pv-claim" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims`+"\n"), msg)
	// The binder may set volumeName once.
	assert.Empty(t, update(t, s, pvc, func(p *api.PersistentVolumeClaim) { p.Spec.VolumeName = "task-pv-volume" }))
	pvc = mustGet[*api.PersistentVolumeClaim](t, s, "persistentvolumeclaims", "task-pv-claim")
	assert.Contains(t, update(t, s, pvc, func(p *api.PersistentVolumeClaim) { p.Spec.VolumeName = "other" }), "spec is immutable after creation")
	// A bound claim may grow, not shrink below its capacity.
	pvc.Status = api.PersistentVolumeClaimStatus{Phase: "Bound", Capacity: api.ResourceList{"storage": api.MustParse("3Gi")}}
	_, err := s.UpdateStatus(resourceOf("persistentvolumeclaims"), pvc)
	require.NoError(t, err)
	pvc = mustGet[*api.PersistentVolumeClaim](t, s, "persistentvolumeclaims", "task-pv-claim")
	assert.Empty(t, update(t, s, pvc, func(p *api.PersistentVolumeClaim) { p.Spec.Resources.Requests["storage"] = api.MustParse("5Gi") }))
	pvc = mustGet[*api.PersistentVolumeClaim](t, s, "persistentvolumeclaims", "task-pv-claim")
	assert.Equal(t, `PersistentVolumeClaim "task-pv-claim" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity`,
		update(t, s, pvc, func(p *api.PersistentVolumeClaim) { p.Spec.Resources.Requests["storage"] = api.MustParse("2Gi") }))
}

func TestDefaultStorageClassAdmission(t *testing.T) {
	s := newServer()
	_ = mustApply[*api.StorageClass](t, s, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: standard\n  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\nprovisioner: rancher.io/local-path\n")
	pvc := mustApply[*api.PersistentVolumeClaim](t, s, strings.Replace(taskPVC, "  storageClassName: manual\n", "", 1))
	assert.Equal(t, "standard", *pvc.Spec.StorageClassName)
	pvc = mustApply[*api.PersistentVolumeClaim](t, s, strings.Replace(strings.Replace(taskPVC, "manual", `""`, 1), "task-pv-claim", "none", 1))
	assert.Equal(t, "", *pvc.Spec.StorageClassName, "an empty class means none, not the default")
}

func TestReplicationController(t *testing.T) {
	s := newServer()
	rc := mustApply[*api.ReplicationController](t, s, `
apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
`)
	assert.Equal(t, map[string]string{"app": "nginx"}, rc.Spec.Selector)
	assert.Equal(t, map[string]string{"app": "nginx"}, rc.Labels)
	assert.Equal(t, int32(1), *rc.Spec.Replicas)
	assert.Equal(t, int64(1), rc.Generation)
	assert.Equal(t, `ReplicationController "bad" is invalid: [spec.selector: Required value, spec.template: Required value]`,
		applyErr(t, s, "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: bad}\nspec: {replicas: 1}\n"))
	assert.Equal(t, `ReplicationController "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `+"`selector` does not match template `labels`",
		applyErr(t, s, "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: bad}\nspec:\n  selector: {app: web}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec: {containers: [{name: c, image: nginx}]}\n"))
	// A ReplicationController's selector may change.
	assert.Empty(t, update(t, s, rc, func(rc *api.ReplicationController) {
		rc.Spec.Selector["tier"] = "web"
		rc.Spec.Template.Labels["tier"] = "web"
	}))
}

func TestLimitRange(t *testing.T) {
	s := newServer()
	lr := mustApply[*api.LimitRange](t, s, `
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-min-max}
spec:
  limits:
  - max: {cpu: 800m}
    min: {cpu: 200m}
    type: Container
`)
	assert.Equal(t, `limits:
- default:
    cpu: 800m
  defaultRequest:
    cpu: 800m
  max:
    cpu: 800m
  min:
    cpu: 200m
  type: Container
`, yamlOf(t, lr.Spec))
	assert.Equal(t, `LimitRange "bad" is invalid: spec.limits[0].min[cpu]: Invalid value: 1: min value 1 is greater than max value 500m`,
		applyErr(t, s, "apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad}\nspec:\n  limits:\n  - {type: Pod, max: {cpu: 500m}, min: {cpu: 1}}\n"))
	assert.Equal(t, `LimitRange "bad" is invalid: [spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified, spec.limits[1].default: Forbidden: may not be specified when `+"`type`"+` is 'Pod']`,
		applyErr(t, s, "apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad}\nspec:\n  limits:\n  - {type: Node}\n  - {type: Pod, default: {cpu: 1}}\n"))
	assert.Equal(t, `LimitRange "bad" is invalid: spec.limits[0].max[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
		applyErr(t, s, "apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad}\nspec:\n  limits:\n  - {type: PersistentVolumeClaim, max: {gpu: 1, storage: 1Gi}}\n"))
}

func TestResourceQuota(t *testing.T) {
	s := newServer()
	rq := mustApply[*api.ResourceQuota](t, s, `
apiVersion: v1
kind: ResourceQuota
metadata: {name: mem-cpu-demo}
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
  scopes: [NotTerminating]
`)
	assert.Equal(t, `ResourceQuota "bad" is invalid: [spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0, spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified]`,
		applyErr(t, s, "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: bad}\nspec:\n  hard: {pods: -1, widgets: 3}\n"))
	assert.Equal(t, `ResourceQuota "bad" is invalid: spec.scopes: Invalid value: []string{"BestEffort", "NotBestEffort"}: conflicting scopes`,
		applyErr(t, s, "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: bad}\nspec:\n  hard: {pods: 3}\n  scopes: [BestEffort, NotBestEffort]\n"))
	assert.Equal(t, `ResourceQuota "mem-cpu-demo" is invalid: spec.scopes: Invalid value: []string{"Terminating"}: field is immutable`,
		update(t, s, rq, func(rq *api.ResourceQuota) { rq.Spec.Scopes = []string{"Terminating"} }))
	assert.Empty(t, update(t, s, rq, func(rq *api.ResourceQuota) { rq.Spec.Hard["pods"] = api.MustParse("10") }))
}

func TestEndpoints(t *testing.T) {
	s := newServer()
	ep := mustApply[*api.Endpoints](t, s, `
apiVersion: v1
kind: Endpoints
metadata: {name: external}
subsets:
- addresses: [{ip: 192.0.2.42}]
  ports: [{port: 80}]
`)
	assert.Equal(t, "TCP", ep.Subsets[0].Ports[0].Protocol)
	assert.Equal(t, `Endpoints "bad" is invalid: [subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128), subsets[0].ports[0].name: Required value, subsets[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive, subsets[1]: Required value: must specify `+"`addresses` or `notReadyAddresses`"+`]`,
		applyErr(t, s, "apiVersion: v1\nkind: Endpoints\nmetadata: {name: bad}\nsubsets:\n- addresses: [{ip: 127.0.0.1}]\n  ports: [{port: 80}, {name: b, port: 70000}]\n- ports: [{port: 1}]\n"))
	assert.Equal(t, `Endpoints "bad" is invalid: [subsets[0].addresses[0].ip: Invalid value: "300.1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff), subsets[0].addresses[0].ip: Invalid value: "300.1.1.1": must be a valid IP address]`,
		applyErr(t, s, "apiVersion: v1\nkind: Endpoints\nmetadata: {name: bad}\nsubsets:\n- addresses: [{ip: 300.1.1.1}]\n"))
}

func TestPodTemplateAndServiceAccount(t *testing.T) {
	s := newServer()
	pt := mustApply[*api.PodTemplate](t, s, "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n  metadata: {labels: {a: b}}\n  spec: {containers: [{name: c, image: nginx}]}\n")
	assert.Equal(t, "Always", pt.Template.Spec.RestartPolicy)
	assert.Equal(t, `PodTemplate "u" is invalid: template.spec.containers[0].image: Required value`,
		applyErr(t, s, "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: u}\ntemplate:\n  spec: {containers: [{name: c}]}\n"))
	_ = mustApply[*api.ServiceAccount](t, s, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: build-robot}\nautomountServiceAccountToken: false\n")
	assert.Equal(t, `ServiceAccount "Robot" is invalid: metadata.name: Invalid value: "Robot": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		applyErr(t, s, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: Robot}\n"))
}

func TestServiceValidation(t *testing.T) {
	s := newServer()
	svc := func(spec string) string { return "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n" + spec }
	tests := []struct {
		name, doc, want string
	}{
		{"target port name", svc("  ports: [{port: 80, targetPort: HTTP_port_of_web}]\n"),
			`Service "s" is invalid: [spec.ports[0].targetPort: Invalid value: "HTTP_port_of_web": must be no more than 15 characters, spec.ports[0].targetPort: Invalid value: "HTTP_port_of_web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)]`},
		{"target port number", svc("  ports: [{port: 80, targetPort: 70000}]\n"),
			`Service "s" is invalid: spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive`},
		{"port names", svc("  ports: [{name: web, port: 80}, {name: web, port: 81}, {port: 82}]\n"),
			`Service "s" is invalid: [spec.ports[1].name: Duplicate value: "web", spec.ports[2].name: Required value]`},
		{"duplicate ports", svc("  ports: [{name: a, port: 80}, {name: b, port: 80}]\n"),
			`Service "s" is invalid: spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`},
		{"protocol", svc("  ports: [{port: 80, protocol: ICMP}]\n"),
			`Service "s" is invalid: spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`},
		{"node port on cluster IP", svc("  ports: [{port: 80, nodePort: 30080}]\n"),
			`Service "s" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when ` + "`type`" + ` is 'ClusterIP'`},
		{"node port range", svc("  type: NodePort\n  ports: [{port: 80, nodePort: 80}]\n"),
			`Service "s" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767`},
		{"external name", svc("  type: ExternalName\n"),
			`Service "s" is invalid: spec.externalName: Required value`},
		{"external name format", svc("  type: ExternalName\n  externalName: my_db.example.com\n"),
			`Service "s" is invalid: spec.externalName: Invalid value: "my_db.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"external name with cluster IP", svc("  type: ExternalName\n  externalName: db.example.com\n  clusterIP: 10.96.0.50\n"),
			`Service "s" is invalid: spec.clusterIPs: Forbidden: may not be set for ExternalName services`},
		{"headless node port", svc("  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`},
		{"session affinity", svc("  sessionAffinity: Sticky\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"`},
		{"affinity timeout", svc("  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 90000}}\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400`},
		{"external traffic policy", svc("  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`},
		{"cluster IP", svc("  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		{"dual stack", svc("  ipFamilyPolicy: RequireDualStack\n  ports: [{port: 80}]\n"),
			`Service "s" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`},
		{"name", "apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec: {ports: [{port: 80}]}\n",
			`Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
}

func TestServiceDefaultsAndUpdate(t *testing.T) {
	s := newServer()
	svc := mustApply[*api.Service](t, s, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  sessionAffinity: ClientIP\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n")
	assert.Equal(t, "Cluster", svc.Spec.ExternalTrafficPolicy)
	assert.Equal(t, int32(10800), *svc.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds)
	assert.Equal(t, "Cluster", *svc.Spec.InternalTrafficPolicy)
	assert.Equal(t, api.FromString("http"), svc.Spec.Ports[0].TargetPort)
	nodePort := svc.Spec.Ports[0].NodePort
	require.NotZero(t, nodePort)

	assert.Equal(t, `Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set`,
		update(t, s, svc, func(s *api.Service) { s.Spec.ClusterIP = "10.96.0.99" }))
	// A client that omits the allocated values keeps them.
	assert.Empty(t, update(t, s, svc, func(s *api.Service) {
		s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports[0].NodePort = "", nil, 0
		s.Labels = map[string]string{"a": "b"}
	}))
	got := mustGet[*api.Service](t, s, "services", "web")
	assert.Equal(t, svc.Spec.ClusterIP, got.Spec.ClusterIP)
	assert.Equal(t, nodePort, got.Spec.Ports[0].NodePort)
}

// Changing a Service's type allocates what the new type needs and drops,
// then frees, what it no longer uses, unless the client changed it.
func TestServiceTypeChange(t *testing.T) {
	s := newServer()
	svc := mustApply[*api.Service](t, s, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
	clusterIP := svc.Spec.ClusterIP
	require.NotEmpty(t, clusterIP)

	steps := []struct {
		name  string
		edit  func(*api.Service)
		check func(t *testing.T, got *api.Service)
	}{
		{"to NodePort: a node port and the external traffic policy", func(s *api.Service) { s.Spec.Type = "NodePort" }, func(t *testing.T, got *api.Service) {
			assert.NotZero(t, got.Spec.Ports[0].NodePort)
			assert.Equal(t, "Cluster", got.Spec.ExternalTrafficPolicy)
			assert.Equal(t, clusterIP, got.Spec.ClusterIP)
		}},
		{"back to ClusterIP: both dropped", func(s *api.Service) { s.Spec.Type = "ClusterIP" }, func(t *testing.T, got *api.Service) {
			assert.Zero(t, got.Spec.Ports[0].NodePort)
			assert.Empty(t, got.Spec.ExternalTrafficPolicy)
		}},
		{"to ExternalName: the cluster IP and families dropped", func(s *api.Service) {
			s.Spec.Type, s.Spec.ExternalName = "ExternalName", "example.com"
		}, func(t *testing.T, got *api.Service) {
			assert.Empty(t, got.Spec.ClusterIP)
			assert.Empty(t, got.Spec.ClusterIPs)
			assert.Empty(t, got.Spec.IPFamilies)
			assert.Nil(t, got.Spec.IPFamilyPolicy)
		}},
		{"to LoadBalancer: a new cluster IP and a node port", func(s *api.Service) {
			s.Spec.Type, s.Spec.ExternalName = "LoadBalancer", ""
		}, func(t *testing.T, got *api.Service) {
			assert.NotEmpty(t, got.Spec.ClusterIP)
			assert.Equal(t, []string{got.Spec.ClusterIP}, got.Spec.ClusterIPs)
			assert.NotZero(t, got.Spec.Ports[0].NodePort)
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			cur := mustGet[*api.Service](t, s, "services", "web")
			require.Empty(t, update(t, s, cur, st.edit))
			st.check(t, mustGet[*api.Service](t, s, "services", "web"))
		})
	}

	// The freed cluster IP and node ports can be taken again; the held ones cannot.
	got := mustGet[*api.Service](t, s, "services", "web")
	mustApply[*api.Service](t, s, "apiVersion: v1\nkind: Service\nmetadata: {name: old}\nspec:\n  clusterIP: "+clusterIP+"\n  ports: [{port: 80}]\n")
	_, err := s.Create(services, "default", &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "taken"},
		Spec:       api.ServiceSpec{Type: "NodePort", Ports: []api.ServicePort{{Port: 80, NodePort: got.Spec.Ports[0].NodePort}}},
	})
	assert.ErrorContains(t, err, "provided port is already allocated")
}
