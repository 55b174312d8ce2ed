package kubectl

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of what the API server answers itself: component statuses
// (printComponentStatus) and APIServices (kube-aggregator's
// printAPIService).
func init() {
	tables["ComponentStatus"] = table([]string{"NAME", "STATUS", "MESSAGE", "ERROR"}, nil, componentStatusRow)
	tables["APIService.apiregistration.k8s.io"] = table([]string{"NAME", "SERVICE", "AVAILABLE", "AGE"}, nil, apiServiceRow)
}

func componentStatusRow(obj api.Object, _ time.Time) []string {
	cs := obj.(*api.ComponentStatus)
	status, message, errText := "Unknown", "", ""
	for _, c := range cs.Conditions {
		if c.Type == "Healthy" {
			status = "Unhealthy"
			if c.Status == "True" {
				status = "Healthy"
			}
			message, errText = c.Message, c.Error
			break
		}
	}
	return []string{cs.Name, status, message, errText}
}

func apiServiceRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.APIService)
	service := "Local"
	if ref := s.Spec.Service; ref != nil {
		service = ref.Namespace + "/" + ref.Name
	}
	available := "Unknown"
	for _, c := range s.Status.Conditions {
		if c.Type != "Available" {
			continue
		}
		available = c.Status
		if c.Status != "True" && c.Reason != "" {
			available = fmt.Sprintf("%s (%s)", c.Status, c.Reason)
		}
		break
	}
	return []string{s.Name, service, available, age(s.CreationTimestamp.Time, now)}
}
