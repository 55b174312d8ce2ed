package shell

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"mvdan.cc/sh/v3/interp"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Cloud is the cloud the cluster's machines run in, as the kubeplay
// command drives it: the user plays the cloud's customer.
type Cloud interface {
	AddNode(NodeOptions) (string, error)
	StopNode(name string) error
	StartNode(name string) error
	DeleteNode(name string) error
	Machines() []Machine
}

// NodeOptions describe a machine to add; empty fields take the cloud's
// defaults.
type NodeOptions struct {
	Name   string
	CPU    string
	Memory string
	Zone   string
	Labels map[string]string
	Taints []api.Taint
	Fake   bool // a fake node: its kubelet runs no program (kwok's kind)
	// MaxPods is its kubelet's --max-pods (0: the cluster's, 110 by default).
	MaxPods int
}

// Machine is a machine as the cloud lists it.
type Machine struct {
	Name, State, Zone, Type, CPU, Memory, Address string
}

var kubeplayTool = &tool{
	name: "kubeplay",
	usage: []string{
		"kubeplay node list",
		"kubeplay node add [NAME] [OPTION]...",
		"kubeplay node stop NAME",
		"kubeplay node start NAME",
		"kubeplay node delete NAME",
		"kubeplay image ls [REPOSITORY[:TAG]]",
		"kubeplay image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		"kubeplay image load FILE NAME[:TAG]",
		"kubeplay addons list",
		"kubeplay addons enable NAME",
		"kubeplay speed [pause|1|10|100|max]",
		"kubeplay step",
		"kubeplay skip",
		"kubeplay share [--scenario]",
		"kubeplay export",
		"kubeplay hash [--revisions]",
	},
	about: `Be the playground cluster's cloud: list its machines, add one (its kubelet joins
the cluster), stop one (it loses power: its kubelet and containers stop at once),
start one again (its node recovers and its pods restart), or delete one (the cloud
controller manager deletes its Node once it is found unreachable).
Run 'kubeplay node add --help' for the options of add.
Push to its image registry: list the images it holds, tag one under another name
(as docker tag and push), or load a WASI module of your own as an image.
Enable an add-on, as minikube addons does (ingress: the ingress-nginx controller).
Drive the cluster's clock: its speed, a step to the next timer, a skip to the
next change. Share the session as a link, or export your objects as manifests.
Print a digest of the cluster's history, to compare two runs of a scenario.`,
	inOrder: true,
	status:  1,
}

var kubeplayAddTool = &tool{
	name:  "kubeplay node add",
	usage: []string{"kubeplay node add [NAME] [OPTION]..."},
	about: `Create a machine in the cloud and boot it. NAME defaults to the next free nodeNN.
A fake node (--fake) runs the pod lifecycle without running containers' programs,
as kwok's nodes do: its pods become Running and Ready, get IPs and terminate
gracefully, their probes are taken to succeed, and containers that may end
(init containers, pods whose restart policy is not Always) complete at once.
It is labelled type=kwok, annotated kwok.x-k8s.io/node=fake and tainted
kwok.x-k8s.io/node=fake:NoSchedule, as kwok's, so only pods that tolerate it go
there; it runs no kube-proxy. Use fake nodes for scale experiments, beside the
real ones.`,
	opts: []option{
		{long: "count", arg: needArg, argName: "N", help: "add N machines, with the next free names (default 1)"},
		{long: "fake", help: "add fake nodes, whose containers run no program"},
		{long: "cpu", arg: needArg, argName: "CPUS", help: "its CPUs (default: the cluster's node size)"},
		{long: "memory", arg: needArg, argName: "QUANTITY", help: "its memory, such as 8Gi (default: the cluster's node size)"},
		{long: "zone", arg: needArg, argName: "ZONE", help: "its zone (default: the zone with the fewest workers)"},
		{long: "labels", arg: needArg, argName: "K=V,...", help: "labels its kubelet registers the node with"},
		{long: "taints", arg: needArg, argName: "K=V:EFFECT,...", help: "taints its kubelet registers the node with"},
		{long: "max-pods", arg: needArg, argName: "N", help: "the most pods its kubelet runs, as kubelet's --max-pods (default: the cluster's, 110)"},
	},
	status: 1,
}

// kubeplayNameTool parses the commands that take one machine's name.
func kubeplayNameTool(verb, about string) *tool {
	return &tool{name: "kubeplay node " + verb, usage: []string{"kubeplay node " + verb + " NAME"}, about: about, status: 1}
}

var kubeplayVerbs = map[string]*tool{
	"stop":   kubeplayNameTool("stop", "Cut a machine's power. Its Node stays; the node lifecycle controller finds it unreachable."),
	"start":  kubeplayNameTool("start", "Boot a stopped machine. Its kubelet starts again and restarts the pods still bound to it."),
	"delete": kubeplayNameTool("delete", "Delete a machine from the cloud. Its Node goes once the node lifecycle controller\nhas found it unreachable, its pods after that."),
	"list":   {name: "kubeplay node list", usage: []string{"kubeplay node list"}, about: "List the cloud's machines.", status: 1},
}

// kubeplayCmd is the playground's own command: the user as the cloud.
func (s *Shell) kubeplayCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	p, code, done := kubeplayTool.parse(hc, args)
	if done {
		return code
	}
	switch {
	case len(p.args) == 0:
		return kubeplayTool.usageError(hc.Stderr, "missing command")
	case p.args[0] == "image":
		return s.kubeplayImage(hc, p.args[1:])
	case p.args[0] == "addons":
		return s.kubeplayAddons(hc, p.args[1:])
	case kubeplayClockTools[p.args[0]] != nil:
		return s.kubeplayClock(hc, p.args[0], p.args[1:])
	case kubeplayShareTools[p.args[0]] != nil:
		return s.kubeplayShare(hc, p.args[0], p.args[1:])
	case p.args[0] != "node":
		return kubeplayTool.usageError(hc.Stderr, "unknown command '%s'", p.args[0])
	case len(p.args) == 1:
		return kubeplayTool.usageError(hc.Stderr, "missing command after 'node'")
	case s.cfg.Cloud == nil:
		fmt.Fprintln(hc.Stderr, "kubeplay: this shell has no cloud to drive")
		return 1
	}
	verb, rest := p.args[1], p.args[2:]
	if verb == "add" {
		return s.kubeplayAdd(hc, rest)
	}
	t, ok := kubeplayVerbs[verb]
	if !ok {
		return kubeplayTool.usageError(hc.Stderr, "unknown command 'node %s'", verb)
	}
	p, code, done = t.parse(hc, rest)
	if done {
		return code
	}
	if verb == "list" {
		if len(p.args) > 0 {
			return t.usageError(hc.Stderr, "extra operand '%s'", p.args[0])
		}
		s.cfg.Lock()
		defer s.cfg.Unlock()
		printMachines(hc.Stdout, s.cfg.Cloud.Machines())
		return 0
	}
	if len(p.args) != 1 {
		return t.usageError(hc.Stderr, "%s", operandError(p.args))
	}
	return s.kubeplayOp(hc, verb, p.args[0])
}

func operandError(args []string) string {
	if len(args) == 0 {
		return "missing operand"
	}
	return fmt.Sprintf("extra operand '%s'", args[1])
}

// kubeplayOp stops, starts or deletes a machine.
func (s *Shell) kubeplayOp(hc interp.HandlerContext, verb, name string) int {
	s.cfg.Lock()
	defer s.cfg.Unlock()
	op := map[string]func(string) error{"stop": s.cfg.Cloud.StopNode, "start": s.cfg.Cloud.StartNode, "delete": s.cfg.Cloud.DeleteNode}[verb]
	if err := op(name); err != nil {
		fmt.Fprintf(hc.Stderr, "kubeplay node %s: %v\n", verb, err)
		return 1
	}
	done := map[string]string{"stop": "stopped", "start": "started", "delete": "deleted"}[verb]
	fmt.Fprintf(hc.Stdout, "node %q %s\n", name, done)
	return 0
}

func (s *Shell) kubeplayAdd(hc interp.HandlerContext, args []string) int {
	t := kubeplayAddTool
	p, code, done := t.parse(hc, args)
	if done {
		return code
	}
	if len(p.args) > 1 {
		return t.usageError(hc.Stderr, "extra operand '%s'", p.args[1])
	}
	o := NodeOptions{CPU: p.value("cpu"), Memory: p.value("memory"), Zone: p.value("zone"), Fake: p.has("fake")}
	if len(p.args) == 1 {
		o.Name = p.args[0]
	}
	count := 1
	if p.has("count") {
		n, err := strconv.Atoi(p.value("count"))
		if err != nil || n < 1 || n > maxAddCount {
			return t.usageError(hc.Stderr, "invalid count '%s': want a number from 1 to %d", p.value("count"), maxAddCount)
		}
		if n > 1 && o.Name != "" {
			return t.usageError(hc.Stderr, "a NAME names one machine; leave it out with --count %d", n)
		}
		count = n
	}
	if p.has("max-pods") {
		n, err := strconv.Atoi(p.value("max-pods"))
		if err != nil || n < 1 {
			return t.usageError(hc.Stderr, "invalid max-pods '%s': want a number of at least 1", p.value("max-pods"))
		}
		o.MaxPods = n
	}
	var err error
	if o.Labels, err = parseLabels(p.value("labels")); err != nil {
		return t.usageError(hc.Stderr, "%v", err)
	}
	if o.Taints, err = parseTaints(p.value("taints")); err != nil {
		return t.usageError(hc.Stderr, "%v", err)
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	var names []string
	defer func() { reportAdded(hc.Stdout, names) }()
	for range count {
		name, err := s.cfg.Cloud.AddNode(o)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "kubeplay node add: %v\n", err)
			return 1
		}
		names = append(names, name)
	}
	return 0
}

// reportAdded says which machines were created: each of a few, the range
// of many.
func reportAdded(w io.Writer, names []string) {
	if len(names) > 3 {
		fmt.Fprintf(w, "%d nodes created, %s to %s\n", len(names), names[0], names[len(names)-1])
		return
	}
	for _, name := range names {
		fmt.Fprintf(w, "node %q created\n", name)
	}
}

// maxAddCount is the most machines one add makes.
const maxAddCount = 5000

// parseLabels reads "k=v,k2=v2".
func parseLabels(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid label %q: want KEY=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

// parseTaints reads "k=v:Effect,k:Effect", as kubectl taint spells taints.
func parseTaints(s string) ([]api.Taint, error) {
	if s == "" {
		return nil, nil
	}
	var out []api.Taint
	for _, spec := range strings.Split(s, ",") {
		kv, effect, ok := strings.Cut(spec, ":")
		if !ok || kv == "" {
			return nil, fmt.Errorf("invalid taint spec: %s", spec)
		}
		switch effect {
		case api.TaintNoSchedule, api.TaintPreferNoSchedule, api.TaintNoExecute:
		default:
			return nil, fmt.Errorf("invalid taint effect: %s, unsupported taint effect", effect)
		}
		k, v, _ := strings.Cut(kv, "=")
		if errs := api.ValidateQualifiedName(k); len(errs) > 0 {
			return nil, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
		}
		if errs := api.IsValidLabelValue(v); len(errs) > 0 {
			return nil, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
		}
		out = append(out, api.Taint{Key: k, Value: v, Effect: effect})
	}
	return out, nil
}

func printMachines(w io.Writer, ms []Machine) {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tZONE\tTYPE\tCPU\tMEMORY\tINTERNAL-IP")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.State, m.Zone, m.Type, m.CPU, m.Memory, m.Address)
	}
	tw.Flush()
}

// Addons is what kubeplay addons drives: the cluster's add-ons.
type Addons interface {
	EnableAddon(name string) (images []string, err error)
	Addons() map[string]bool
}

// kubeplayAddons lists the add-ons or enables one.
func (s *Shell) kubeplayAddons(hc interp.HandlerContext, args []string) int {
	a, ok := s.cfg.Cloud.(Addons)
	if !ok {
		fmt.Fprintln(hc.Stderr, "kubeplay: this shell has no cluster to add to")
		return 1
	}
	switch {
	case len(args) == 1 && args[0] == "list":
		s.cfg.Lock()
		list := a.Addons()
		s.cfg.Unlock()
		names := make([]string, 0, len(list))
		for n := range list {
			names = append(names, n)
		}
		sort.Strings(names)
		tw := tabwriter.NewWriter(hc.Stdout, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "ADDON NAME\tSTATUS")
		for _, n := range names {
			st := "disabled"
			if list[n] {
				st = "enabled"
			}
			fmt.Fprintf(tw, "%s\t%s\n", n, st)
		}
		tw.Flush()
		return 0
	case len(args) == 2 && args[0] == "enable":
		s.cfg.Lock()
		images, err := a.EnableAddon(args[1])
		s.cfg.Unlock()
		if err != nil {
			fmt.Fprintf(hc.Stderr, "kubeplay: %v\n", err)
			return 1
		}
		for _, img := range images {
			fmt.Fprintf(hc.Stdout, "    - Using image %s\n", img)
		}
		fmt.Fprintf(hc.Stdout, "The '%s' addon is enabled\n", args[1])
		return 0
	}
	return kubeplayTool.usageError(hc.Stderr, "usage: kubeplay addons list | kubeplay addons enable NAME")
}
