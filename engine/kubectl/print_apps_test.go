package kubectl

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func setupStatefulSet(f *describeFixture) {
	// The StatefulSet of kubernetes.io's "StatefulSet Basics" tutorial,
	// with one of its three pods not ready yet.
	create(f, &api.StatefulSet{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.StatefulSetSpec{
			Replicas: api.Ptr(int32(3)), ServiceName: "nginx",
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "nginx"}},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "registry.k8s.io/nginx-slim:0.24",
					Ports: []api.ContainerPort{{Name: "web", ContainerPort: 80}}}}},
			},
		},
	}, func(s *api.StatefulSet) {
		s.Status = api.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2, CurrentReplicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2}
	})
	f.l.AdvanceBy(47 * time.Second)
}

func setupControllerRevisions(f *describeFixture) {
	revision := func(name string, rev int64, owner []api.OwnerReference) {
		create(f, &api.ControllerRevision{
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", OwnerReferences: owner},
			Data:       json.RawMessage(`{"spec":{"template":{"$patch":"replace"}}}`), Revision: rev,
		}, nil)
	}
	revision("web-6d5b8f7c9d", 1, []api.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", UID: "sts-uid", Controller: api.Ptr(true)}})
	f.l.AdvanceBy(2 * time.Hour)
	revision("web-85f9d6c7b4", 2, []api.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", UID: "sts-uid", Controller: api.Ptr(true)}})
	// Owned, but by no controller; and by a core kind.
	revision("orphan-1", 1, []api.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "gone", UID: "ds-uid"}})
	revision("custom-1", 3, []api.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "settings", UID: "cm-uid", Controller: api.Ptr(true)}})
	f.l.AdvanceBy(30 * time.Minute)
}

func TestGetApps(t *testing.T) {
	runGetCases(t, []getCase{
		{"statefulsets", setupStatefulSet, []string{"statefulsets"}, `NAME   READY   AGE
web    2/3     47s
`},
		{"statefulsets-wide", setupStatefulSet, []string{"sts", "web", "-o", "wide"}, `NAME   READY   AGE   CONTAINERS   IMAGES
web    2/3     47s   nginx        registry.k8s.io/nginx-slim:0.24
`},
		{"statefulsets-show-kind", setupStatefulSet, []string{"sts", "--show-kind"}, `NAME                   READY   AGE
statefulset.apps/web   2/3     47s
`},
		{"controllerrevisions", setupControllerRevisions, []string{"controllerrevisions"}, `NAME             CONTROLLER             REVISION   AGE
custom-1         configmap/settings     3          30m
orphan-1         <none>                 1          30m
web-6d5b8f7c9d   statefulset.apps/web   1          150m
web-85f9d6c7b4   statefulset.apps/web   2          30m
`},
		{"controllerrevisions-wide", setupControllerRevisions, []string{"controllerrevision.apps", "web-85f9d6c7b4", "-o", "wide"}, `NAME             CONTROLLER             REVISION   AGE
web-85f9d6c7b4   statefulset.apps/web   2          30m
`},
	})
}

func TestGroupKind(t *testing.T) {
	assert.Equal(t, "StatefulSet.apps", groupKind("apps/v1", "StatefulSet"))
	assert.Equal(t, "ConfigMap", groupKind("v1", "ConfigMap"))
	assert.Equal(t, "Widget.example.com", groupKind("example.com/v1alpha1", "Widget"))
}
