package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// get is `kubectl get`.
func (k *Kubectl) get(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("get")
	nsFlag := k.commonFlags(fs)
	output := fs.String("output", "o", "")
	all := fs.Bool("all-namespaces", "A", false)
	selector := fs.String("selector", "l", "")
	fieldSel := fs.String("field-selector", "", "")
	showLabels := fs.Bool("show-labels", "", false)
	noHeaders := fs.Bool("no-headers", "", false)
	showKind := fs.Bool("show-kind", "", false)
	watch := fs.Bool("watch", "w", false)
	fs.Bool("ignore-not-found", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *watch {
		return errors.New("watch (-w) is not available in this playground yet; use `watch kubectl get ...` or repeat the command")
	}
	if len(pos) == 0 {
		return errors.New("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples")
	}
	targets, err := parseTargets(pos)
	if err != nil {
		return err
	}
	switch *output {
	case "", "wide", "yaml", "json", "name":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", *output)
	}
	ns := k.ns(nsFlag)
	if *all {
		ns = ""
	}
	g := &getter{k: k, io: io, ns: ns, opts: apiserver.ListOptions{LabelSelector: *selector, FieldSelector: *fieldSel}, output: *output,
		print: printOptions{wide: *output == "wide", noHeaders: *noHeaders, showLabels: *showLabels, withNamespace: *all, withKind: *showKind || len(targets) > 1}}
	return g.run(targets)
}

type getter struct {
	k      *Kubectl
	io     IO
	ns     string
	opts   apiserver.ListOptions
	output string
	print  printOptions
}

type result struct {
	r    *api.ResourceInfo
	objs []api.Object
}

func (g *getter) run(targets []target) error {
	var results []result
	var errs []error
	for _, t := range targets {
		objs, err := g.fetch(t)
		errs = append(errs, err...)
		if len(objs) > 0 || len(t.names) == 0 {
			results = append(results, result{r: t.r, objs: objs})
		}
	}
	g.emit(results, targets)
	for _, err := range errs {
		fmt.Fprint(g.io.Err, errorMessage(err))
	}
	if len(errs) > 0 {
		return exitError{1}
	}
	return nil
}

// fetch gets the named objects or lists them. A table shows the objects
// as stored: kube-apiserver converts what it stores, not the version asked
// for, to a table, so an autoscaling/v1 autoscaler shows its v2 metrics.
func (g *getter) fetch(t target) ([]api.Object, []error) {
	ns := g.ns
	if !t.r.Namespaced {
		ns = ""
	}
	r := t.r
	if g.output == "" || g.output == "wide" {
		r = t.r.Stored()
	}
	if len(t.names) == 0 {
		l, err := g.k.c.List(r, ns, g.opts)
		if err != nil {
			return nil, []error{err}
		}
		return l.Items, nil
	}
	var out []api.Object
	var errs []error
	for _, name := range t.names {
		if ns == "" && t.r.Namespaced {
			ns = g.k.namespace
		}
		// The error, if any, names the resource asked for.
		obj, err := g.k.c.Get(t.r, ns, name)
		if err == nil && r != t.r {
			obj, err = g.k.c.Get(r, ns, name)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, obj)
	}
	return out, errs
}

func (g *getter) emit(results []result, targets []target) {
	switch g.output {
	case "yaml", "json":
		g.emitStructured(results, targets)
		return
	case "name":
		for _, res := range results {
			for _, o := range res.objs {
				fmt.Fprintln(g.io.Out, kindName(res.r, o.GetObjectMeta().Name))
			}
		}
		return
	}
	printed := 0
	total := 0
	for _, res := range results {
		total += len(res.objs)
		if len(res.objs) == 0 {
			continue
		}
		if printed > 0 {
			fmt.Fprintln(g.io.Out)
		}
		printTable(g.io.Out, res.r, res.objs, g.k.c.Now(), g.print)
		printed++
	}
	if total == 0 && anyList(targets) {
		g.noResources(results)
	}
}

func anyList(targets []target) bool {
	for _, t := range targets {
		if len(t.names) == 0 {
			return true
		}
	}
	return false
}

func (g *getter) noResources(results []result) {
	namespaced := false
	for _, res := range results {
		namespaced = namespaced || res.r.Namespaced
	}
	if g.ns != "" && namespaced {
		fmt.Fprintf(g.io.Err, "No resources found in %s namespace.\n", g.ns)
		return
	}
	fmt.Fprintln(g.io.Err, "No resources found")
}

// emitStructured prints one object as itself, or several as a List.
func (g *getter) emitStructured(results []result, targets []target) {
	var objs []api.Object
	for _, res := range results {
		objs = append(objs, res.objs...)
	}
	single := len(targets) == 1 && len(targets[0].names) == 1 && len(objs) == 1
	var v any
	if single {
		v = objs[0]
	} else {
		items := make([]any, len(objs))
		for i, o := range objs {
			items[i] = o
		}
		v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}
	}
	out, err := render(v, g.output)
	if err != nil {
		fmt.Fprint(g.io.Err, errorMessage(err))
		return
	}
	g.io.Out.Write(out)
}

// render prints v as kubectl's YAML or JSON printers do.
func render(v any, format string) ([]byte, error) {
	if format == "yaml" {
		return api.ToYAML(v)
	}
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
