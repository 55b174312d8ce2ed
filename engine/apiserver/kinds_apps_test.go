package apiserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

const webStatefulSet = `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.7
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`

func TestStatefulSetDefaults(t *testing.T) {
	s := newServer()
	ss := mustApply[*api.StatefulSet](t, s, webStatefulSet)
	assert.Equal(t, int64(1), ss.Generation)
	assert.Equal(t, `persistentVolumeClaimRetentionPolicy:
  whenDeleted: Retain
  whenScaled: Retain
podManagementPolicy: OrderedReady
replicas: 2
revisionHistoryLimit: 10
selector:
  matchLabels:
    app: nginx
serviceName: nginx
template:
  metadata:
    labels:
      app: nginx
  spec:
    containers:
    - image: registry.k8s.io/nginx-slim:0.7
      imagePullPolicy: IfNotPresent
      name: nginx
      ports:
      - containerPort: 80
        name: web
        protocol: TCP
      resources: {}
      terminationMessagePath: /dev/termination-log
      terminationMessagePolicy: File
      volumeMounts:
      - mountPath: /usr/share/nginx/html
        name: www
    dnsPolicy: ClusterFirst
    restartPolicy: Always
    schedulerName: default-scheduler
    securityContext: {}
    terminationGracePeriodSeconds: 30
updateStrategy:
  rollingUpdate:
    maxUnavailable: 1
    partition: 0
  type: RollingUpdate
volumeClaimTemplates:
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: www
  spec:
    accessModes:
    - ReadWriteOnce
    resources:
      requests:
        storage: 1Gi
    volumeMode: Filesystem
  status:
    phase: Pending
`, yamlOf(t, ss.Spec))
	assert.Equal(t, "availableReplicas: 0\nreplicas: 0\n", yamlOf(t, ss.Status))
}

func TestStatefulSetValidation(t *testing.T) {
	s := newServer()
	with := func(old, new string) string { return strings.Replace(webStatefulSet, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"name is a DNS label", with("name: web", "name: web.v1"),
			`StatefulSet.apps "web.v1" is invalid: metadata.name: Invalid value: "web.v1": must not contain dots`},
		{"no selector", with("  selector:\n    matchLabels:\n      app: nginx\n", ""),
			`StatefulSet.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: ` + "`selector` does not match template `labels`]"},
		{"mismatch", with("      app: nginx\n  template", "      app: other\n  template"),
			`StatefulSet.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: ` + "`selector` does not match template `labels`"},
		{"empty selector", with("  selector:\n    matchLabels:\n      app: nginx\n", "  selector: {}\n"),
			`StatefulSet.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset`},
		{"pod management", with("  replicas: 2\n", "  replicas: 2\n  podManagementPolicy: Random\n"),
			`StatefulSet.apps "web" is invalid: spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`},
		{"update strategy", with("  replicas: 2\n", "  replicas: 2\n  updateStrategy: {type: Sometimes}\n"),
			`StatefulSet.apps "web" is invalid: spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`},
		{"max unavailable", with("  replicas: 2\n", "  replicas: 2\n  updateStrategy: {rollingUpdate: {maxUnavailable: 0, partition: -1}}\n"),
			`StatefulSet.apps "web" is invalid: [spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0, spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: cannot be 0]`},
		{"retention", with("  replicas: 2\n", "  replicas: 2\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Keep}\n"),
			`StatefulSet.apps "web" is invalid: spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"`},
		{"negative", with("  replicas: 2\n", "  replicas: -2\n  minReadySeconds: -1\n  ordinals: {start: -1}\n"),
			`StatefulSet.apps "web" is invalid: [spec.replicas: Invalid value: -2: must be greater than or equal to 0, spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0, spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0]`},
		{"restart policy", with("    spec:\n      containers:", "    spec:\n      restartPolicy: Never\n      activeDeadlineSeconds: 5\n      containers:"),
			`StatefulSet.apps "web" is invalid: [spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always", spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
	// As in kube-apiserver, the pod spec itself is not validated: a
	// container without an image fails when the pods are created.
	_, err := apply(t, s, with("        image: registry.k8s.io/nginx-slim:0.7\n", ""))
	assert.NoError(t, err)
}

func TestStatefulSetRevisionHistoryWarning(t *testing.T) {
	s := newServer()
	_, err := apply(t, s, strings.Replace(webStatefulSet, "  replicas: 2\n", "  replicas: 2\n  revisionHistoryLimit: -1\n", 1))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended",
	}, s.TakeWarnings())
}

func TestStatefulSetUpdate(t *testing.T) {
	s := newServer()
	ss := mustApply[*api.StatefulSet](t, s, webStatefulSet)
	forbidden := `StatefulSet.apps "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`
	assert.Equal(t, forbidden, update(t, s, ss, func(ss *api.StatefulSet) {
		ss.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"] = api.MustParse("2Gi")
	}))
	assert.Equal(t, forbidden, update(t, s, ss, func(ss *api.StatefulSet) { ss.Spec.ServiceName = "other" }))
	assert.Equal(t, forbidden, update(t, s, ss, func(ss *api.StatefulSet) { ss.Spec.PodManagementPolicy = "Parallel" }))
	assert.Empty(t, update(t, s, ss, func(ss *api.StatefulSet) {
		ss.Spec.Replicas = api.Ptr(int32(5))
		ss.Spec.Template.Spec.Containers[0].Image = "nginx:1.27"
		ss.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: "OnDelete"}
		ss.Spec.RevisionHistoryLimit = api.Ptr(int32(3))
		ss.Spec.MinReadySeconds = 10
		ss.Spec.Ordinals = &api.StatefulSetOrdinals{Start: 1}
		ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Delete"
		ss.Status.Replicas = 9 // ignored: status is the controller's
	}))
	got := mustGet[*api.StatefulSet](t, s, "statefulsets", "web")
	assert.Equal(t, int64(2), got.Generation)
	assert.Equal(t, int32(0), got.Status.Replicas)
	assert.Nil(t, got.Spec.UpdateStrategy.RollingUpdate)
}

func TestControllerRevision(t *testing.T) {
	s := newServer()
	assert.Equal(t, `ControllerRevision.apps "r" is invalid: [data: Required value: data is mandatory, revision: Invalid value: -1: must be greater than or equal to 0]`,
		applyErr(t, s, "apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: r}\nrevision: -1\n"))
	cr := mustApply[*api.ControllerRevision](t, s, "apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: r}\nrevision: 1\ndata: {spec: {template: {}}}\n")
	assert.Empty(t, update(t, s, cr, func(cr *api.ControllerRevision) { cr.Revision = 2 }))
	cr = mustGet[*api.ControllerRevision](t, s, "controllerrevisions", "r")
	assert.Contains(t, update(t, s, cr, func(cr *api.ControllerRevision) { cr.Data = []byte(`{"spec":{}}`) }), "data: Invalid value: ")
	assert.Contains(t, update(t, s, cr, func(cr *api.ControllerRevision) { cr.Data = []byte(`{"spec":{}}`) }), ": field is immutable")
}

const nginxDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
`

func TestDeploymentValidation(t *testing.T) {
	s := newServer()
	with := func(old, new string) string { return strings.Replace(nginxDeployment, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"surge and unavailable zero", with("  replicas: 3\n", "  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when ` + "`maxSurge`" + ` is 0`},
		{"percent zero", with("  replicas: 3\n", "  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 0%, maxUnavailable: 0%}}\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when ` + "`maxSurge`" + ` is 0`},
		{"bad percent", with("  replicas: 3\n", "  replicas: 3\n  strategy: {rollingUpdate: {maxUnavailable: 120%, maxSurge: ten}}\n"),
			`Deployment.apps "nginx-deployment" is invalid: [spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"ten"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%'), spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%]`},
		{"recreate with rolling update", with("  replicas: 3\n", "  replicas: 3\n  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy ` + "`type`" + ` is 'Recreate'`},
		{"strategy type", with("  replicas: 3\n", "  replicas: 3\n  strategy: {type: BlueGreen}\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"`},
		{"progress deadline", with("  replicas: 3\n", "  replicas: 3\n  minReadySeconds: 30\n  progressDeadlineSeconds: 30\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds`},
		{"revision history", with("  replicas: 3\n", "  replicas: 3\n  revisionHistoryLimit: -1\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0`},
		{"no selector", with("  selector:\n    matchLabels:\n      app: nginx\n", ""),
			`Deployment.apps "nginx-deployment" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: ` + "`selector` does not match template `labels`]"},
		{"selector expression", with("    matchLabels:\n      app: nginx\n", "    matchExpressions: [{key: app, operator: Within}]\n"),
			`Deployment.apps "nginx-deployment" is invalid: [spec.selector.matchExpressions[0].operator: Invalid value: "Within": not a valid selector operator, spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Within", Values:[]string(nil)}}}: invalid label selector]`},
		{"template label", with("      labels:\n        app: nginx\n", "      labels:\n        app: nginx\n        bad key: x\n"),
			`Deployment.apps "nginx-deployment" is invalid: spec.template.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		{"restart never", with("    spec:\n      containers:", "    spec:\n      restartPolicy: Never\n      containers:"),
			`Deployment.apps "nginx-deployment" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
}

func TestDaemonSetValidation(t *testing.T) {
	s := newServer()
	const ds = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox}]
`
	with := func(old, new string) string { return strings.Replace(ds, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"no selector", with("  selector: {matchLabels: {app: agent}}\n", ""),
			`DaemonSet.apps "agent" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: ` + "`selector` does not match template `labels`"},
		{"both zero", with("spec:\n", "spec:\n  updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 0}}\n"),
			`DaemonSet.apps "agent" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0`},
		{"both set", with("spec:\n", "spec:\n  updateStrategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}\n"),
			`DaemonSet.apps "agent" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero`},
		{"type", with("spec:\n", "spec:\n  updateStrategy: {type: Sometimes}\n"),
			`DaemonSet.apps "agent" is invalid: spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
	d := mustApply[*api.DaemonSet](t, s, ds)
	assert.Equal(t, `DaemonSet.apps "agent" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"agent", "tier":"node"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
		update(t, s, d, func(d *api.DaemonSet) {
			d.Spec.Selector.MatchLabels["tier"] = "node"
			d.Spec.Template.Labels["tier"] = "node"
		}))
}

func TestReplicaSetValidation(t *testing.T) {
	s := newServer()
	assert.Equal(t, `ReplicaSet.apps "frontend" is invalid: [spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment, spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported]`,
		applyErr(t, s, `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: frontend}
spec:
  selector: {}
  template:
    metadata: {labels: {tier: frontend}}
    spec:
      activeDeadlineSeconds: 10
      containers: [{name: nginx, image: nginx}]
`))
}
