package kubectl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// target is a resource type and, optionally, names of objects of it.
type target struct {
	r     *api.ResourceInfo
	names []string
}

// category lists the resources in a category ("all"), as discovery
// lists them: the types "kubectl get all" expands to.
func category(name string) []*api.ResourceInfo {
	var out []*api.ResourceInfo
	for _, r := range api.Resources {
		if !r.Alternate() && slices.Contains(r.Categories, name) {
			out = append(out, r)
		}
	}
	return out
}

// parseTargets reads the resource arguments of get, describe and delete:
// "pods", "pods a b", "pods,services", "pod/a service/b", "all".
func parseTargets(args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, nil
	}
	if strings.Contains(args[0], "/") {
		return slashTargets(args)
	}
	var out []target
	for _, name := range strings.Split(args[0], ",") {
		rs, err := lookupType(name)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out = append(out, target{r: r})
		}
	}
	if len(args) > 1 {
		if len(out) > 1 {
			return nil, fmt.Errorf("you may only specify a single resource type")
		}
		out[0].names = args[1:]
	}
	return out, nil
}

func slashTargets(args []string) ([]target, error) {
	var out []target
	for _, a := range args {
		typ, name, ok := strings.Cut(a, "/")
		if !ok {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
		}
		rs, err := lookupType(typ)
		if err != nil {
			return nil, err
		}
		if len(rs) != 1 {
			return nil, fmt.Errorf("the server doesn't have a resource type %q", typ)
		}
		if n := len(out); n > 0 && out[n-1].r == rs[0] {
			out[n-1].names = append(out[n-1].names, name)
			continue
		}
		out = append(out, target{r: rs[0], names: []string{name}})
	}
	return out, nil
}

func lookupType(name string) ([]*api.ResourceInfo, error) {
	if rs := category(strings.ToLower(name)); len(rs) > 0 {
		return rs, nil
	}
	r, ok := api.LookupResource(name)
	if !ok {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", name)
	}
	return []*api.ResourceInfo{r}, nil
}

// kindName is how kubectl names an object in messages: "pod/hello",
// "deployment.apps/web".
func kindName(r *api.ResourceInfo, name string) string {
	kind := strings.ToLower(r.Kind)
	if r.Group != "" {
		kind += "." + r.Group
	}
	return kind + "/" + name
}
