package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

// TestGetServerAPIs: component statuses and APIServices, which the API
// server answers itself, in kubectl's tables, with the deprecation
// warning of ComponentStatus on each command.
func TestGetServerAPIs(t *testing.T) {
	const warning = "--- stderr\nWarning: v1 ComponentStatus is deprecated in v1.19+\n"
	runGetCases(t, []getCase{
		{"cs", nil, []string{"cs"}, "NAME                 STATUS    MESSAGE   ERROR\n" +
			"controller-manager   Healthy   ok        \n" +
			"etcd-0               Healthy   ok        \n" +
			"scheduler            Healthy   ok        \n" + warning},
		{"one cs", nil, []string{"componentstatus", "scheduler", "-o", "jsonpath={.conditions}"}, `[{"message":"ok","status":"True","type":"Healthy"}]` + warning},
		{"a cs not there", nil, []string{"cs", "apiserver"}, warning + "Error from server (NotFound): componentstatuses \"apiserver\" not found\n[exit 1]\n"},
		{"apiservices", func(f *describeFixture) { f.l.AdvanceBy(10 * time.Minute) }, []string{"apiservices"},
			"NAME                        SERVICE   AVAILABLE   AGE\n" +
				"v1.                         Local     True        10m\n" +
				"v1.apiregistration.k8s.io   Local     True        10m\n" +
				"v1.apps                     Local     True        10m\n" +
				"v1.autoscaling              Local     True        10m\n" +
				"v1.batch                    Local     True        10m\n" +
				"v1.coordination.k8s.io      Local     True        10m\n" +
				"v1.discovery.k8s.io         Local     True        10m\n" +
				"v1.events.k8s.io            Local     True        10m\n" +
				"v1.networking.k8s.io        Local     True        10m\n" +
				"v1.policy                   Local     True        10m\n" +
				"v1.scheduling.k8s.io        Local     True        10m\n" +
				"v1.storage.k8s.io           Local     True        10m\n" +
				"v2.autoscaling              Local     True        10m\n"},
		{"an apiservice", nil, []string{"apiservice", "v2.autoscaling", "-o", "jsonpath={.spec} {.status.conditions[0].reason}"},
			`{"group":"autoscaling","groupPriorityMinimum":17500,"version":"v2","versionPriority":30} Local`},
	})
}

func TestAPIServiceRow(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	svc := func(ref *api.APIServiceReference, conds ...api.APIServiceCondition) *api.APIService {
		return &api.APIService{ObjectMeta: api.ObjectMeta{Name: "v1beta1.metrics.k8s.io", CreationTimestamp: api.NewTime(now.Add(-time.Hour))},
			Spec: api.APIServiceSpec{Service: ref}, Status: api.APIServiceStatus{Conditions: conds}}
	}
	ref := &api.APIServiceReference{Namespace: "kube-system", Name: "metrics-server"}
	tests := []struct {
		name string
		in   *api.APIService
		want []string
	}{
		{"available", svc(ref, api.APIServiceCondition{Type: "Available", Status: "True", Reason: "Passed"}), []string{"v1beta1.metrics.k8s.io", "kube-system/metrics-server", "True", "60m"}},
		{"not, with a reason", svc(ref, api.APIServiceCondition{Type: "Available", Status: "False", Reason: "MissingEndpoints"}), []string{"v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (MissingEndpoints)", "60m"}},
		{"not, without", svc(nil, api.APIServiceCondition{Type: "Available", Status: "False"}), []string{"v1beta1.metrics.k8s.io", "Local", "False", "60m"}},
		{"no condition", svc(nil), []string{"v1beta1.metrics.k8s.io", "Local", "Unknown", "60m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, apiServiceRow(tt.in, now))
		})
	}
}
