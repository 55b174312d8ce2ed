// Package kubectl is the playground's kubectl: the same verbs, flags,
// tables, YAML, error messages and exit codes as the real one, over the
// cluster's API. It is shared by the browser terminal and the native shell;
// only Host differs between them.
package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// ClientVersion is the version kubectl reports.
const ClientVersion = apiserver.Version

// Host is what kubectl needs from the place it runs in.
type Host interface {
	// ReadFile reads a file named on the command line (-f FILE).
	ReadFile(name string) ([]byte, error)
	// Wait lets the cluster run until cond holds or timeout of virtual
	// time passes (then it returns ErrTimeout), or ctx is cancelled.
	Wait(ctx context.Context, timeout time.Duration, cond func() bool) error
}

// ErrTimeout is returned by Host.Wait when the time is up.
var ErrTimeout = errors.New("timed out waiting for the condition")

// IO is a command's standard streams.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Terminal says In is a terminal: what the user types, as it comes.
	Terminal bool
}

// Kubectl runs kubectl commands against a cluster.
type Kubectl struct {
	c         *client.Client
	host      Host
	namespace string // the current context's namespace
	// showManagedFields is the current command's --show-managed-fields.
	showManagedFields bool
}

// New returns a kubectl acting through c.
func New(c *client.Client, host Host) *Kubectl {
	return &Kubectl{c: c, host: host, namespace: "default"}
}

// command is one kubectl verb.
type command struct {
	short string
	run   func(k *Kubectl, ctx context.Context, io IO, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"get":           {"Display one or many resources", (*Kubectl).get},
		"describe":      {"Show details of a specific resource or group of resources", (*Kubectl).describe},
		"run":           {"Run a particular image on the cluster", (*Kubectl).runPod},
		"logs":          {"Print the logs for a container in a pod", (*Kubectl).logs},
		"exec":          {"Execute a command in a container", (*Kubectl).exec},
		"attach":        {"Attach to a running container", (*Kubectl).attach},
		"cp":            {"Copy files and directories to and from containers", (*Kubectl).cp},
		"auth":          {"Inspect authorization", (*Kubectl).auth},
		"alpha":         {"Commands for features in alpha", notSimulated("alpha")},
		"certificate":   {"Modify certificate resources", notSimulated("certificate")},
		"completion":    {"Output shell completion code for the specified shell (bash, zsh, fish, or powershell)", notSimulated("completion")},
		"debug":         {"Create debugging sessions for troubleshooting workloads and nodes", (*Kubectl).debug},
		"kustomize":     {"Build a kustomization target from a directory or URL", notSimulated("kustomize")},
		"plugin":        {"Provides utilities for interacting with plugins", notSimulated("plugin")},
		"proxy":         {"Run a proxy to the Kubernetes API server", notSimulated("proxy")},
		"port-forward":  {"Forward one or more local ports to a pod", (*Kubectl).portForward},
		"edit":          {"Edit a resource on the server", (*Kubectl).edit},
		"diff":          {"Diff the live version against a would-be applied version", (*Kubectl).diff},
		"replace":       {"Replace a resource by file name or stdin", (*Kubectl).replace},
		"wait":          {"Experimental: Wait for a specific condition on one or many resources", (*Kubectl).wait},
		"apply":         {"Apply a configuration to a resource by file name or stdin", (*Kubectl).apply},
		"create":        {"Create a resource from a file or from stdin", (*Kubectl).create},
		"delete":        {"Delete resources by file names, stdin, resources and names, or by resources and label selector", (*Kubectl).delete},
		"version":       {"Print the client and server version information", (*Kubectl).version},
		"cluster-info":  {"Display cluster information", (*Kubectl).clusterInfo},
		"api-resources": {"Print the supported API resources on the server", (*Kubectl).apiResources},
		"api-versions":  {"Print the supported API versions on the server, in the form of \"group/version\"", (*Kubectl).apiVersions},
		"config":        {"Modify kubeconfig files", (*Kubectl).config},
		"events":        {"List events", (*Kubectl).events},
		"explain":       {"Get documentation for a resource", (*Kubectl).explain},
		"cordon":        {"Mark node as unschedulable", (*Kubectl).cordon},
		"uncordon":      {"Mark node as schedulable", (*Kubectl).uncordon},
		"drain":         {"Drain node in preparation for maintenance", (*Kubectl).drain},
		"taint":         {"Update the taints on one or more nodes", (*Kubectl).taint},
		"rollout":       {"Manage the rollout of a resource", (*Kubectl).rollout},
		"scale":         {"Set a new size for a deployment, replica set, or replication controller", (*Kubectl).scale},
		"set":           {"Set specific features on objects", (*Kubectl).set},
		"patch":         {"Update fields of a resource", (*Kubectl).patchCmd},
		"label":         {"Update the labels on a resource", (*Kubectl).label},
		"annotate":      {"Update the annotations on a resource", (*Kubectl).annotate},
		"expose":        {"Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service", (*Kubectl).expose},
		"autoscale":     {"Auto-scale a deployment, replica set, stateful set, or replication controller", (*Kubectl).autoscale},
		"top":           {"Display resource (CPU/memory) usage", (*Kubectl).top},
		"options":       {"Print the list of flags inherited by all commands", (*Kubectl).options},
	}
}

// Run runs one kubectl command line (without the leading "kubectl") and
// returns its exit code.
func (k *Kubectl) Run(ctx context.Context, io IO, args []string) int {
	args, err := globalFlagsAfterCommand(args)
	if err != nil {
		fmt.Fprintln(io.Err, err)
		return 1
	}
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(io.Out, helpTexts()[""])
		return 0
	}
	name := args[0]
	if name == "help" {
		return k.helpTopic(io, args[1:])
	}
	// The help texts are read (decompressed and decoded, 30 ms in the
	// browser) only when a line asks for help.
	if path, ok := helpPath(args); ok {
		if _, ok := helpTexts()[name]; ok {
			fmt.Fprint(io.Out, helpTexts()[path])
			return 0
		}
	}
	cmd, ok := commands[name]
	if !ok {
		return k.fail(io, unknownCommand(name))
	}
	// kubectl config's subcommands have --context, --cluster, --user,
	// --server and --token flags of their own (set-context, set-cluster,
	// set-credentials), and say themselves what they make of them.
	if ctxName := contextFlag(args[1:]); ctxName != "" && ctxName != contextName && name != "config" {
		// As client-go's ConfirmUsable, printed by kubectl's CheckErr.
		fmt.Fprintf(io.Err, "Error in configuration: context was not found for specified context: %s\n", ctxName)
		return 1
	}
	if flag := connectionFlag(args[1:]); flag != "" && name != "config" {
		return k.fail(io, fmt.Errorf("kubeplay: %s is not simulated: kubectl here talks to the playground's own API server, which has no other address and checks no credentials (it authorizes every request, as kube-apiserver --authorization-mode=AlwaysAllow does)", flag))
	}
	// client-go reads --request-timeout when kubectl makes its client,
	// and stops at a value it cannot read.
	if v, ok := flagValue(args[1:], "--request-timeout"); ok && name != "config" {
		if _, err := parseRequestTimeout(v); err != nil {
			return k.fail(io, err)
		}
	}
	base := k.c
	// Each command is a kubectl process of its own: its warnings are
	// printed again, each as its response arrives (kubectl's warning
	// writer), so before what the command prints after it.
	warn := func(w string) { fmt.Fprintf(io.Err, "Warning: %s\n", w) }
	k.c, k.showManagedFields = base.WithFieldManager(fieldManagerFor(name, args[1:])).WithWarningHandler(warn), showManagedFields(args[1:])
	err = cmd.run(k, ctx, io, args[1:])
	k.c, k.showManagedFields = base, false
	if err != nil {
		return k.fail(io, err)
	}
	return 0
}

// globalFlags are kubectl's global flags: true for those that take a
// value, false for the booleans.
var globalFlags = map[string]bool{
	"--as": true, "--as-group": true, "--as-uid": true, "--as-user-extra": true, "--cache-dir": true,
	"--certificate-authority": true, "--client-certificate": true, "--client-key": true, "--cluster": true,
	"--context": true, "--kubeconfig": true, "--kuberc": true, "--log-flush-frequency": true, "-n": true,
	"--namespace": true, "--password": true, "--profile": true, "--profile-output": true, "--proxy-url": true,
	"--request-timeout": true, "-s": true, "--server": true, "--tls-server-name": true, "--token": true,
	"--user": true, "--username": true, "-v": true, "--v": true, "--vmodule": true,
	"--disable-compression": false, "--insecure-skip-tls-verify": false, "--match-server-version": false,
	"--warnings-as-errors": false,
}

// globalFlagsAfterCommand moves the flags before the command (`kubectl -n
// kube-system get pods`) after it, where each command parses them. kubectl
// finds its command past them as cobra does: a known flag takes the next
// word as its value if it has one, a flag kubectl does not know (without
// "=") takes it too. When that leaves no known command, kubectl looked for
// a plugin, and says flags cannot come before one. A line of flags only
// is left as it is.
func globalFlagsAfterCommand(args []string) ([]string, error) {
	var flags []string
	unknown := ""
	i := 0
	for i < len(args) {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" || a == "-h" || a == "--help" {
			break
		}
		flags = append(flags, a)
		i++
		if strings.Contains(a, "=") || (!strings.HasPrefix(a, "--") && len(a) > 2) {
			// --flag=value, -nvalue
			if _, ok := globalFlags[strings.SplitN(a, "=", 2)[0]]; !ok && unknown == "" && strings.HasPrefix(a, "--") {
				unknown = a
			}
			continue
		}
		value, known := globalFlags[a]
		if !known && unknown == "" {
			unknown = a
		}
		if (value || !known) && i < len(args) {
			flags = append(flags, args[i])
			i++
		}
	}
	if len(flags) == 0 {
		return args, nil
	}
	if i == len(args) || args[i] == "--" {
		// No command: kubectl prints its help, after checking the flags.
		if unknown != "" {
			return nil, fmt.Errorf("error: unknown flag: %s\nSee 'kubectl --help' for usage.", strings.SplitN(unknown, "=", 2)[0])
		}
		return nil, nil
	}
	if _, ok := helpTexts()[args[i]]; !ok && unknown != "" {
		return nil, fmt.Errorf("Error: flags cannot be placed before plugin name: %s", unknown)
	}
	out := make([]string, 0, len(args))
	out = append(out, args[i])
	out = append(out, flags...)
	return append(out, args[i+1:]...), nil
}

// exitError carries an exit code without a message of its own.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (k *Kubectl) fail(io IO, err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ce commandExitError
	if errors.As(err, &ce) {
		fmt.Fprintln(io.Err, ce.Error())
		return ce.code
	}
	var pe podExitError
	if errors.As(err, &pe) {
		fmt.Fprint(io.Err, strings.TrimSuffix(pe.Error(), "\n")+"\n")
		return pe.code
	}
	if errors.Is(err, context.Canceled) {
		return 130
	}
	fmt.Fprint(io.Err, errorMessage(err))
	return 1
}

// errorMessage formats an error as kubectl's CheckErr does.
func errorMessage(err error) string {
	var ue *usageError
	if errors.As(err, &ue) {
		return fmt.Sprintf("error: %s\nSee 'kubectl %s --help' for usage.\n", ue.msg, ue.cmd)
	}
	var se *apiserver.StatusError
	if errors.As(err, &se) {
		return statusMessage(se)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error: ") || strings.HasPrefix(msg, "Error from server") {
		return strings.TrimSuffix(msg, "\n") + "\n"
	}
	return "error: " + strings.TrimSuffix(msg, "\n") + "\n"
}

func statusMessage(se *apiserver.StatusError) string {
	s := se.Status
	if s.Reason == "Invalid" && (s.Details == nil || s.Details.Kind == "" && s.Details.Name == "" && len(s.Details.Causes) == 0) {
		return "The request is invalid: " + s.Message + "\n"
	}
	if s.Reason == "Invalid" && s.Details != nil && len(s.Details.Causes) > 0 {
		prefix := fmt.Sprintf("The %s %q is invalid: ", s.Details.Kind, s.Details.Name)
		if len(s.Details.Causes) == 1 {
			c := s.Details.Causes[0]
			return prefix + c.Field + ": " + c.Message + "\n"
		}
		var b strings.Builder
		b.WriteString(prefix + "\n")
		for _, c := range s.Details.Causes {
			b.WriteString("* " + c.Field + ": " + c.Message + "\n")
		}
		return b.String()
	}
	if s.Reason != "" {
		return fmt.Sprintf("Error from server (%s): %s\n", s.Reason, se.Error())
	}
	return fmt.Sprintf("Error from server: %s\n", se.Error())
}

func unknownCommand(name string) error {
	msg := fmt.Sprintf("unknown command %q for \"kubectl\"", name)
	if s := suggest(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return errors.New("error: " + msg + "\nRun 'kubectl --help' for usage.")
}

// suggest returns commands within two edits of name, or that start with it,
// as cobra's suggestions do.
func suggest(name string) []string {
	var out []string
	for c := range commands {
		if levenshtein(name, c) <= 2 || strings.HasPrefix(c, name) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// connectionFlags choose another API server, or the credentials to show
// it: the playground has one server and no authentication, so kubectl
// says so rather than take them and talk to the same server anyway.
var connectionFlags = []string{
	"--server", "-s", "--token", "--username", "--password", "--client-certificate", "--client-key",
	"--certificate-authority", "--cluster", "--user", "--proxy-url",
}

// connectionFlag is the first connection flag of a command's arguments
// (before "--"), or "".
func connectionFlag(args []string) string {
	for _, a := range args {
		if a == "--" {
			return ""
		}
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(connectionFlags, name) {
			return name
		}
	}
	return ""
}

// contextFlag is the value of a command's --context (before "--"), or "".
func contextFlag(args []string) string {
	v, _ := flagValue(args, "--context")
	return v
}

// flagValue is the value of a command's flag (before "--"), and whether
// it is given.
func flagValue(args []string, flag string) (string, bool) {
	for i, a := range args {
		switch {
		case a == "--":
			return "", false
		case a == flag && i+1 < len(args):
			return args[i+1], true
		case strings.HasPrefix(a, flag+"="):
			return strings.TrimPrefix(a, flag+"="), true
		}
	}
	return "", false
}

// commonFlags adds the flags every command takes.
func (k *Kubectl) commonFlags(fs *flagSet) *string {
	fs.String("kubeconfig", "", "")
	fs.String("context", "", "")
	fs.String("v", "v", "0")
	// Global flags that change nothing the playground shows (timeouts,
	// caches, compression, logging, TLS checks of a server it does not
	// reach over a network) are taken and have no effect. The ones that
	// would choose another server or user are not: the playground has one.
	fs.String("request-timeout", "", "0")
	fs.String("cache-dir", "", "")
	fs.String("log-flush-frequency", "", "5s")
	fs.String("vmodule", "", "")
	fs.String("tls-server-name", "", "")
	fs.Bool("insecure-skip-tls-verify", "", false)
	fs.Bool("match-server-version", "", false)
	fs.Bool("disable-compression", "", false)
	// Impersonation changes nothing the playground shows: its API server
	// authorizes every request (AlwaysAllow), impersonation included, so a
	// request as another user or group is answered as the admin's is.
	fs.String("as", "", "")
	fs.String("as-group", "", "")
	fs.String("as-uid", "", "")
	fs.String("as-user-extra", "", "")
	return fs.String("namespace", "n", "")
}

// ns returns the namespace a command works in.
func (k *Kubectl) ns(flag *string) string {
	if *flag != "" {
		return *flag
	}
	return k.namespace
}

// fieldManagers are the field managers kubectl's commands write as by
// default (their --field-manager flag's default); the others send none,
// and the API server names their writes after kubectl's user agent.
var fieldManagers = map[string]string{
	"annotate": "kubectl-annotate", "apply": "kubectl-client-side-apply", "autoscale": "kubectl-autoscale",
	"create": "kubectl-create", "edit": "kubectl-edit", "expose": "kubectl-expose", "label": "kubectl-label",
	"patch": "kubectl-patch", "replace": "kubectl-replace", "rollout": "kubectl-rollout", "run": "kubectl-run",
	"set": "kubectl-set", "taint": "kubectl-taint",
}

// fieldManagerFor is the field manager of a command line: --field-manager,
// else the command's default; apply --server-side defaults to "kubectl".
func fieldManagerFor(name string, args []string) string {
	m := fieldManagers[name]
	for i, a := range args {
		switch {
		case a == "--":
			return m
		case a == "--field-manager" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--field-manager="):
			return strings.TrimPrefix(a, "--field-manager=")
		case name == "apply" && (a == "--server-side" || a == "--server-side=true"):
			m = "kubectl"
		}
	}
	if m == "" {
		return "kubectl"
	}
	return m
}

// showManagedFields reports --show-managed-fields in a command line.
func showManagedFields(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--show-managed-fields" || a == "--show-managed-fields=true" {
			return true
		}
	}
	return false
}
