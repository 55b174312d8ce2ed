package kubectl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// delete is `kubectl delete`: by type and name, by file, or by selector;
// it waits until the objects are gone unless told not to.
func (k *Kubectl) delete(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("delete")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	selector := fs.String("selector", "l", "")
	all := fs.Bool("all", "", false)
	allNS := fs.Bool("all-namespaces", "A", false)
	grace := fs.Int("grace-period", "", -1)
	force := fs.Bool("force", "", false)
	now := fs.Bool("now", "", false)
	wait := fs.Bool("wait", "", true)
	cascade := fs.String("cascade", "", "background")
	ignoreNotFound := fs.Bool("ignore-not-found", "", false)
	timeout := fs.Duration("timeout", 0)
	output := fs.String("output", "o", "")
	fs.lookup("cascade").noOptValue = "background"
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *output != "" && *output != "name" {
		return fmt.Errorf("unexpected -o output mode: %v. We only support '-o name'", *output)
	}
	if *now {
		*grace = 1
	}
	if *force && *grace < 0 {
		*grace = 0
	}
	if *force && *grace > 0 {
		return errors.New("--force and --grace-period greater than 0 cannot be specified together")
	}
	policy, err := propagation(*cascade)
	if err != nil {
		return err
	}
	ns := k.ns(nsFlag)
	items, err := k.deleteTargets(io, pos, *files, ns, *selector, *all, *allNS)
	if err != nil {
		return err
	}
	if *grace == 0 && *force {
		fmt.Fprintln(io.Err, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	opts := apiserver.DeleteOptions{PropagationPolicy: policy}
	if *grace >= 0 {
		opts.GracePeriodSeconds = api.Ptr(*grace)
	}
	d := &deleter{k: k, io: io, opts: opts, ignoreNotFound: *ignoreNotFound, output: *output}
	if err := d.run(items); err != nil {
		return err
	}
	if !*wait || len(d.deleted) == 0 {
		return nil
	}
	return d.wait(ctx, *timeout)
}

func propagation(cascade string) (string, error) {
	switch cascade {
	case "background", "true":
		return apiserver.PropagationBackground, nil
	case "foreground":
		return apiserver.PropagationForeground, nil
	case "orphan", "false":
		return apiserver.PropagationOrphan, nil
	}
	return "", fmt.Errorf(`invalid cascade value (%v). Must be "background", "foreground", or "orphan"`, cascade)
}

type deleteItem struct {
	r      *api.ResourceInfo
	ns     string
	name   string
	source string
}

// deleteTargets resolves what to delete.
func (k *Kubectl) deleteTargets(io IO, pos, files []string, ns, selector string, all, allNS bool) ([]deleteItem, error) {
	if len(files) > 0 {
		ms, err := k.readManifests(io, files, ns)
		if err != nil {
			return nil, err
		}
		out := make([]deleteItem, len(ms))
		for i, m := range ms {
			out[i] = deleteItem{r: m.r, ns: m.ns, name: m.name, source: m.source}
		}
		return out, nil
	}
	if len(pos) == 0 {
		return nil, errors.New("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
	}
	targets, err := parseTargets(pos)
	if err != nil {
		return nil, err
	}
	if allNS {
		ns = ""
	}
	var out []deleteItem
	for _, t := range targets {
		items, err := k.targetItems(t, ns, selector, all)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

func (k *Kubectl) targetItems(t target, ns, selector string, all bool) ([]deleteItem, error) {
	tns := ns
	if !t.r.Namespaced {
		tns = ""
	}
	if len(t.names) > 0 {
		out := make([]deleteItem, len(t.names))
		for i, n := range t.names {
			out[i] = deleteItem{r: t.r, ns: tns, name: n}
		}
		return out, nil
	}
	if !all && selector == "" {
		return nil, errors.New("resource(s) were provided, but no name was specified")
	}
	l, err := k.c.List(t.r, tns, apiserver.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []deleteItem
	for _, o := range l.Items {
		m := o.GetObjectMeta()
		out = append(out, deleteItem{r: t.r, ns: m.Namespace, name: m.Name})
	}
	return out, nil
}

type deleter struct {
	k              *Kubectl
	io             IO
	opts           apiserver.DeleteOptions
	ignoreNotFound bool
	output         string
	deleted        []deletedItem
}

type deletedItem struct {
	deleteItem
	uid string
}

func (d *deleter) run(items []deleteItem) error {
	if len(items) == 0 {
		fmt.Fprintln(d.io.Out, "No resources found")
		return nil
	}
	var failed bool
	for _, it := range items {
		obj, err := d.k.c.Delete(it.r, it.ns, it.name, d.opts)
		if err != nil {
			if apiserver.IsNotFound(err) && d.ignoreNotFound {
				continue
			}
			if it.source != "" {
				err = sourceErr("deleting", it.source, err)
			}
			fmt.Fprint(d.io.Err, errorMessage(err))
			failed = true
			continue
		}
		d.deleted = append(d.deleted, deletedItem{deleteItem: it, uid: obj.GetObjectMeta().UID})
		d.print(it)
	}
	if failed {
		return exitError{1}
	}
	return nil
}

func (d *deleter) print(it deleteItem) {
	kind := kindName(it.r, it.name)
	kind = kind[:len(kind)-len(it.name)-1]
	if d.output == "name" {
		fmt.Fprintf(d.io.Out, "%s/%s\n", kind, it.name)
		return
	}
	op := "deleted"
	if d.opts.GracePeriodSeconds != nil && *d.opts.GracePeriodSeconds == 0 {
		op = "force deleted"
	}
	if it.r.Namespaced {
		op = fmt.Sprintf("%s from %s namespace", op, it.ns)
	}
	fmt.Fprintf(d.io.Out, "%s %q %s\n", kind, it.name, op)
}

// wait blocks until every deleted object is gone (or replaced by a new one
// of the same name), as kubectl delete --wait does.
func (d *deleter) wait(ctx context.Context, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 7 * 24 * time.Hour
	}
	gone := func() bool {
		for _, it := range d.deleted {
			obj, err := d.k.c.Get(it.r, it.ns, it.name)
			if err == nil && obj.GetObjectMeta().UID == it.uid {
				return false
			}
		}
		return true
	}
	err := d.k.host.Wait(ctx, timeout, gone)
	if errors.Is(err, ErrTimeout) {
		return errors.New("timed out waiting for the condition")
	}
	return err
}
