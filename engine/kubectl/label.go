package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// metaEditor is what label and annotate share: both change one map of
// the objects' metadata (staging/src/k8s.io/kubectl/pkg/cmd/label and
// annotate).
type metaEditor struct {
	k                      *Kubectl
	io                     IO
	cmd                    string // "label" or "annotate"
	field                  func(api.Object) *map[string]string
	set                    map[string]string
	remove                 []string
	overwrite, list, local bool
	rv                     string
	output                 string
	strategy               dryRun
	cause                  string
}

func (k *Kubectl) label(ctx context.Context, io IO, args []string) error {
	return k.editMeta(io, "label", args, func(o api.Object) *map[string]string { return &o.GetObjectMeta().Labels })
}

func (k *Kubectl) annotate(ctx context.Context, io IO, args []string) error {
	return k.editMeta(io, "annotate", args, func(o api.Object) *map[string]string { return &o.GetObjectMeta().Annotations })
}

func (k *Kubectl) editMeta(io IO, cmd string, args []string, field func(api.Object) *map[string]string) error {
	fs := newFlagSet(cmd)
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	selector := fs.String("selector", "l", "")
	fieldSel := fs.String("field-selector", "", "")
	all := fs.Bool("all", "", false)
	allNS := fs.Bool("all-namespaces", "A", false)
	overwrite := fs.Bool("overwrite", "", false)
	list := fs.Bool("list", "", false)
	local := fs.Bool("local", "", false)
	rv := fs.String("resource-version", "", "")
	output := fs.String("output", "o", "")
	dryRunValue := dryRunFlag(fs)
	record := recordFlag(fs)
	fs.String("field-manager", "", "kubectl-"+cmd)
	fs.Bool("recursive", "R", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	e := &metaEditor{k: k, io: io, cmd: cmd, field: field, overwrite: *overwrite, list: *list, local: *local, rv: *rv, output: *output}
	if e.strategy, err = dryRunStrategy(*dryRunValue); err != nil {
		return err
	}
	resources, pairs, err := splitPairs(pos, cmd)
	if err != nil {
		return err
	}
	if err := e.parsePairs(pairs); err != nil {
		return err
	}
	if err := e.validate(resources, *files, *selector, *fieldSel, *all); err != nil {
		return err
	}
	if err := checkOutput(*output); err != nil {
		return err
	}
	e.cause = changeCause(io, fs, *record, []string{cmd}, pos)
	objs, err := e.objects(resources, *files, k.ns(nsFlag), *selector, *all, *allNS)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := e.edit(o, len(objs) == 1); err != nil {
			return err
		}
	}
	return nil
}

// splitPairs splits resources from the changes after them, as
// GetResourcesAndPairs does.
func splitPairs(args []string, cmd string) (resources, pairs []string, err error) {
	for _, s := range args {
		pair := (strings.Contains(s, "=") && s[0] != '=') || (strings.HasSuffix(s, "-") && s != "-")
		switch {
		case pair:
			pairs = append(pairs, s)
		case len(pairs) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", cmd, s)
		default:
			resources = append(resources, s)
		}
	}
	return resources, pairs, nil
}

var labelValue = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)

func (e *metaEditor) parsePairs(pairs []string) error {
	e.set = map[string]string{}
	for _, p := range pairs {
		switch {
		case strings.Contains(p, "="):
			key, value, _ := strings.Cut(p, "=")
			if e.cmd == "label" {
				if strings.Count(p, "=") != 1 {
					return fmt.Errorf("invalid label spec: %v", p)
				}
				if len(value) > 63 || !labelValue.MatchString(value) {
					return fmt.Errorf("invalid label value: %q: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", p)
				}
			} else if key == "" {
				return fmt.Errorf("invalid annotation format: %s", p)
			}
			e.set[key] = value
		case strings.HasSuffix(p, "-"):
			e.remove = append(e.remove, strings.TrimSuffix(p, "-"))
		default:
			return fmt.Errorf("unknown %s spec: %v", e.cmd, p)
		}
	}
	for _, r := range e.remove {
		if _, ok := e.set[r]; ok {
			if e.cmd == "label" {
				return fmt.Errorf("can not both modify and remove a label in the same command")
			}
			return fmt.Errorf("can not both modify and remove an annotation in the same command")
		}
	}
	return nil
}

func (e *metaEditor) validate(resources, files []string, selector, fieldSel string, all bool) error {
	noun := e.cmd
	if noun == "annotate" {
		noun = "annotation"
	}
	switch {
	case e.list && e.output != "":
		return fmt.Errorf("--list and --output may not be specified together")
	case all && selector != "":
		return fmt.Errorf("cannot set --all and --selector at the same time")
	case all && fieldSel != "":
		return fmt.Errorf("cannot set --all and --field-selector at the same time")
	case e.local && e.strategy == dryRunServer:
		return fmt.Errorf("cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
	case e.local && len(resources) > 0:
		return fmt.Errorf("can only use local files by -f rsrc.yaml or --filename=rsrc.json when --local=true is set")
	case e.local && len(files) == 0:
		return fmt.Errorf("one or more files must be specified as -f rsrc.yaml or --filename=rsrc.json")
	case !e.local && len(resources) < 1 && len(files) == 0:
		return fmt.Errorf("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	case len(e.set) < 1 && len(e.remove) < 1 && !e.list:
		return fmt.Errorf("at least one %s update is required", noun)
	}
	return nil
}

func (e *metaEditor) objects(resources, files []string, ns, selector string, all, allNS bool) ([]object, error) {
	if e.local {
		return e.k.localObjects(e.io, files, ns)
	}
	if allNS {
		ns = ""
	}
	objs, err := e.k.resolve(e.io, resources, files, ns, selector, all)
	if err == nil && len(objs) == 0 {
		noResources(e.io, ns)
	}
	return objs, err
}

// edit changes one object's map and reports it, as label's and
// annotate's Run.
func (e *metaEditor) edit(o object, one bool) error {
	upd := api.Clone(o.obj)
	m := e.field(upd)
	if !e.overwrite {
		if err := e.noOverwrites(*m); err != nil {
			return err
		}
	}
	old, _ := json.Marshal(o.obj)
	e.apply(m)
	if e.rv != "" {
		upd.GetObjectMeta().ResourceVersion = e.rv
	}
	out := upd
	if !e.local && !e.list && e.strategy != dryRunClient {
		if e.cmd == "label" {
			for _, r := range e.remove {
				if _, ok := (*e.field(o.obj))[r]; !ok {
					fmt.Fprintf(e.io.Out, "label %q not found.\n", r)
				}
			}
		}
		setChangeCause(upd, e.cause)
		var err error
		if out, err = e.k.writer(e.strategy).Update(o.r, upd); err != nil {
			return err
		}
	}
	if e.list {
		return e.printList(o, out, one)
	}
	newData, _ := json.Marshal(upd)
	return e.k.printed(e.io, o.r, out, e.message(old, newData), e.strategy, e.output)
}

func (e *metaEditor) apply(m *map[string]string) {
	if *m == nil {
		*m = map[string]string{}
	}
	for k, v := range e.set {
		(*m)[k] = v
	}
	for _, r := range e.remove {
		delete(*m, r)
	}
}

// noOverwrites refuses to change a value without --overwrite, with each
// command's words.
func (e *metaEditor) noOverwrites(cur map[string]string) error {
	var msgs []string
	for _, key := range api.SortedKeys(e.set) {
		if v, ok := cur[key]; ok && v != e.set[key] && !(e.cmd == "annotate" && key == ChangeCauseAnnotation) {
			msgs = append(msgs, fmt.Sprintf("'%s' already has a value (%s)", key, v))
		}
	}
	switch {
	case len(msgs) == 0:
		return nil
	case e.cmd == "annotate":
		return fmt.Errorf("--overwrite is false but found the following declared annotation(s): %s", strings.Join(msgs, "; "))
	}
	for i := range msgs {
		msgs[i] += ", and --overwrite is false"
	}
	return validationErrors(msgs)
}

// message is what the printer says: label says whether anything changed.
func (e *metaEditor) message(old, cur []byte) string {
	if e.cmd == "annotate" {
		return "annotated"
	}
	if reflect.DeepEqual(old, cur) {
		return "not labeled"
	}
	if !e.overwrite && len(cur) < len(old) {
		return "unlabeled"
	}
	return "labeled"
}

func (e *metaEditor) printList(o object, obj api.Object, one bool) error {
	indent := ""
	if !one && e.cmd == "label" {
		indent = " "
		fmt.Fprintf(e.io.Out, "Listing labels for %s.%s/%s:\n", o.r.Kind, o.r.Group, o.name())
	}
	m := *e.field(obj)
	for _, k := range api.SortedKeys(m) {
		fmt.Fprintf(e.io.Out, "%s%s=%s\n", indent, k, m[k])
	}
	return nil
}
