package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// runExtras are kubectl run's flags beyond the pod's own: --expose,
// --overrides and how to create and print.
type runExtras struct {
	expose                       *bool
	overrides, overrideType      *string
	annotations                  *[]string
	dryRun, output, port, labels string
}

func runFlags(fs *flagSet) runExtras {
	return runExtras{expose: fs.Bool("expose", "", false), overrides: fs.String("overrides", "", ""),
		overrideType: fs.String("override-type", "", "merge"), annotations: fs.Array("annotations", "")}
}

// createRun creates (or, in a dry run, prints) the pod of kubectl run and,
// with --expose, its Service first, as RunOptions.Run does.
func (k *Kubectl) createRun(io IO, fs *flagSet, pod *api.Pod, x runExtras) error {
	strategy, err := dryRunStrategy(x.dryRun)
	if err != nil {
		return err
	}
	if *x.expose && x.port == "" {
		return errors.New("--port must be set when exposing a service")
	}
	for _, a := range *x.annotations {
		key, v, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("invalid annotation format: %s", a)
		}
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[key] = v
	}
	obj, err := overridden(pod, *x.overrides, *x.overrideType)
	if err != nil {
		return err
	}
	enforce := fs.Changed("namespace")
	if *x.expose {
		svc, err := runService(pod.Name, x.port, x.labels)
		if err != nil {
			return err
		}
		svc.Namespace = pod.Namespace
		if err := k.createOrPrint(io, svc, strategy, x.output, enforce); err != nil {
			return err
		}
		if x.output == "yaml" {
			fmt.Fprintln(io.Out, "---")
		}
	}
	return k.createOrPrint(io, obj, strategy, x.output, enforce)
}

// overridden applies --overrides to the generated object.
func overridden(obj api.Object, overrides, typ string) (api.Object, error) {
	if overrides == "" {
		return obj, nil
	}
	types := map[string]patch.Type{"json": patch.JSON, "merge": patch.Merge, "strategic": patch.Strategic}
	pt, ok := types[typ]
	if !ok {
		return nil, fmt.Errorf("invalid override type: %v", typ)
	}
	doc, err := json.Marshal(api.SetTypeMeta(obj))
	if err != nil {
		return nil, err
	}
	out, err := patch.Apply(pt, doc, []byte(overrides), reflect.TypeOf(obj).Elem())
	if err != nil {
		return nil, err
	}
	r := api.ResourceFor(obj)
	res, err := api.DecodeInto(r, out)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// runService is the Service of kubectl run --expose: the pod's labels as
// its selector, the port as both port and target.
func runService(name, port, labels string) (*api.Service, error) {
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("strconv.Atoi: parsing %q: invalid syntax", port)
	}
	selector := map[string]string{"run": name}
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.ServiceSpec{
		Ports: []api.ServicePort{{Port: int32(n), Protocol: "TCP", TargetPort: api.FromInt(int32(n))}},
	}}
	if labels != "" {
		if selector, err = parseLabelSpec(labels); err != nil {
			return nil, err
		}
		svc.Labels = selector
	}
	svc.Spec.Selector = selector
	return svc, nil
}

// createOrPrint creates obj, or prints it for a client dry run, with the
// namespace only when -n was given.
func (k *Kubectl) createOrPrint(io IO, obj api.Object, strategy dryRun, output string, enforceNS bool) error {
	api.SetTypeMeta(obj)
	r := api.ResourceFor(obj)
	if strategy == dryRunClient {
		if !enforceNS {
			obj = api.Clone(obj)
			obj.GetObjectMeta().Namespace = ""
		}
		return k.printed(io, r, obj, "created", strategy, output)
	}
	out, err := k.writer(strategy).Create(r, obj.GetObjectMeta().Namespace, obj)
	if err != nil {
		return err
	}
	return k.printed(io, r, out, "created", strategy, output)
}
