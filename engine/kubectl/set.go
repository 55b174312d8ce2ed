package kubectl

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// set is `kubectl set SUBCOMMAND` (staging/src/k8s.io/kubectl/pkg/cmd/set).
func (k *Kubectl) set(ctx context.Context, io IO, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(io.Err, setHelp)
		if len(args) == 0 {
			return exitError{1}
		}
		return nil
	}
	sub := map[string]func(*Kubectl, IO, []string) error{
		"image": (*Kubectl).setImage, "env": (*Kubectl).setEnv, "resources": (*Kubectl).setResources,
		"serviceaccount": (*Kubectl).setServiceAccount, "sa": (*Kubectl).setServiceAccount,
	}
	run, ok := sub[args[0]]
	if !ok {
		return helpError("set", "unknown command %q", args[0])
	}
	return run(k, io, args[1:])
}

const setHelp = `Configure application resources.

 These commands help you make changes to existing application resources.

Available Commands:
  env              Update environment variables on a pod template
  image            Update the image of a pod template
  resources        Update resource requests/limits on objects with pod templates
  serviceaccount   Update the service account of a resource

Usage:
  kubectl set SUBCOMMAND [options]

Use "kubectl set <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
`

// setCommand is what the set subcommands share: their flags, the objects
// they act on, and how each is changed, written and printed.
type setCommand struct {
	k        *Kubectl
	io       IO
	fs       *flagSet
	ns       *string
	files    *[]string
	selector *string
	all      *bool
	local    *bool
	output   *string
	dryRun   *string
	record   *bool
	strategy dryRun
	op       string   // what the printer says: "image updated"
	pos      []string // the positional arguments, for --record
}

func (k *Kubectl) newSetCommand(io IO, sub, op string) *setCommand {
	fs := newFlagSet("set " + sub)
	c := &setCommand{k: k, io: io, fs: fs, op: op, ns: k.commonFlags(fs), files: fs.Slice("filename", "f"),
		selector: fs.String("selector", "l", ""), all: fs.Bool("all", "", false), local: fs.Bool("local", "", false),
		output: fs.String("output", "o", ""), dryRun: dryRunFlag(fs), record: recordFlag(fs)}
	fs.Bool("recursive", "R", false)
	fs.String("field-manager", "", "kubectl-set")
	return c
}

// parse reads the command line; the pairs (KEY=VALUE, KEY-) come after
// the resources, as GetResourcesAndPairs wants them.
func (c *setCommand) parse(args []string, pairType string) (resources, pairs []string, err error) {
	pos, _, err := c.fs.Parse(args)
	if err != nil {
		return nil, nil, err
	}
	c.pos = pos
	if c.strategy, err = dryRunStrategy(*c.dryRun); err != nil {
		return nil, nil, err
	}
	if err := checkOutput(*c.output); err != nil {
		return nil, nil, err
	}
	for _, s := range pos {
		pair := (strings.Contains(s, "=") && s[0] != '=') || (strings.HasSuffix(s, "-") && s != "-")
		switch {
		case pair:
			pairs = append(pairs, s)
		case len(pairs) > 0 && pairType == "environment":
			return nil, nil, fmt.Errorf("all resources must be specified before environment changes: %s", strings.Join(pos, " "))
		case len(pairs) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", pairType, s)
		default:
			resources = append(resources, s)
		}
	}
	return resources, pairs, nil
}

// run changes each object with change, which may add to the errors, and
// writes those it changed. An object left as it was is not printed.
func (c *setCommand) run(resources []string, change func(spec *api.PodSpec, o object) error) error {
	objs, err := c.k.resolve(c.io, resources, *c.files, c.k.ns(c.ns), *c.selector, *c.all)
	if err != nil {
		return err
	}
	cause := changeCause(c.io, c.fs, *c.record, strings.Fields(c.fs.cmd), c.pos)
	var errs aggregate
	for _, o := range objs {
		if err := c.apply(o, change, cause); err != nil {
			errs = append(errs, err)
		}
	}
	return checkErr(c.io, errs.reduce())
}

func (c *setCommand) apply(o object, change func(spec *api.PodSpec, o object) error, cause string) error {
	upd := api.Clone(o.obj)
	spec, err := podSpecOf(upd)
	if err != nil {
		return fmt.Errorf("error: %s/%s %v", o.r.GroupResource(), o.name(), err)
	}
	if err := change(spec, o); err != nil {
		var pe patchError
		if errors.As(err, &pe) {
			return fmt.Errorf("error: %s/%s %v", o.r.GroupResource(), o.name(), pe.error)
		}
		return err
	}
	if reflect.DeepEqual(upd, o.obj) {
		return nil
	}
	setChangeCause(upd, cause)
	if *c.local || c.strategy == dryRunClient {
		return c.k.printed(c.io, o.r, upd, c.op, c.strategy, *c.output)
	}
	upd.GetObjectMeta().ResourceVersion = ""
	out, err := c.k.writer(c.strategy).Update(o.r, upd)
	if err != nil {
		return fmt.Errorf("failed to patch %s update to pod template: %v", strings.TrimSuffix(c.op, " updated"), err)
	}
	return c.k.printed(c.io, o.r, out, c.op, c.strategy, *c.output)
}

// patchError is a failure in computing an object's patch, which kubectl
// reports with the object's name.
type patchError struct{ error }

// podSpecOf returns the pod spec of a pod or of a workload's template,
// as UpdatePodSpecForObject finds it.
func podSpecOf(obj api.Object) (*api.PodSpec, error) {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.Spec, nil
	case *api.ReplicationController:
		if o.Spec.Template == nil {
			o.Spec.Template = &api.PodTemplateSpec{}
		}
		return &o.Spec.Template.Spec, nil
	case *api.Deployment:
		return &o.Spec.Template.Spec, nil
	case *api.DaemonSet:
		return &o.Spec.Template.Spec, nil
	case *api.ReplicaSet:
		return &o.Spec.Template.Spec, nil
	case *api.StatefulSet:
		return &o.Spec.Template.Spec, nil
	case *api.Job:
		return &o.Spec.Template.Spec, nil
	case *api.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, nil
	}
	return nil, fmt.Errorf("the object is not a pod or does not have a pod template: %s", goTypeName(obj))
}

// goTypeName is an object's Go type as upstream's %T shows it.
func goTypeName(obj api.Object) string {
	return strings.Replace(fmt.Sprintf("%T", obj), "*api.", "*v1.", 1)
}

// parsePairs reads KEY=VALUE pairs, and KEY- removals when allowed.
func parsePairs(pairs []string, pairType string, removal bool) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, p := range pairs {
		if removal && strings.HasSuffix(p, "-") && !strings.Contains(p, "=") {
			remove = append(remove, strings.TrimSuffix(p, "-"))
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("invalid %s format: %s", pairType, p)
		}
		set[k] = v
	}
	return set, remove, nil
}

// setImage is `kubectl set image TYPE NAME CONTAINER=IMAGE...`.
func (k *Kubectl) setImage(io IO, args []string) error {
	c := k.newSetCommand(io, "image", "image updated")
	resources, pairs, err := c.parse(args, "image")
	if err != nil {
		return err
	}
	images, _, err := parsePairs(pairs, "image", false)
	if err != nil {
		return err
	}
	var errs []string
	if *c.all && *c.selector != "" {
		errs = append(errs, "cannot set --all and --selector at the same time")
	}
	if len(resources) == 0 && len(*c.files) == 0 {
		errs = append(errs, "one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if len(images) == 0 {
		errs = append(errs, "at least one image update is required")
	} else if _, wild := images["*"]; wild && len(images) > 1 {
		errs = append(errs, "all containers are already specified by *, but saw more than one container_name=container_image pairs")
	}
	if len(errs) > 0 {
		return validationErrors(errs)
	}
	names := api.SortedKeys(images)
	return c.run(resources, func(spec *api.PodSpec, o object) error {
		var missing aggregate
		for _, name := range names {
			found := setContainerImage(spec.InitContainers, name, images[name])
			found = setContainerImage(spec.Containers, name, images[name]) || found
			for i := range spec.EphemeralContainers {
				if name == "*" || spec.EphemeralContainers[i].Name == name {
					spec.EphemeralContainers[i].Image, found = images[name], true
				}
			}
			if !found {
				missing = append(missing, fmt.Errorf("unable to find container named %q", name))
			}
		}
		return missing.reduce()
	})
}

// validationErrors is a flattened aggregate of the command line's mistakes.
func validationErrors(msgs []string) error {
	if len(msgs) == 1 {
		return errors.New(msgs[0])
	}
	return errors.New("[" + strings.Join(msgs, ", ") + "]")
}

func setContainerImage(cs []api.Container, name, image string) bool {
	found := false
	for i := range cs {
		if name == "*" || cs[i].Name == name {
			cs[i].Image, found = image, true
		}
	}
	return found
}

// selectContainers returns the containers -c names (a glob with *).
func selectContainers(spec *api.PodSpec, pattern string) []*api.Container {
	var out []*api.Container
	for _, list := range [][]api.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			if globMatch(pattern, list[i].Name) {
				out = append(out, &list[i])
			}
		}
	}
	return out
}

// globMatch matches * as any run of characters, as path.Match does for names.
func globMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	if !strings.HasPrefix(s, before) {
		return false
	}
	rest := s[len(before):]
	for i := 0; i <= len(rest); i++ {
		if globMatch(after, rest[i:]) {
			return true
		}
	}
	return false
}

// setResources is `kubectl set resources TYPE NAME --limits=... --requests=...`.
func (k *Kubectl) setResources(io IO, args []string) error {
	c := k.newSetCommand(io, "resources", "resource requirements updated")
	containers := c.fs.String("containers", "c", "*")
	limits := c.fs.String("limits", "", "")
	requests := c.fs.String("requests", "", "")
	resources, _, err := c.parse(args, "resource")
	if err != nil {
		return err
	}
	if *c.all && *c.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	if len(resources) == 0 && len(*c.files) == 0 {
		return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if *limits == "" && *requests == "" {
		return errors.New("you must specify an update to requests or limits (in the form of --requests/--limits)")
	}
	lim, err := parseResourceList(*limits)
	if err != nil {
		return err
	}
	req, err := parseResourceList(*requests)
	if err != nil {
		return err
	}
	return c.run(resources, func(spec *api.PodSpec, o object) error {
		cs := selectContainers(spec, *containers)
		if len(cs) == 0 {
			fmt.Fprintf(io.Err, "warning: Unable to find container named %s\n", *containers)
		}
		for _, ct := range cs {
			ct.Resources.Limits = mergeResources(ct.Resources.Limits, lim)
			ct.Resources.Requests = mergeResources(ct.Resources.Requests, req)
		}
		return nil
	})
}

// parseResourceList reads "cpu=200m,memory=512Mi".
func parseResourceList(s string) (api.ResourceList, error) {
	if s == "" {
		return nil, nil
	}
	out := api.ResourceList{}
	for _, kv := range strings.Split(s, ",") {
		name, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("invalid argument syntax %v, expected <resource>=<value>", kv)
		}
		q, err := api.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
		}
		out[name] = q
	}
	return out, nil
}

func mergeResources(cur, add api.ResourceList) api.ResourceList {
	if len(add) == 0 {
		return cur
	}
	out := api.ResourceList{}
	for k, v := range cur {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// setServiceAccount is `kubectl set serviceaccount TYPE NAME SA`.
func (k *Kubectl) setServiceAccount(io IO, args []string) error {
	c := k.newSetCommand(io, "serviceaccount", "serviceaccount updated")
	pos, _, err := c.parse(args, "serviceaccount")
	if err != nil {
		return err
	}
	if len(pos) == 0 || (len(pos) < 2 && len(*c.files) == 0) {
		return helpError("set serviceaccount", "serviceaccount is required")
	}
	sa := pos[len(pos)-1]
	return c.run(pos[:len(pos)-1], func(spec *api.PodSpec, o object) error {
		spec.ServiceAccountName = sa
		return nil
	})
}
