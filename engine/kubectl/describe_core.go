package kubectl

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

func (d *describer) service(s *api.Service) string {
	endpoints := d.serviceEndpoints(s)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", s.Name)
		w.write(0, "Namespace:\t%s\n", s.Namespace)
		w.labels("Labels", s.Labels)
		w.annotations("Annotations", s.Annotations)
		w.write(0, "Selector:\t%s\n", formatLabels(s.Spec.Selector))
		w.write(0, "Type:\t%s\n", s.Spec.Type)
		if s.Spec.IPFamilyPolicy != nil {
			w.write(0, "IP Family Policy:\t%s\n", *s.Spec.IPFamilyPolicy)
		}
		if len(s.Spec.IPFamilies) > 0 {
			w.write(0, "IP Families:\t%s\n", strings.Join(s.Spec.IPFamilies, ","))
		} else {
			w.write(0, "IP Families:\t%s\n", "<none>")
		}
		w.write(0, "IP:\t%s\n", s.Spec.ClusterIP)
		if len(s.Spec.ClusterIPs) > 0 {
			w.write(0, "IPs:\t%s\n", strings.Join(s.Spec.ClusterIPs, ","))
		} else {
			w.write(0, "IPs:\t%s\n", "<none>")
		}
		if len(s.Spec.ExternalIPs) > 0 {
			w.write(0, "External IPs:\t%v\n", strings.Join(s.Spec.ExternalIPs, ","))
		}
		if s.Spec.LoadBalancerIP != "" {
			w.write(0, "Desired LoadBalancer IP:\t%s\n", s.Spec.LoadBalancerIP)
		}
		if s.Spec.ExternalName != "" {
			w.write(0, "External Name:\t%s\n", s.Spec.ExternalName)
		}
		if ing := s.Status.LoadBalancer.Ingress; len(ing) > 0 {
			parts := make([]string, len(ing))
			for i, in := range ing {
				parts[i] = in.Hostname
				if in.IP != "" {
					parts[i] = in.IP
					if in.IPMode != nil {
						parts[i] += " (" + *in.IPMode + ")"
					}
				}
			}
			w.write(0, "LoadBalancer Ingress:\t%s\n", strings.Join(parts, ", "))
		}
		for _, p := range s.Spec.Ports {
			name := p.Name
			if name == "" {
				name = "<unset>"
			}
			w.write(0, "Port:\t%s\t%d/%s\n", name, p.Port, p.Protocol)
			w.write(0, "TargetPort:\t%s/%s\n", p.TargetPort.String(), p.Protocol)
			if p.AppProtocol != nil {
				w.write(0, "AppProtocol:\t%s\n", *p.AppProtocol)
			}
			if p.NodePort != 0 {
				w.write(0, "NodePort:\t%s\t%d/%s\n", name, p.NodePort, p.Protocol)
			}
			w.write(0, "Endpoints:\t%s\n", endpoints(p.Name))
		}
		w.write(0, "Session Affinity:\t%s\n", s.Spec.SessionAffinity)
		if s.Spec.ExternalTrafficPolicy != "" {
			w.write(0, "External Traffic Policy:\t%s\n", s.Spec.ExternalTrafficPolicy)
		}
		if s.Spec.InternalTrafficPolicy != nil {
			w.write(0, "Internal Traffic Policy:\t%s\n", *s.Spec.InternalTrafficPolicy)
		}
		if s.Spec.HealthCheckNodePort != 0 {
			w.write(0, "HealthCheck NodePort:\t%d\n", s.Spec.HealthCheckNodePort)
		}
		if len(s.Spec.LoadBalancerSourceRanges) > 0 {
			w.write(0, "LoadBalancer Source Ranges:\t%v\n", strings.Join(s.Spec.LoadBalancerSourceRanges, ","))
		}
		if s.Spec.TrafficDistribution != nil {
			w.write(0, "Traffic Distribution:\t%s\n", *s.Spec.TrafficDistribution)
		}
		d.eventsSection(w, s)
	})
}

// serviceEndpoints returns what the Endpoints line prints for each port
// name: the ready addresses of the service's EndpointSlices, as kubectl
// reads them, or of its Endpoints object where the cluster serves no
// EndpointSlices; <none> without either. The slices are read as JSON, so
// that describe works whichever discovery types the API package declares.
func (d *describer) serviceEndpoints(s *api.Service) func(port string) string {
	none := func(string) string { return "<none>" }
	if _, ok := api.LookupResource("endpointslices.discovery.k8s.io"); ok {
		slices, err := d.serviceSlices(s.Namespace, s.Name)
		if err != nil || len(slices) == 0 {
			return none
		}
		return func(port string) string { return formatEndpointSlices(slices, port) }
	}
	if r, ok := api.LookupResource("endpoints"); ok {
		obj, err := d.k.c.Get(r, s.Namespace, s.Name)
		if err != nil {
			return none
		}
		ep := obj.(*api.Endpoints)
		return func(port string) string { return formatEndpoints(ep, func(name string) bool { return name == port }) }
	}
	return none
}

// asJSON converts obj into v through its JSON.
func asJSON(obj any, v any) bool {
	b, err := json.Marshal(obj)
	return err == nil && json.Unmarshal(b, v) == nil
}

// endpointSlice is the part of a discovery.k8s.io/v1 EndpointSlice that
// describe reads.
type endpointSlice struct {
	Ports []struct {
		Name *string `json:"name"`
		Port *int32  `json:"port"`
	} `json:"ports"`
	Endpoints []struct {
		Addresses  []string `json:"addresses"`
		Conditions struct {
			Ready *bool `json:"ready"`
		} `json:"conditions"`
	} `json:"endpoints"`
}

// formatEndpointSlices lists up to three ready endpoints serving a port, as
// "10.244.1.3:80,10.244.2.4:80 + 2 more...".
func formatEndpointSlices(slices []endpointSlice, port string) string {
	if len(slices) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	more, count := false, 0
	for _, s := range slices {
		if len(s.Ports) == 0 {
			for _, e := range s.Endpoints {
				if len(list) == max {
					more = true
				}
				if !api.Deref(e.Conditions.Ready, true) {
					continue
				}
				if !more && len(e.Addresses) > 0 {
					list = append(list, e.Addresses[0])
				}
				count++
			}
			continue
		}
		for _, p := range s.Ports {
			if api.Deref(p.Name, "") != port {
				continue
			}
			for _, e := range s.Endpoints {
				if len(list) == max {
					more = true
				}
				if !api.Deref(e.Conditions.Ready, true) || len(e.Addresses) == 0 {
					continue
				}
				if !more {
					list = append(list, net.JoinHostPort(e.Addresses[0], strconv.Itoa(int(api.Deref(p.Port, 0)))))
				}
				count++
			}
		}
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	return ret
}

func (d *describer) namespace(ns *api.Namespace) string {
	quotas, quotasServed := d.listJSON("resourcequotas", ns.Name)
	limits, limitsServed := d.listJSON("limitranges", ns.Name)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", ns.Name)
		w.labels("Labels", ns.Labels)
		w.annotations("Annotations", ns.Annotations)
		w.write(0, "Status:\t%s\n", ns.Status.Phase)
		if len(ns.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n")
			w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
			w.write(1, "----\t------\t------------------\t------\t-------\n")
			for _, c := range ns.Status.Conditions {
				w.write(1, "%v\t%v\t%s\t%v\t%v\n", c.Type, c.Status, rfc1123(c.LastTransitionTime.Time), c.Reason, c.Message)
			}
		}
		if quotasServed {
			w.write(0, "\n")
			describeQuotas(w, quotas)
		}
		if limitsServed {
			w.write(0, "\n")
			describeLimitRanges(w, limits)
		}
	})
}

// listJSON lists a resource in a namespace as JSON maps. A resource the
// playground does not serve lists as empty, as it would in a real cluster
// that has no such objects; only a failed list reports it unserved.
func (d *describer) listJSON(resource, ns string) ([]map[string]any, bool) {
	r, ok := api.LookupResource(resource)
	if !ok {
		return nil, true
	}
	l, err := d.k.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return nil, false
	}
	var out []map[string]any
	for _, o := range l.Items {
		var m map[string]any
		if asJSON(o, &m) {
			out = append(out, m)
		}
	}
	return out, true
}

// describeQuotas writes a namespace's resource quotas, sorted by name.
func describeQuotas(w *prefixWriter, quotas []map[string]any) {
	if len(quotas) == 0 {
		w.write(0, "No resource quota.\n")
		return
	}
	byName := map[string]map[string]any{}
	for _, q := range quotas {
		byName[jsonString(q, "metadata", "name")] = q
	}
	w.write(0, "Resource Quotas\n")
	for _, name := range api.SortedKeys(byName) {
		q := byName[name]
		w.write(1, "Name:\t%s\n", name)
		if scopes := jsonStrings(q, "spec", "scopes"); len(scopes) > 0 {
			sort.Strings(scopes)
			w.write(1, "Scopes:\t%s\n", strings.Join(scopes, ", "))
			for _, s := range scopes {
				if help := quotaScopeHelp[s]; help != "" {
					w.write(1, "* %s\n", help)
				}
			}
		}
		w.write(1, "Resource\tUsed\tHard\n")
		w.write(1, "--------\t---\t---\n")
		hard, _ := jsonPath(q, "status", "hard").(map[string]any)
		used, _ := jsonPath(q, "status", "used").(map[string]any)
		for _, res := range api.SortedKeys(hard) {
			u := "0"
			if v, ok := used[res]; ok {
				u = quantityText(v)
			}
			w.write(1, "%s\t%s\t%s\n", res, u, quantityText(hard[res]))
		}
	}
}

var quotaScopeHelp = map[string]string{
	"Terminating":    "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
	"NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
	"BestEffort":     "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
	"NotBestEffort":  "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
}

// describeLimitRanges writes a namespace's limit ranges as one table.
func describeLimitRanges(w *prefixWriter, ranges []map[string]any) {
	if len(ranges) == 0 {
		w.write(0, "No LimitRange resource.\n")
		return
	}
	w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
	w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
	for _, lr := range ranges {
		limitRangeRows(w, lr, " ")
	}
}

// limitRangeRows writes a row for each resource of each of a limit
// range's items, the resources sorted, "-" for a value not set.
func limitRangeRows(w *prefixWriter, lr map[string]any, prefix string) {
	items, _ := jsonPath(lr, "spec", "limits").([]any)
	cols := []string{"min", "max", "defaultRequest", "default", "maxLimitRequestRatio"}
	for _, it := range items {
		item, _ := it.(map[string]any)
		names := map[string]bool{}
		for _, c := range cols {
			m, _ := item[c].(map[string]any)
			for k := range m {
				names[k] = true
			}
		}
		for _, res := range api.SortedKeys(names) {
			vals := make([]any, 0, len(cols)+3)
			vals = append(vals, prefix, item["type"], res)
			for _, c := range cols {
				v := "-"
				if m, ok := item[c].(map[string]any); ok {
					if q, ok := m[res]; ok {
						v = quantityText(q)
					}
				}
				vals = append(vals, v)
			}
			w.write(0, "%s%s\t%v\t%v\t%v\t%v\t%v\t%v\n", vals...)
		}
	}
}

// quantityText prints a quantity read from JSON in canonical form.
func quantityText(v any) string {
	s := fmt.Sprint(v)
	if q, err := api.ParseQuantity(s); err == nil {
		return q.String()
	}
	return s
}

func jsonPath(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func jsonString(m map[string]any, path ...string) string {
	s, _ := jsonPath(m, path...).(string)
	return s
}

func jsonStrings(m map[string]any, path ...string) []string {
	l, _ := jsonPath(m, path...).([]any)
	var out []string
	for _, v := range l {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

func (d *describer) configMap(cm *api.ConfigMap) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", cm.Name)
		w.write(0, "Namespace:\t%s\n", cm.Namespace)
		w.labels("Labels", cm.Labels)
		w.annotations("Annotations", cm.Annotations)
		w.write(0, "\nData\n====\n")
		for _, k := range api.SortedKeys(cm.Data) {
			w.write(0, "%s:\n----\n", k)
			w.write(0, "%s\n", cm.Data[k])
			w.write(0, "\n")
		}
		w.write(0, "\nBinaryData\n====\n")
		for _, k := range api.SortedKeys(cm.BinaryData) {
			w.write(0, "%s: %s bytes\n", k, strconv.Itoa(len(cm.BinaryData[k])))
		}
		w.write(0, "\n")
		d.eventsSection(w, cm)
	})
}

func (d *describer) serviceAccount(sa *api.ServiceAccount) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", sa.Name)
		w.write(0, "Namespace:\t%s\n", sa.Namespace)
		w.labels("Labels", sa.Labels)
		w.annotations("Annotations", sa.Annotations)
		const header, empty = "Image pull secrets:", "                   "
		if len(sa.ImagePullSecrets) == 0 {
			w.write(0, "%s\t<none>\n", header)
		}
		prefix := header
		for _, s := range sa.ImagePullSecrets {
			w.write(0, "%s\t%s\n", prefix, s.Name)
			prefix = empty
		}
		d.eventsSection(w, sa)
	})
}
