package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// expose is `kubectl expose TYPE NAME [--port] [--target-port] [--name]
// [--type]` (staging/src/k8s.io/kubectl/pkg/cmd/expose): a Service
// selecting the object's pods, with its ports and labels unless given.
func (k *Kubectl) expose(ctx context.Context, io IO, args []string) error {
	g := k.newGenerator(io, "expose")
	g.cmd = "expose"
	g.fs.cmd = "expose"
	files := g.fs.Slice("filename", "f")
	o := exposeOptions{
		port: g.fs.String("port", "", ""), targetPort: g.fs.String("target-port", "", ""), name: g.fs.String("name", "", ""),
		typ: g.fs.String("type", "", ""), protocol: g.fs.String("protocol", "", ""), selector: g.fs.String("selector", "", ""),
		labels: g.fs.String("labels", "l", ""), externalIP: g.fs.String("external-ip", "", ""), clusterIP: g.fs.String("cluster-ip", "", ""),
		lbIP: g.fs.String("load-balancer-ip", "", ""), affinity: g.fs.String("session-affinity", "", ""),
	}
	record := recordFlag(g.fs)
	pos, _, err := g.parseFlags(args)
	if err != nil {
		return err
	}
	objs, err := k.resolve(io, pos, *files, k.ns(g.ns), "", false)
	if err != nil {
		return err
	}
	cause := changeCause(io, g.fs, *record, []string{"expose"}, pos)
	for _, obj := range objs {
		svc, err := o.service(obj)
		if err != nil {
			return err
		}
		setChangeCause(svc, cause)
		if err := g.createOp(svc, "exposed"); err != nil {
			return err
		}
	}
	return nil
}

type exposeOptions struct {
	port, targetPort, name, typ, protocol, selector, labels, externalIP, clusterIP, lbIP, affinity *string
}

// service builds the Service for one object, as RunExpose and createService.
func (o exposeOptions) service(obj object) (*api.Service, error) {
	kinds := map[string]bool{"Pod": true, "Service": true, "ReplicationController": true, "Deployment.apps": true, "ReplicaSet.apps": true}
	if !kinds[obj.r.GroupKind()] {
		return nil, fmt.Errorf("cannot expose a %s", obj.r.GroupKind())
	}
	selector, err := o.selectorFor(obj)
	if err != nil {
		return nil, err
	}
	ports := []string{*o.port}
	if *o.port == "" {
		if ports = portsOf(obj.obj); len(ports) == 0 && *o.clusterIP != "None" {
			return nil, helpError("expose", "couldn't find port via --port flag or introspection")
		}
	}
	labels := obj.obj.GetObjectMeta().Labels
	if *o.labels != "" {
		if labels, err = parseLabelSpec(*o.labels); err != nil {
			return nil, err
		}
	}
	name := *o.name
	if name == "" {
		name = obj.name()
		if len(name) > 63 {
			name = name[:63]
		}
	}
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}, Spec: api.ServiceSpec{Selector: selector, Ports: []api.ServicePort{}}}
	for i, p := range ports {
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("strconv.Atoi: parsing %q: invalid syntax", p)
		}
		sp := api.ServicePort{Port: int32(n), Protocol: "TCP", TargetPort: api.FromInt(int32(n))}
		if *o.protocol != "" {
			sp.Protocol = *o.protocol
		}
		if len(ports) > 1 {
			sp.Name = fmt.Sprintf("port-%d", i+1)
		}
		if *o.targetPort != "" {
			sp.TargetPort = intOrString(*o.targetPort)
		}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	o.setSpec(svc)
	return svc, nil
}

func (o exposeOptions) setSpec(svc *api.Service) {
	if *o.externalIP != "" {
		svc.Spec.ExternalIPs = []string{*o.externalIP}
	}
	svc.Spec.Type = *o.typ
	if svc.Spec.Type == "LoadBalancer" {
		svc.Spec.LoadBalancerIP = *o.lbIP
	}
	svc.Spec.SessionAffinity = *o.affinity
	svc.Spec.ClusterIP = *o.clusterIP
}

// selectorFor is --selector, or the object's own, as
// MapBasedSelectorForObject finds it.
func (o exposeOptions) selectorFor(obj object) (map[string]string, error) {
	if *o.selector != "" {
		return parseLabelSpec(*o.selector)
	}
	var sel map[string]string
	switch w := obj.obj.(type) {
	case *api.Pod:
		sel = w.Labels
	case *api.Service:
		sel = w.Spec.Selector
	case *api.ReplicationController:
		sel = w.Spec.Selector
	case *api.Deployment:
		return matchLabelsOnly(w.Spec.Selector)
	case *api.ReplicaSet:
		return matchLabelsOnly(w.Spec.Selector)
	}
	if len(sel) == 0 {
		return nil, helpError("expose", "couldn't retrieve selectors via --selector flag or introspection: the %s has no labels", strings.ToLower(obj.r.Kind))
	}
	return sel, nil
}

func matchLabelsOnly(ls *api.LabelSelector) (map[string]string, error) {
	if ls != nil && len(ls.MatchExpressions) > 0 {
		return nil, helpError("expose", "couldn't retrieve selectors via --selector flag or introspection: couldn't convert expressions - %+v to map-based selector format", ls.MatchExpressions)
	}
	if ls == nil {
		return nil, nil
	}
	return ls.MatchLabels, nil
}

// portsOf lists the ports of an object's containers, or a Service's.
func portsOf(obj api.Object) []string {
	var out []string
	if svc, ok := obj.(*api.Service); ok {
		for _, p := range svc.Spec.Ports {
			out = append(out, strconv.Itoa(int(p.Port)))
		}
		return out
	}
	spec, err := podSpecOf(api.Clone(obj))
	if err != nil {
		return nil
	}
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			out = append(out, strconv.Itoa(int(p.ContainerPort)))
		}
	}
	return out
}

// parseLabelSpec reads "a=b,c=d".
func parseLabelSpec(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid label spec: %v", kv)
		}
		out[k] = v
	}
	return out, nil
}

// createOp is create with another word for what happened.
func (g *generator) createOp(obj api.Object, op string) error {
	api.SetTypeMeta(obj)
	r := api.ResourceFor(obj)
	if g.fs.Changed("namespace") && r.Namespaced {
		obj.GetObjectMeta().Namespace = *g.ns
	}
	if g.strategy == dryRunClient {
		return g.k.printed(g.io, r, obj, op, g.strategy, *g.output)
	}
	out, err := g.k.writer(g.strategy).Create(r, g.k.ns(g.ns), obj)
	if err != nil {
		return err
	}
	return g.k.printed(g.io, r, out, op, g.strategy, *g.output)
}

// autoscale is `kubectl autoscale TYPE NAME --max=N [--min=N] [--cpu=50%]`:
// an autoscaling/v2 HorizontalPodAutoscaler for the workload.
func (k *Kubectl) autoscale(ctx context.Context, io IO, args []string) error {
	g := k.newGenerator(io, "autoscale")
	g.cmd, g.fs.cmd = "autoscale", "autoscale"
	files := g.fs.Slice("filename", "f")
	minR := g.fs.Int("min", "", -1)
	maxR := g.fs.Int("max", "", -1)
	cpuPercent := g.fs.Int("cpu-percent", "", -1)
	cpu := g.fs.String("cpu", "", "")
	memory := g.fs.String("memory", "", "")
	name := g.fs.String("name", "", "")
	record := recordFlag(g.fs)
	pos, _, err := g.parseFlags(args)
	if err != nil {
		return err
	}
	if *maxR < 1 {
		return fmt.Errorf("--max=MAXPODS is required and must be at least 1, max: %d", *maxR)
	}
	if *maxR < *minR {
		return fmt.Errorf("--max=MAXPODS must be larger or equal to --min=MINPODS, max: %d, min: %d", *maxR, *minR)
	}
	if g.fs.Changed("cpu-percent") {
		fmt.Fprintln(io.Err, "Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format (e.g., '70%' for utilization or '500m' for milliCPU).")
	}
	metrics, err := hpaMetrics(*cpuPercent, *cpu, *memory)
	if err != nil {
		return err
	}
	objs, err := k.resolve(io, pos, *files, k.ns(g.ns), "", false)
	if err != nil {
		return err
	}
	cause := changeCause(io, g.fs, *record, []string{"autoscale"}, pos)
	for _, o := range objs {
		if !scalableKinds[o.r.GroupKind()] {
			return fmt.Errorf("cannot autoscale a %s: %s", o.r.Kind, o.name())
		}
		hpa := &api.HorizontalPodAutoscaler{
			ObjectMeta: api.ObjectMeta{Name: o.name()},
			Spec: api.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: o.r.APIVersion(), Kind: o.r.Kind, Name: o.name()},
				MaxReplicas:    int32(*maxR), Metrics: metrics,
			},
		}
		if *name != "" {
			hpa.Name = *name
		}
		if *minR > 0 {
			hpa.Spec.MinReplicas = api.Ptr(int32(*minR))
		}
		setChangeCause(hpa, cause)
		if err := g.createOp(hpa, "autoscaled"); err != nil {
			return err
		}
	}
	return nil
}

var scalableKinds = map[string]bool{"Deployment.apps": true, "ReplicaSet.apps": true, "StatefulSet.apps": true, "ReplicationController": true}

// hpaMetrics are the resource metrics --cpu and --memory ask for: a
// percentage is a utilization, a quantity an average value.
func hpaMetrics(cpuPercent int64, cpu, memory string) ([]api.MetricSpec, error) {
	var out []api.MetricSpec
	if cpu == "" && cpuPercent >= 0 {
		cpu = strconv.FormatInt(cpuPercent, 10) + "%"
	}
	for _, m := range []struct{ name, target string }{{"cpu", cpu}, {"memory", memory}} {
		if m.target == "" {
			continue
		}
		t, err := metricTarget(m.name, m.target)
		if err != nil {
			return nil, err
		}
		out = append(out, api.MetricSpec{Type: "Resource", Resource: &api.ResourceMetricSource{Name: m.name, Target: t}})
	}
	return out, nil
}

func metricTarget(name, v string) (api.MetricTarget, error) {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return api.MetricTarget{}, fmt.Errorf("invalid %s utilization %q", name, v)
		}
		return api.MetricTarget{Type: "Utilization", AverageUtilization: api.Ptr(int32(n))}, nil
	}
	q, err := api.ParseQuantity(v)
	if err != nil {
		return api.MetricTarget{}, errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
	}
	return api.MetricTarget{Type: "AverageValue", AverageValue: &q}, nil
}
