package kubectl

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The playground's kubeconfig is not a file: kubectl runs inside the
// cluster's process and needs no credentials. `kubectl config` shows it as
// what it amounts to, one context named kubeplay for the cluster kubeplay
// and the user admin, whose only setting a user may change is the
// namespace (set-context --current --namespace).
const (
	contextName = "kubeplay"
	clusterName = "kubeplay"
	userName    = "admin"
	// apiServerURL is where the control plane says it runs, as kind's
	// kubeconfig names its node.
	apiServerURL = "https://172.18.0.2:6443"
)

// configSubcommands are kubectl config's subcommands; those the playground
// cannot honestly do say so.
var configSubcommands = map[string]func(k *Kubectl, io IO, args []string) error{
	"view":            (*Kubectl).configView,
	"current-context": (*Kubectl).configCurrentContext,
	"get-contexts":    (*Kubectl).configGetContexts,
	"use-context":     (*Kubectl).configUseContext,
	"use":             (*Kubectl).configUseContext,
	"set-context":     (*Kubectl).configSetContext,
	"get-clusters":    (*Kubectl).configGetClusters,
	"get-users":       (*Kubectl).configGetUsers,
}

// config is `kubectl config SUBCOMMAND`.
func (k *Kubectl) config(ctx context.Context, io IO, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(io.Err, configHelp)
		return exitError{1}
	}
	run, ok := configSubcommands[args[0]]
	if !ok {
		return helpError("config", "unknown command %q", args[0])
	}
	return run(k, io, args[1:])
}

const configHelp = `Modify kubeconfig files using subcommands like "kubectl config set current-context my-context".

Available Commands:
  current-context   Display the current-context
  get-clusters      Display clusters defined in the kubeconfig
  get-contexts      Describe one or many contexts
  get-users         Display users defined in the kubeconfig
  set-context       Set a context entry in kubeconfig
  use-context       Set the current-context in a kubeconfig file
  view              Display merged kubeconfig settings or a specified kubeconfig file

Usage:
  kubectl config SUBCOMMAND [options]

Use "kubectl config <command> --help" for more information about a command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
`

// configFlags parses a config subcommand's flags, which take no namespace.
func (k *Kubectl) configFlags(name string) *flagSet {
	fs := newFlagSet("config " + name)
	fs.String("kubeconfig", "", "")
	fs.String("context", "", "")
	fs.String("v", "v", "0")
	return fs
}

func (k *Kubectl) configCurrentContext(io IO, args []string) error {
	if _, _, err := k.configFlags("current-context").Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(io.Out, contextName)
	return nil
}

func (k *Kubectl) configGetContexts(io IO, args []string) error {
	fs := k.configFlags("get-contexts")
	noHeaders := fs.Bool("no-headers", "", false)
	output := fs.String("output", "o", "")
	names, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *output != "" && *output != "name" {
		return fmt.Errorf("--output %v is not available in kubectl config get-contexts; resetting to default output format", *output)
	}
	var errs aggregate
	show := len(names) == 0
	for _, n := range names {
		if n == contextName {
			show = true
		} else {
			errs = append(errs, fmt.Errorf("context %v not found", n))
		}
	}
	tw := tabwriter.NewWriter(io.Out, 6, 4, 3, ' ', 0)
	switch {
	case *output == "name":
		if show {
			fmt.Fprintln(tw, contextName)
		}
	default:
		if !*noHeaders {
			fmt.Fprintln(tw, "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE")
		}
		if show {
			fmt.Fprintf(tw, "*\t%s\t%s\t%s\t%s\n", contextName, clusterName, userName, k.contextNamespace())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return checkErr(io, errs.reduce())
}

// contextNamespace is the namespace the context sets, "" for the default.
func (k *Kubectl) contextNamespace() string {
	if k.namespace == "default" {
		return ""
	}
	return k.namespace
}

func (k *Kubectl) configUseContext(io IO, args []string) error {
	names, _, err := k.configFlags("use-context").Parse(args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fmt.Fprint(io.Out, useContextHelp)
		return fmt.Errorf("Unexpected args: %v", names)
	}
	switch names[0] {
	case "":
		return errors.New("empty context names are not allowed")
	case contextName:
		fmt.Fprintf(io.Out, "Switched to context %q.\n", contextName)
		return nil
	}
	return fmt.Errorf("no context exists with the name: %q", names[0])
}

const useContextHelp = `Set the current-context in a kubeconfig file.

Aliases:
use-context, use

Examples:
  # Use the context for the minikube cluster
  kubectl config use-context minikube

Usage:
  kubectl config use-context CONTEXT_NAME [options]

Use "kubectl options" for a list of global command-line options (applies to all commands).
`

// configSetContext is set-context for the one context: --namespace changes
// the namespace commands use; a new context cannot be made.
func (k *Kubectl) configSetContext(io IO, args []string) error {
	fs := k.configFlags("set-context")
	current := fs.Bool("current", "", false)
	ns := fs.String("namespace", "", "")
	cluster := fs.String("cluster", "", "")
	user := fs.String("user", "", "")
	names, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	switch {
	case *current && len(names) > 0:
		return fmt.Errorf("you cannot specify both a context name and --current")
	case !*current && len(names) != 1:
		return helpError("config set-context", "Unexpected args: %v", names)
	case !*current && names[0] != contextName:
		return fmt.Errorf("the playground has a single context, %q: a context named %q cannot be created here", contextName, names[0])
	case fs.Changed("cluster") && *cluster != clusterName:
		return fmt.Errorf("the playground has a single cluster, %q", clusterName)
	case fs.Changed("user") && *user != userName:
		return fmt.Errorf("the playground has a single user, %q", userName)
	}
	if fs.Changed("namespace") {
		k.namespace = *ns
		if *ns == "" {
			k.namespace = "default"
		}
	}
	fmt.Fprintf(io.Out, "Context %q modified.\n", contextName)
	return nil
}

func (k *Kubectl) configGetClusters(io IO, args []string) error {
	if _, _, err := k.configFlags("get-clusters").Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "NAME\n%s\n", clusterName)
	return nil
}

func (k *Kubectl) configGetUsers(io IO, args []string) error {
	fs := k.configFlags("get-users")
	noHeaders := fs.Bool("no-headers", "", false)
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	if !*noHeaders {
		fmt.Fprintln(io.Out, "NAME")
	}
	fmt.Fprintln(io.Out, userName)
	return nil
}

// kubeconfig is clientcmd's v1 Config, its fields in its order.
type kubeconfig struct {
	Kind           string           `json:"kind,omitempty"`
	APIVersion     string           `json:"apiVersion,omitempty"`
	Preferences    struct{}         `json:"preferences"`
	Clusters       []namedCluster   `json:"clusters"`
	Users          []namedUser      `json:"users"`
	Contexts       []namedContext   `json:"contexts"`
	CurrentContext string           `json:"current-context"`
	Extensions     []map[string]any `json:"extensions,omitempty"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server                   string `json:"server"`
		CertificateAuthorityData string `json:"certificate-authority-data,omitempty"`
	} `json:"cluster"`
}

// namedUser has no credentials: the playground's kubectl needs none.
type namedUser struct {
	Name string   `json:"name"`
	User struct{} `json:"user"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster   string `json:"cluster"`
		User      string `json:"user"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"context"`
}

// configView is `kubectl config view`: the kubeconfig as YAML (or -o),
// the CA's data as DATA+OMITTED unless --raw or --flatten.
func (k *Kubectl) configView(io IO, args []string) error {
	fs := k.configFlags("view")
	pf := addPrinterFlags(fs)
	*pf.output = "yaml"
	raw := fs.Bool("raw", "", false)
	flatten := fs.Bool("flatten", "", false)
	fs.Bool("minify", "", false)
	merge := fs.String("merge", "", "true")
	names, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(names) != 0 {
		return helpError("config view", "unexpected arguments: %v", names)
	}
	if *merge == "false" {
		return errors.New("if merge==false a precise file must be specified")
	}
	spec, err := k.parseOutput(pf)
	if err != nil {
		return err
	}
	if spec.print == nil {
		return noPrinter(*pf.output)
	}
	cfg := kubeconfig{Kind: "Config", APIVersion: "v1", CurrentContext: contextName}
	c := namedCluster{Name: clusterName}
	c.Cluster.Server = apiServerURL
	if ca := k.clusterCA(); ca != "" {
		c.Cluster.CertificateAuthorityData = "DATA+OMITTED"
		if *raw || *flatten {
			c.Cluster.CertificateAuthorityData = ca
		}
	}
	cfg.Clusters = []namedCluster{c}
	cfg.Users = []namedUser{{Name: userName}}
	ctx := namedContext{Name: contextName}
	ctx.Context.Cluster, ctx.Context.User, ctx.Context.Namespace = clusterName, userName, k.contextNamespace()
	cfg.Contexts = []namedContext{ctx}
	if spec.format == "yaml" || spec.format == "json" {
		return writeRendered(io.Out, cfg, spec.format)
	}
	return printAsJSON(spec.print, io.Out, cfg)
}

// printAsJSON prints a typed value through a generic printer as the JSON
// value it marshals to, as kubectl's printers see a typed object.
func printAsJSON(p printer, w io.Writer, obj any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	v, err := decodeJSONValue(b)
	if err != nil {
		return err
	}
	return p(w, v)
}

// clusterCA is the cluster CA's certificate, base64 as a kubeconfig holds
// it, from the kube-root-ca.crt ConfigMap the cluster publishes.
func (k *Kubectl) clusterCA() string {
	r, _ := api.LookupResource("configmaps")
	obj, err := k.c.Get(r, "kube-system", "kube-root-ca.crt")
	if err != nil {
		return ""
	}
	pem := obj.(*api.ConfigMap).Data["ca.crt"]
	if pem == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(pem))
}
