package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kubeplay/kubeplay/engine/api"
)

// authNotSimulated are the auth subcommands the playground cannot answer
// truthfully, and why.
var authNotSimulated = map[string]string{
	"whoami":    "the playground's API server has no authentication, so it knows no user: every request acts as the cluster's administrator",
	"reconcile": "the playground's API server has no RBAC: it authorizes every request, so there are no roles to reconcile",
}

// auth is `kubectl auth can-i|whoami|reconcile` (pkg/cmd/auth).
func (k *Kubectl) auth(ctx context.Context, io IO, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return helpError("auth", "Inspect authorization\n\nAvailable Commands:\n  can-i       Check whether an action is allowed\n  reconcile   Reconciles rules for RBAC role, role binding, cluster role, and cluster role binding objects\n  whoami      Experimental: Check self subject attributes")
	}
	if why, ok := authNotSimulated[args[0]]; ok {
		return fmt.Errorf("\"kubectl auth %s\" is not simulated in this playground: %s", args[0], why)
	}
	if args[0] != "can-i" {
		return helpError("auth", "unknown command %q for \"kubectl auth\"", args[0])
	}
	return k.canI(io, args[1:])
}

// The verbs can-i knows (cani.go's canIResourceVerbs and canINonResourceURLVerbs).
var (
	canIResourceVerbs       = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"}
	canINonResourceURLVerbs = []string{"get", "put", "post", "head", "options", "delete", "patch", "*"}
)

// canI is `kubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]`.
// The playground's API server authorizes every request, as one run with
// --authorization-mode=AlwaysAllow: every access review is allowed, and
// the rules review is AlwaysAllow's (everything). The warnings are
// kubectl's own, from discovery.
func (k *Kubectl) canI(io IO, args []string) error {
	fs := newFlagSet("auth can-i")
	k.commonFlags(fs)
	all := fs.Bool("all-namespaces", "A", false)
	quiet := fs.Bool("quiet", "q", false)
	sub := fs.String("subresource", "", "")
	list := fs.Bool("list", "", false)
	noHeaders := fs.Bool("no-headers", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *list {
		return canIList(io, pos, *quiet || *all || *sub != "", *noHeaders)
	}
	if len(pos) != 2 {
		return errors.New("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.")
	}
	verb, target := pos[0], pos[1]
	if strings.HasPrefix(target, "/") {
		if *sub != "" {
			return errors.New("--subresource can not be used with NonResourceURL")
		}
		warnUnknownVerb(io, verb, canINonResourceURLVerbs)
	} else {
		r := canIResource(io, strings.SplitN(target, "/", 2)[0])
		if !*all {
			warnClusterScoped(io, r)
			warnUnknownVerb(io, verb, canIResourceVerbs)
		}
	}
	if *noHeaders {
		return errors.New("--no-headers cannot be set without --list specified")
	}
	if !*quiet {
		fmt.Fprintln(io.Out, "yes")
	}
	return nil
}

func warnClusterScoped(io IO, r *api.ResourceInfo) {
	switch {
	case r == nil || r.Namespaced:
	case r.Group == "":
		fmt.Fprintf(io.Err, "Warning: resource '%s' is not namespace scoped\n\n", r.Resource)
	default:
		fmt.Fprintf(io.Err, "Warning: resource '%s' is not namespace scoped in group '%s'\n\n", r.Resource, r.Group)
	}
}

func warnUnknownVerb(io IO, verb string, known []string) {
	if !slices.Contains(known, verb) {
		fmt.Fprintf(io.Err, "Warning: verb '%s' is not a known verb\n\n", verb)
	}
}

// canIResource resolves the resource as kubectl's REST mapper does,
// warning of one the server does not have (users and groups, which
// discovery never lists, excepted).
func canIResource(io IO, arg string) *api.ResourceInfo {
	if arg == "*" {
		return nil
	}
	arg = strings.ToLower(arg)
	if r, ok := api.LookupResource(arg); ok {
		return r
	}
	if arg == "users" || arg == "groups" {
		return nil
	}
	resource, group, _ := strings.Cut(arg, ".")
	if group == "" {
		fmt.Fprintf(io.Err, "Warning: the server doesn't have a resource type '%s'\n\n", resource)
	} else {
		fmt.Fprintf(io.Err, "Warning: the server doesn't have a resource type '%s' in group '%s'\n\n", resource, group)
	}
	return nil
}

// canIList prints the rules review of an API server that allows
// everything.
func canIList(out IO, pos []string, conflicting, noHeaders bool) error {
	if len(pos) != 0 {
		return errors.New("list option must be specified with no arguments")
	}
	if conflicting {
		return errors.New("list option can't be specified with neither quiet, all-namespaces nor subresource options")
	}
	w := tabwriter.NewWriter(out.Out, 6, 4, 3, ' ', 0)
	if !noHeaders {
		io.WriteString(w, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
	}
	io.WriteString(w, "*.*\t[]\t[]\t[*]\n\t[*]\t[]\t[*]\n")
	return w.Flush()
}
