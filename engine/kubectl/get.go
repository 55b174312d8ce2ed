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
	pf := addPrinterFlags(fs)
	all := fs.Bool("all-namespaces", "A", false)
	selector := fs.String("selector", "l", "")
	fieldSel := fs.String("field-selector", "", "")
	showLabels := fs.Bool("show-labels", "", false)
	showKind := fs.Bool("show-kind", "", false)
	watch := fs.Bool("watch", "w", false)
	wf := addWatchFlags(fs)
	labelCols := fs.Slice("label-columns", "L")
	sortByFlag := fs.String("sort-by", "", "")
	ignoreNotFound := fs.Bool("ignore-not-found", "", false)
	fs.Int("chunk-size", "", 500)
	raw := fs.String("raw", "", "")
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *raw != "" {
		if err := validateRaw(*raw, pos, *watch || *wf.only, *selector, *pf.output); err != nil {
			return err
		}
		return k.rawGet(ctx, io, *raw)
	}
	if err := validateGet(*pf.output, *showLabels, *watch || *wf.only, *wf.events); err != nil {
		return err
	}
	if len(pos) == 0 {
		// As kubectl: a line of its own, then a usage error.
		fmt.Fprint(io.Err, "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n")
		return errors.New("Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples")
	}
	targets, err := parseTargets(pos)
	if err != nil {
		return err
	}
	spec, specErr := k.parseOutput(pf)
	ns := k.ns(nsFlag)
	if *all {
		ns = ""
	}
	g := &getter{k: k, io: io, ns: ns, opts: apiserver.ListOptions{LabelSelector: *selector, FieldSelector: *fieldSel}, output: spec.format,
		spec: spec, specErr: specErr, sortBy: *sortByFlag, ignoreNotFound: *ignoreNotFound,
		print: printOptions{wide: spec.format == "wide", noHeaders: *pf.noHeaders, showLabels: *showLabels, withNamespace: *all, withKind: *showKind || len(targets) > 1,
			labelColumns: *labelCols}}
	if *watch || *wf.only {
		return g.watch(ctx, targets, wf)
	}
	if specErr == nil && spec.table() {
		return g.run(targets)
	}
	return g.runGeneric(targets)
}

type getter struct {
	k              *Kubectl
	io             IO
	ns             string
	opts           apiserver.ListOptions
	output         string
	print          printOptions
	spec           outputSpec
	specErr        error // a printer kubectl could not make, reported after fetching
	sortBy         string
	ignoreNotFound bool
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
	if err := g.sortResults(results); err != nil {
		return err
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
			if !(g.ignoreNotFound && apiserver.IsNotFound(err)) {
				errs = append(errs, err)
			}
			continue
		}
		out = append(out, obj)
	}
	return out, errs
}

func (g *getter) emit(results []result, targets []target) {
	printed := 0
	total := 0
	for _, res := range results {
		total += len(res.objs)
		if len(res.objs) == 0 {
			continue
		}
		if printed > 0 && !g.print.noHeaders {
			fmt.Fprintln(g.io.Out)
		}
		printTable(g.io.Out, res.r, res.objs, g.k.c.Now(), g.print)
		printed++
	}
	if total == 0 && anyList(targets) && !g.ignoreNotFound {
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

// render prints v as kubectl's YAML or JSON printers do.
func render(v any, format string) ([]byte, error) {
	if w, ok := v.(withManagedFields); ok {
		v = w.v
	} else {
		v = omitManagedFields(v)
	}
	if format == "yaml" {
		return api.ToYAML(v)
	}
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
