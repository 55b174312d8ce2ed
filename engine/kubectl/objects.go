package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// The commands that change objects (rollout, scale, set, patch, label,
// annotate, expose, autoscale) find them as kubectl's resource builder
// does and print what they did as its printers do.

// object is one object a command acts on, as fetched.
type object struct {
	r   *api.ResourceInfo
	obj api.Object
}

func (o object) name() string { return o.obj.GetObjectMeta().Name }
func (o object) ns() string   { return o.obj.GetObjectMeta().Namespace }

// resolve fetches the objects named by TYPE NAME..., TYPE/NAME..., -f
// FILE or TYPE with -l/--all. The first error ends it, as a builder
// without ContinueOnError does.
func (k *Kubectl) resolve(io IO, pos, files []string, ns, selector string, all bool) ([]object, error) {
	items, err := k.deleteTargets(io, pos, files, ns, selector, all, false)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(items))
	for _, it := range items {
		obj, err := k.c.Get(it.r, it.ns, it.name)
		if err != nil {
			return nil, err
		}
		out = append(out, object{r: it.r, obj: obj})
	}
	return out, nil
}

// writer returns the client for a dry-run strategy: a server dry run
// sends requests that store nothing.
func (k *Kubectl) writer(strategy dryRun) *client.Client {
	if strategy == dryRunServer {
		return k.c.DryRun()
	}
	return k.c
}

// printed is how a command reports an object: "deployment.apps/web
// scaled", with the dry run's suffix, or the object in -o yaml, json or name.
func (k *Kubectl) printed(io IO, r *api.ResourceInfo, obj api.Object, op string, strategy dryRun, output string) error {
	if output != "" {
		return k.printObject(io, obj, output)
	}
	fmt.Fprintf(io.Out, "%s %s%s\n", kindName(r, obj.GetObjectMeta().Name), op, strategy.suffix())
	return nil
}

// checkOutput refuses the output formats these commands do not print.
func checkOutput(output string) error {
	switch output {
	case "", "yaml", "json", "name":
		return nil
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", output)
}

// ChangeCauseAnnotation is where --record writes the command line.
const ChangeCauseAnnotation = "kubernetes.io/change-cause"

// recordFlag adds the deprecated --record flag.
func recordFlag(fs *flagSet) *bool { return fs.Bool("record", "", false) }

// changeCause returns what --record writes, or "" when it is off: the
// command line as kubectl rebuilds it, "kubectl" and the arguments, then
// each flag as --name=value in the order given. Using the flag prints
// pflag's deprecation notice.
func changeCause(io IO, fs *flagSet, record bool, cmd []string, pos []string) string {
	if fs.Changed("record") {
		fmt.Fprintln(io.Err, "Flag --record has been deprecated, --record will be removed in the future")
	}
	if !record {
		return ""
	}
	parts := append(append([]string{"kubectl"}, cmd...), pos...)
	return strings.Join(append(parts, fs.given...), " ")
}

// setChangeCause records cause on obj when there is one.
func setChangeCause(obj api.Object, cause string) {
	if cause == "" {
		return
	}
	m := obj.GetObjectMeta()
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[ChangeCauseAnnotation] = cause
}

// noResources is kubectl's line when a selector matched nothing.
func noResources(io IO, ns string) {
	fmt.Fprintf(io.Out, "No resources found in %s namespace.\n", ns)
}

// errRequiredResource is what the rollout commands say without a resource.
var errRequiredResource = errors.New("required resource not specified")
