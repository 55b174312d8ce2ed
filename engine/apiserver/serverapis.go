package apiserver

import (
	"sort"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The APIs the API server answers itself, without storing them
// (api/serverapis.go), read-only as the aggregated ones are: v1
// componentstatuses, as the componentstatus REST storage checks the
// control plane's components when asked (all healthy here: they run in
// the page with it), and apiregistration.k8s.io/v1 apiservices, as the
// autoregister controller keeps one for each group version the server
// serves ("Local", always available) and the aggregated API servers have
// theirs (metrics-server's, available while it answers).

// serverAPIs serves both; it is registered for their groups.
type serverAPIs struct{ s *Server }

func (serverAPIs) Available() bool { return true }

func (a serverAPIs) Get(r *api.ResourceInfo, ns, name string) (api.Object, error) {
	l, err := a.List(r, ns, ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, o := range l.Items {
		if o.GetObjectMeta().Name == name {
			return o, nil
		}
	}
	return nil, NewNotFound(r, name)
}

func (a serverAPIs) List(r *api.ResourceInfo, ns string, opts ListOptions) (*List, error) {
	var items []api.Object
	switch r.Kind {
	case "ComponentStatus":
		for _, name := range []string{"controller-manager", "etcd-0", "scheduler"} {
			items = append(items, &api.ComponentStatus{
				TypeMeta:   api.TypeMeta{Kind: "ComponentStatus", APIVersion: "v1"},
				ObjectMeta: api.ObjectMeta{Name: name},
				Conditions: []api.ComponentCondition{{Type: "Healthy", Status: "True", Message: "ok"}},
			})
		}
	case "APIService":
		items = a.apiServiceObjects()
	}
	return &List{Items: items, ResourceVersion: strconv.FormatInt(a.s.store.Revision(), 10)}, nil
}

// apiServiceObjects are the APIServices, by name as the store lists them.
func (a serverAPIs) apiServiceObjects() []api.Object {
	created := a.s.Now()
	if ns, err := a.s.getStored(resourceOf("namespaces"), "", "default"); err == nil {
		// The autoregister controller makes them as the server starts.
		created = ns.GetObjectMeta().CreationTimestamp.Time
	}
	var out []api.Object
	seen := map[string]bool{}
	for _, r := range api.Resources {
		gv := r.Version + "." + r.Group
		if seen[gv] || r.Group == api.MetricsGroup {
			continue
		}
		seen[gv] = true
		prio := apiServicePriorities[r.APIVersion()]
		out = append(out, &api.APIService{
			TypeMeta:   api.TypeMeta{Kind: "APIService", APIVersion: api.RegistrationGroup + "/v1"},
			ObjectMeta: api.ObjectMeta{Name: gv, CreationTimestamp: api.NewTime(created), Labels: map[string]string{"kube-aggregator.kubernetes.io/automanaged": "onstart"}},
			Spec:       api.APIServiceSpec{Group: r.Group, Version: r.Version, GroupPriorityMinimum: prio[0], VersionPriority: prio[1]},
			Status: api.APIServiceStatus{Conditions: []api.APIServiceCondition{{Type: "Available", Status: "True",
				LastTransitionTime: api.NewTime(created), Reason: "Local", Message: "Local APIServices are always available"}}},
		})
	}
	if svc, ok := a.s.apiServices[api.MetricsGroup]; ok {
		cond := api.APIServiceCondition{Type: "Available", Status: "True", LastTransitionTime: api.NewTime(created), Reason: "Passed", Message: "all checks passed"}
		if !svc.Available() {
			cond.Status, cond.Reason = "False", "MissingEndpoints"
			cond.Message = `endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"`
		}
		out = append(out, &api.APIService{
			TypeMeta:   api.TypeMeta{Kind: "APIService", APIVersion: api.RegistrationGroup + "/v1"},
			ObjectMeta: api.ObjectMeta{Name: "v1beta1." + api.MetricsGroup, CreationTimestamp: api.NewTime(created), Labels: map[string]string{"k8s-app": "metrics-server"}},
			Spec: api.APIServiceSpec{Group: api.MetricsGroup, Version: "v1beta1", InsecureSkipTLSVerify: true, GroupPriorityMinimum: 100, VersionPriority: 100,
				Service: &api.APIServiceReference{Namespace: "kube-system", Name: "metrics-server", Port: api.Ptr(int32(443))}},
			Status: api.APIServiceStatus{Conditions: []api.APIServiceCondition{cond}},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetObjectMeta().Name < out[j].GetObjectMeta().Name })
	return out
}

// apiServicePriorities are kube-apiserver's group and version priorities
// of its APIServices (the aggregator's apiVersionPriorities).
var apiServicePriorities = map[string][2]int32{
	"v1":                        {18000, 1},
	"apiregistration.k8s.io/v1": {18000, 15},
	"apps/v1":                   {17800, 15},
	"events.k8s.io/v1":          {17750, 15},
	"autoscaling/v1":            {17500, 15},
	"autoscaling/v2":            {17500, 30},
	"batch/v1":                  {17400, 15},
	"networking.k8s.io/v1":      {17200, 15},
	"policy/v1":                 {17100, 15},
	"storage.k8s.io/v1":         {16800, 15},
	"scheduling.k8s.io/v1":      {16600, 15},
	"coordination.k8s.io/v1":    {16500, 15},
	"discovery.k8s.io/v1":       {16200, 15},
}
