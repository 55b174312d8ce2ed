package kubectl

import (
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// podVerbs take a pod (or TYPE/NAME) as their first argument rather than
// a resource type.
var podVerbs = map[string]bool{"logs": true, "exec": true, "attach": true, "port-forward": true, "cp": true}

// nodeVerbs take nodes.
var nodeVerbs = map[string]bool{"cordon": true, "uncordon": true, "drain": true, "taint": true}

// Complete returns the words that can stand for the last of args (the
// word being typed, perhaps empty) on a kubectl command line: verbs,
// resource types, the names of objects of the type already given (or of
// TYPE/ in the word), as kubectl's shell completion offers them. The
// caller holds the cluster.
func (k *Kubectl) Complete(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	word, before := args[len(args)-1], args[:len(args)-1]
	// A flag's value: namespaces for -n, the one context for --context.
	if v, ok := strings.CutPrefix(word, "--namespace="); ok {
		var out []string
		for _, n := range k.namespaceNames(v) {
			out = append(out, "--namespace="+n)
		}
		return out
	}
	if len(before) > 0 {
		switch before[len(before)-1] {
		case "-n", "--namespace":
			return k.namespaceNames(word)
		case "--context":
			return withPrefix([]string{contextName}, word)
		}
	}
	if len(before) > 0 && strings.HasPrefix(before[0], "-") {
		// Global flags before the command (kubectl -n kube-system get ...).
		if globalFlags[before[len(before)-1]] {
			return nil // the word is that flag's value
		}
		moved, err := globalFlagsAfterCommand(before)
		if err != nil {
			return nil
		}
		before = moved
	}
	if len(before) == 0 {
		if strings.HasPrefix(word, "-") {
			return nil
		}
		return withPrefix(k.verbs(), word)
	}
	if strings.HasPrefix(word, "-") {
		return nil
	}
	verb, rest, ns := before[0], positional(before[1:]), k.namespaceOf(before[1:])
	if verb == "rollout" || verb == "set" || verb == "config" || verb == "create" {
		if len(rest) == 0 {
			return withPrefix(subcommands[verb], word)
		}
		rest = rest[1:]
	}
	if typ, name, ok := strings.Cut(word, "/"); ok {
		r, found := api.LookupResource(typ)
		if !found {
			return nil
		}
		var out []string
		for _, n := range withPrefix(k.names(r, ns), name) {
			out = append(out, typ+"/"+n)
		}
		return out
	}
	switch {
	case podVerbs[verb] && len(rest) == 0:
		r, _ := api.LookupResource("pods")
		return withPrefix(k.names(r, ns), word)
	case nodeVerbs[verb]:
		r, _ := api.LookupResource("nodes")
		return withPrefix(k.names(r, ns), word)
	case len(rest) == 0:
		return withPrefix(resourceTypeNames(), word)
	}
	r, ok := api.LookupResource(strings.Split(rest[0], ",")[0])
	if !ok || strings.Contains(rest[0], "/") {
		return nil
	}
	return withPrefix(k.names(r, ns), word)
}

var subcommands = map[string][]string{
	"rollout": {"history", "pause", "restart", "resume", "status", "undo"},
	"set":     {"env", "image", "resources", "selector", "serviceaccount", "subject"},
	"config":  {"current-context", "get-contexts", "set-context", "use-context", "view"},
	"create":  {"configmap", "cronjob", "deployment", "ingress", "job", "namespace", "secret", "service", "serviceaccount"},
}

func (k *Kubectl) verbs() []string {
	out := make([]string, 0, len(commands)+1)
	for n := range commands {
		out = append(out, n)
	}
	return append(out, "help")
}

// resourceTypeNames are the plural names of the API's resources.
func resourceTypeNames() []string {
	var out []string
	for _, r := range api.Resources {
		if !strings.Contains(r.Resource, "/") {
			out = append(out, r.Resource)
		}
	}
	return append(out, "all")
}

// namespaceNames lists the namespaces whose names start with prefix.
func (k *Kubectl) namespaceNames(prefix string) []string {
	r, _ := api.LookupResource("namespaces")
	return withPrefix(k.names(r, ""), prefix)
}

// names lists the names of a type's objects in ns.
func (k *Kubectl) names(r *api.ResourceInfo, ns string) []string {
	if !r.Namespaced {
		ns = ""
	}
	l, err := k.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(l.Items))
	for _, o := range l.Items {
		out = append(out, o.GetObjectMeta().Name)
	}
	return out
}

// positional drops flags, and the values of the flags that take one in
// their next word, from the words after the verb.
func positional(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			return out
		case strings.HasPrefix(w, "-"):
			if valueFlags[w] {
				i++
			}
		default:
			out = append(out, w)
		}
	}
	return out
}

// valueFlags are the common flags whose value is the next word.
var valueFlags = map[string]bool{"-n": true, "--namespace": true, "-o": true, "--output": true, "-l": true, "--selector": true,
	"-c": true, "--container": true, "-f": true, "--filename": true, "--field-selector": true, "--context": true}

// namespaceOf is the namespace -n/--namespace names among the words, or
// the context's.
func (k *Kubectl) namespaceOf(words []string) string {
	ns := k.namespace
	for i, w := range words {
		switch {
		case (w == "-n" || w == "--namespace") && i+1 < len(words):
			ns = words[i+1]
		case strings.HasPrefix(w, "--namespace="):
			ns = strings.TrimPrefix(w, "--namespace=")
		case strings.HasPrefix(w, "-n") && len(w) > 2 && !strings.HasPrefix(w, "--"):
			ns = w[2:]
		}
	}
	return ns
}

// withPrefix returns the sorted, distinct words that start with prefix.
func withPrefix(words []string, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}
