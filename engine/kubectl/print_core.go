package kubectl

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of core/v1 kinds, as kube-apiserver prints them.
func init() {
	tables["Secret"] = table([]string{"NAME", "TYPE", "DATA", "AGE"}, nil, secretRow)
	tables["ReplicationController"] = table([]string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
		[]string{"CONTAINERS", "IMAGES", "SELECTOR"}, replicationControllerRow)
	// A pod template's table has no AGE.
	tables["PodTemplate"] = table([]string{"NAME", "CONTAINERS", "IMAGES", "POD LABELS"}, nil, podTemplateRow)
}

// secretRow counts the keys of data. kube-apiserver merges stringData
// into data when it stores a secret; where that has not happened, the keys
// of both count, once each.
func secretRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.Secret)
	n := len(s.Data)
	for k := range s.StringData {
		if _, ok := s.Data[k]; !ok {
			n++
		}
	}
	return []string{s.Name, s.Type, fmt.Sprint(n), age(s.CreationTimestamp.Time, now)}
}

func replicationControllerRow(obj api.Object, now time.Time) []string {
	rc := obj.(*api.ReplicationController)
	var names, images string
	if rc.Spec.Template != nil {
		names, images = containersAndImages(&rc.Spec.Template.Spec)
	}
	return []string{rc.Name, fmt.Sprint(api.Deref(rc.Spec.Replicas, 1)), fmt.Sprint(rc.Status.Replicas), fmt.Sprint(rc.Status.ReadyReplicas),
		age(rc.CreationTimestamp.Time, now), names, images, labelsString(rc.Spec.Selector)}
}

func podTemplateRow(obj api.Object, _ time.Time) []string {
	pt := obj.(*api.PodTemplate)
	names, images := containersAndImages(&pt.Template.Spec)
	return []string{pt.Name, names, images, labelsString(pt.Template.Labels)}
}
