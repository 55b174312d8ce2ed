package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// cordon is `kubectl cordon NODE`: mark nodes unschedulable.
func (k *Kubectl) cordon(ctx context.Context, io IO, args []string) error {
	return k.cordonCommand(io, "cordon", args, true)
}

// uncordon is `kubectl uncordon NODE`: mark nodes schedulable again.
func (k *Kubectl) uncordon(ctx context.Context, io IO, args []string) error {
	return k.cordonCommand(io, "uncordon", args, false)
}

func (k *Kubectl) cordonCommand(io IO, cmd string, args []string, desired bool) error {
	fs := newFlagSet(cmd)
	k.commonFlags(fs)
	selector := fs.String("selector", "l", "")
	dryRun := dryRunFlag(fs)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	strategy, err := dryRunStrategy(*dryRun)
	if err != nil {
		return err
	}
	nodes, err := k.selectNodes(cmd, pos, *selector, fs.Changed("selector"))
	if err != nil {
		return err
	}
	k.setUnschedulable(io, nodes, desired, strategy)
	return nil
}

// dryRun is a --dry-run strategy, as cmdutil.DryRunStrategy.
type dryRun int

const (
	dryRunNone dryRun = iota
	dryRunClient
	dryRunServer
)

// suffix is what printers add to an operation under the strategy.
func (d dryRun) suffix() string {
	switch d {
	case dryRunClient:
		return " (dry run)"
	case dryRunServer:
		return " (server dry run)"
	}
	return ""
}

// dryRunFlag adds --dry-run as cmdutil.AddDryRunFlag does.
func dryRunFlag(fs *flagSet) *string {
	v := fs.String("dry-run", "", "none")
	fs.lookup("dry-run").noOptValue = "unchanged"
	return v
}

// dryRunStrategy reads --dry-run as cmdutil.GetDryRunStrategy does.
func dryRunStrategy(v string) (dryRun, error) {
	switch v {
	case "unchanged":
		return dryRunNone, errors.New(`--dry-run flag without a value was specified. A value must be set: "none", "server", or "client".`)
	case "client":
		return dryRunClient, nil
	case "server":
		return dryRunServer, nil
	case "none":
		return dryRunNone, nil
	}
	return dryRunNone, fmt.Errorf(`Invalid dry-run value (%v). Must be "none", "server", or "client".`, v)
}

// helpError is a mistake kubectl reports with a pointer to the command's
// help, as cmdutil.UsageErrorf words it.
func helpError(cmd, format string, args ...any) error {
	return fmt.Errorf("%s\nSee 'kubectl %s -h' for help and examples", fmt.Sprintf(format, args...), cmd)
}

// selectNodes resolves the nodes cordon, uncordon and drain act on: the
// named ones, or those the selector matches.
func (k *Kubectl) selectNodes(cmd string, names []string, selector string, selectorSet bool) ([]*api.Node, error) {
	if len(names) == 0 && !selectorSet {
		return nil, helpError(cmd, "USAGE: %s NODE [flags]", cmd)
	}
	if len(names) > 0 && selector != "" {
		return nil, helpError(cmd, "error: cannot specify both a node name and a --selector option")
	}
	if len(names) == 0 {
		return client.List[*api.Node](k.c, "", apiserver.ListOptions{LabelSelector: selector})
	}
	var out []*api.Node
	for _, arg := range names {
		name, err := nodeName(arg)
		if err != nil {
			return nil, err
		}
		n, err := client.Get[*api.Node](k.c, "", name)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// nodeName reads NAME or TYPE/NAME, where the type must be nodes.
func nodeName(arg string) (string, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok {
		return arg, nil
	}
	rs, err := lookupType(typ)
	if err != nil {
		return "", err
	}
	if r := rs[0]; r.Kind != "Node" {
		return "", fmt.Errorf("error: expected resource of type node, got \"%s/%s, Resource=%s\"", r.Group, r.Version, r.Resource)
	}
	return name, nil
}

// setUnschedulable cordons or uncordons each node, as RunCordonOrUncordon:
// a failure is reported and the others go on, and the command succeeds.
func (k *Kubectl) setUnschedulable(io IO, nodes []*api.Node, desired bool, strategy dryRun) {
	verb := "cordon"
	if !desired {
		verb = "uncordon"
	}
	for _, n := range nodes {
		if n.Spec.Unschedulable == desired {
			fmt.Fprintf(io.Out, "node/%s already %sed%s\n", n.Name, verb, strategy.suffix())
			continue
		}
		if strategy == dryRunNone {
			upd := api.Clone(n)
			upd.Spec.Unschedulable = desired
			upd.ResourceVersion = "" // a patch, as kubectl sends, has no precondition
			if _, err := client.Update(k.c, upd); err != nil {
				fmt.Fprintf(io.Err, "error: unable to %s node %q: %v\n", verb, n.Name, err)
				continue
			}
		}
		fmt.Fprintf(io.Out, "node/%s %sed%s\n", n.Name, verb, strategy.suffix())
	}
}
