package kubectl

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of apps/v1 kinds beyond Deployments, ReplicaSets and DaemonSets.
func init() {
	tables["StatefulSet.apps"] = table([]string{"NAME", "READY", "AGE"}, []string{"CONTAINERS", "IMAGES"}, statefulSetRow)
	tables["ControllerRevision.apps"] = table([]string{"NAME", "CONTROLLER", "REVISION", "AGE"}, nil, controllerRevisionRow)
}

func statefulSetRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.StatefulSet)
	names, images := containersAndImages(&s.Spec.Template.Spec)
	return []string{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, api.Deref(s.Spec.Replicas, 1)), age(s.CreationTimestamp.Time, now), names, images}
}

// controllerRevisionRow names the revision's controller as
// "statefulset.apps/web".
func controllerRevisionRow(obj api.Object, now time.Time) []string {
	cr := obj.(*api.ControllerRevision)
	controller := "<none>"
	if ref := controllerOf(&cr.ObjectMeta); ref != nil {
		controller = strings.ToLower(groupKind(ref.APIVersion, ref.Kind)) + "/" + ref.Name
	}
	return []string{cr.Name, controller, fmt.Sprint(cr.Revision), age(cr.CreationTimestamp.Time, now)}
}

// controllerOf is metav1.GetControllerOf: the owner that is the controller.
func controllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i, ref := range m.OwnerReferences {
		if api.Deref(ref.Controller, false) {
			return &m.OwnerReferences[i]
		}
	}
	return nil
}

// groupKind is "Kind.group", or "Kind" in the core group, for an
// apiVersion ("apps/v1", "v1") and kind.
func groupKind(apiVersion, kind string) string {
	if group, _, ok := strings.Cut(apiVersion, "/"); ok && group != "" {
		return kind + "." + group
	}
	return kind
}
