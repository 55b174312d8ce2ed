package kubectl

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// taint is `kubectl taint nodes NAME KEY=VALUE:EFFECT KEY:EFFECT- KEY-`
// (staging/src/k8s.io/kubectl/pkg/cmd/taint).
func (k *Kubectl) taint(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("taint")
	k.commonFlags(fs)
	selector := fs.String("selector", "l", "")
	overwrite := fs.Bool("overwrite", "", false)
	all := fs.Bool("all", "", false)
	output := fs.String("output", "o", "")
	dryRun := dryRunFlag(fs)
	fs.String("field-manager", "", "kubectl-taint")
	fs.String("validate", "", "strict")
	fs.lookup("validate").noOptValue = "strict"
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	strategy, err := dryRunStrategy(*dryRun)
	if err != nil {
		return err
	}
	t := &tainter{k: k, io: io, overwrite: *overwrite, output: *output, strategy: strategy}
	resources, err := t.parseArgs(pos)
	if err != nil {
		return err
	}
	if err := t.validate(resources, *selector, *all); err != nil {
		return err
	}
	var errs aggregate
	t.visit(resources[1:], *selector, *all, func(n *api.Node, err error) {
		if err == nil {
			err = t.apply(n)
		}
		if err != nil {
			errs = append(errs, err)
		}
	})
	return checkErr(io, errs.reduce())
}

type tainter struct {
	k           *Kubectl
	io          IO
	overwrite   bool
	output      string
	strategy    dryRun
	add, remove []api.Taint
}

// parseArgs splits the resources from the taint changes, which must come
// after them, and parses the changes.
func (t *tainter) parseArgs(args []string) ([]string, error) {
	var resources, changes []string
	for _, a := range args {
		isTaint := strings.Contains(a, "=") || strings.Contains(a, ":") || strings.HasSuffix(a, "-")
		switch {
		case isTaint:
			changes = append(changes, a)
		case len(changes) > 0:
			return nil, fmt.Errorf("all resources must be specified before taint changes: %s", a)
		default:
			resources = append(resources, a)
		}
	}
	if len(resources) < 1 {
		return nil, fmt.Errorf("one or more resources must be specified as <resource> <name>")
	}
	if len(changes) < 1 {
		return nil, fmt.Errorf("at least one taint update is required")
	}
	var err error
	if t.add, t.remove, err = parseTaints(changes); err != nil {
		return nil, helpError("taint", "%s", err)
	}
	return resources, nil
}

// validate checks the resource type, conflicting changes and the flags.
func (t *tainter) validate(resources []string, selector string, all bool) error {
	rs, err := lookupType(strings.ToLower(resources[0]))
	if err != nil {
		return err
	}
	if len(rs) != 1 || rs[0].Kind != "Node" {
		return fmt.Errorf("invalid resource type %s, only node types are supported", strings.ToLower(resources[0]))
	}
	var conflicts []string
	for _, a := range t.add {
		for _, r := range t.remove {
			if a.Key == r.Key && (r.Effect == "" || a.Effect == r.Effect) {
				conflicts = append(conflicts, fmt.Sprintf("{\"%s\":\"%s\"}", r.Key, r.Effect))
			}
		}
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("can not both modify and remove the following taint(s) in the same command: %s", strings.Join(conflicts, ", "))
	}
	if all && selector != "" {
		return fmt.Errorf("setting 'all' parameter with a non empty selector is prohibited")
	}
	if !all && selector == "" && len(resources) < 2 {
		return fmt.Errorf("at least one resource name must be specified since 'all' parameter is not set")
	}
	return nil
}

// visit calls f with each node to taint, or the error getting it: all,
// those the selector matches, or the named ones. Like kubectl's builder
// it goes on after an error.
func (t *tainter) visit(names []string, selector string, all bool, f func(*api.Node, error)) {
	if all || selector != "" {
		nodes, err := client.List[*api.Node](t.k.c, "", apiserver.ListOptions{LabelSelector: selector})
		if err != nil {
			f(nil, err)
		}
		for _, n := range nodes {
			f(n, nil)
		}
		return
	}
	for _, name := range names {
		f(client.Get[*api.Node](t.k.c, "", name))
	}
}

// apply changes one node's taints and prints what it did.
func (t *tainter) apply(n *api.Node) error {
	if !t.overwrite {
		if exists := taintsAlreadyThere(n.Spec.Taints, t.add); exists != "" {
			return fmt.Errorf("node %s already has %v taint(s) with same effect(s) and --overwrite is false", n.Name, exists)
		}
	}
	operation, taints, err := reorganizeTaints(n.Spec.Taints, t.overwrite, t.add, t.remove)
	if err != nil {
		return err
	}
	upd := api.Clone(n)
	upd.Spec.Taints = taints
	out := api.Object(upd)
	if t.strategy == dryRunNone {
		upd.ResourceVersion = "" // a patch, as kubectl sends, has no precondition
		if out, err = client.Update(t.k.c, upd); err != nil {
			return err
		}
	}
	if t.output != "" {
		return t.k.printObject(t.io, out, t.output)
	}
	fmt.Fprintf(t.io.Out, "node/%s %s%s\n", n.Name, operation, t.strategy.suffix())
	return nil
}

// parseTaints reads the changes: KEY=VALUE:EFFECT or KEY:EFFECT to add,
// KEY:EFFECT- or KEY- to remove.
func parseTaints(specs []string) (add, remove []api.Taint, err error) {
	seen := map[string]bool{}
	for _, spec := range specs {
		if strings.HasSuffix(spec, "-") {
			t, err := parseTaint(strings.TrimSuffix(spec, "-"))
			if err != nil {
				return nil, nil, err
			}
			remove = append(remove, api.Taint{Key: t.Key, Effect: t.Effect})
			continue
		}
		t, err := parseTaint(spec)
		if err != nil {
			return nil, nil, err
		}
		if t.Effect == "" {
			return nil, nil, fmt.Errorf("invalid taint spec: %v", spec)
		}
		if seen[t.Effect+"\x00"+t.Key] {
			// %v of a v1.Taint value, as upstream prints it.
			return nil, nil, fmt.Errorf("duplicated taints with the same key and effect: {%s %s %s <nil>}", t.Key, t.Value, t.Effect)
		}
		seen[t.Effect+"\x00"+t.Key] = true
		add = append(add, t)
	}
	return add, remove, nil
}

// parseTaint reads KEY=VALUE:EFFECT, KEY:EFFECT or KEY.
func parseTaint(spec string) (api.Taint, error) {
	var t api.Taint
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 1:
		t.Key = parts[0]
	case 2:
		t.Effect = parts[1]
		if err := validateTaintEffect(t.Effect); err != nil {
			return t, err
		}
		kv := strings.Split(parts[0], "=")
		if len(kv) > 2 {
			return t, fmt.Errorf("invalid taint spec: %v", spec)
		}
		t.Key = kv[0]
		if len(kv) == 2 {
			t.Value = kv[1]
			if errs := api.IsValidLabelValue(t.Value); len(errs) > 0 {
				return t, fmt.Errorf("invalid taint spec: %v, %s", spec, strings.Join(errs, "; "))
			}
		}
	default:
		return t, fmt.Errorf("invalid taint spec: %v", spec)
	}
	if errs := api.ValidateQualifiedName(t.Key); len(errs) > 0 {
		return t, fmt.Errorf("invalid taint spec: %v, %s", spec, strings.Join(errs, "; "))
	}
	return t, nil
}

func validateTaintEffect(effect string) error {
	switch effect {
	case api.TaintNoSchedule, api.TaintPreferNoSchedule, api.TaintNoExecute:
		return nil
	}
	return fmt.Errorf("invalid taint effect: %v, unsupported taint effect", effect)
}

// reorganizeTaints returns the node's new taints — the added ones first,
// then the old ones they do not replace, less the removed ones — and the
// word for what happened.
func reorganizeTaints(old []api.Taint, overwrite bool, add, remove []api.Taint) (string, []api.Taint, error) {
	taints := append([]api.Taint{}, add...)
	for _, o := range old {
		if !containsTaint(taints, o) {
			taints = append(taints, o)
		}
	}
	added := len(old) != len(taints)
	var errs aggregate
	removed := false
	for _, r := range remove {
		before := len(taints)
		taints = withoutTaints(taints, r)
		if removed = len(taints) != before; !removed {
			errs = append(errs, fmt.Errorf("taint %q not found", taintString(r)))
		}
	}
	var err error
	if len(errs) > 0 {
		err = errs
	}
	switch {
	case added && removed || overwrite:
		return "modified", taints, err
	case added:
		return "tainted", taints, err
	}
	return "untainted", taints, err
}

// containsTaint reports whether a taint of the same key and effect is in ts.
func containsTaint(ts []api.Taint, t api.Taint) bool {
	for _, x := range ts {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}

// withoutTaints returns ts without the taints r names: by key and effect, or by
// key alone when r has no effect.
func withoutTaints(ts []api.Taint, r api.Taint) []api.Taint {
	out := []api.Taint{}
	for _, t := range ts {
		if t.Key == r.Key && (r.Effect == "" || t.Effect == r.Effect) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// taintString is v1.Taint's ToString.
func taintString(t api.Taint) string {
	switch {
	case t.Effect == "" && t.Value == "":
		return t.Key
	case t.Effect == "":
		return t.Key + "=" + t.Value + ":"
	case t.Value == "":
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

// taintsAlreadyThere lists the keys of the taints to add that the node has
// with the same effect.
func taintsAlreadyThere(old, add []api.Taint) string {
	var keys []string
	for _, t := range add {
		for _, o := range old {
			if t.Key == o.Key && t.Effect == o.Effect {
				keys = append(keys, t.Key)
			}
		}
	}
	return strings.Join(keys, ",")
}
