package kubectl

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kubeplay/kubeplay/engine/api"
)

// version is `kubectl version`.
func (k *Kubectl) version(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("version")
	k.commonFlags(fs)
	client := fs.Bool("client", "", false)
	output := fs.String("output", "o", "")
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	switch *output {
	case "yaml", "json":
		v := map[string]any{"clientVersion": versionInfo()}
		if !*client {
			v["serverVersion"] = versionInfo()
		}
		out, err := render(v, *output)
		if err != nil {
			return err
		}
		_, err = io.Out.Write(out)
		return err
	case "":
	default:
		return fmt.Errorf("--output must be 'yaml' or 'json'")
	}
	fmt.Fprintf(io.Out, "Client Version: %s\n", ClientVersion)
	if !*client {
		fmt.Fprintf(io.Out, "Server Version: %s\n", ClientVersion)
	}
	return nil
}

func versionInfo() map[string]string {
	minor := strings.Split(strings.TrimPrefix(ClientVersion, "v"), ".")[1]
	return map[string]string{
		"major": "1", "minor": minor, "gitVersion": ClientVersion,
		"goVersion": "go1.26.8", "compiler": "gc", "platform": "js/wasm",
	}
}

// clusterInfo is `kubectl cluster-info`.
func (k *Kubectl) clusterInfo(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("cluster-info")
	k.commonFlags(fs)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && pos[0] == "dump" {
		return fmt.Errorf("cluster-info dump is not available in this playground yet")
	}
	const server = "https://172.18.0.2:6443"
	fmt.Fprintf(io.Out, "Kubernetes control plane is running at %s\n", server)
	fmt.Fprintf(io.Out, "CoreDNS is running at %s/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n", server)
	fmt.Fprintln(io.Out, "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.")
	return nil
}

// apiResources is `kubectl api-resources`.
func (k *Kubectl) apiResources(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("api-resources")
	k.commonFlags(fs)
	namespaced := fs.String("namespaced", "", "")
	noHeaders := fs.Bool("no-headers", "", false)
	output := fs.String("output", "o", "")
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(io.Out, 6, 4, 3, ' ', 0)
	if !*noHeaders && *output != "name" {
		fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
	}
	for _, r := range sortedResources() {
		if r.Alternate() && r.Group == r.Stored().Group {
			continue // another version of a group: kubectl lists the preferred one
		}
		if *namespaced != "" && fmt.Sprint(r.Namespaced) != *namespaced {
			continue
		}
		if *output == "name" {
			fmt.Fprintln(tw, r.GroupResource())
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", r.Resource, strings.Join(r.ShortNames, ","), r.APIVersion(), r.Namespaced, r.Kind)
	}
	return tw.Flush()
}

// sortedResources lists resources as kubectl api-resources does: core
// group first, then by group, then by name.
func sortedResources() []*api.ResourceInfo {
	out := append([]*api.ResourceInfo(nil), api.Resources...)
	less := func(a, b *api.ResourceInfo) bool {
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Resource < b.Resource
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
