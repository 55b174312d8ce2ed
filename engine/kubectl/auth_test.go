package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAuth(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"allowed", []string{"can-i", "create", "pods"}, "yes\n"},
		{"named, in a group", []string{"can-i", "delete", "deployments.apps/web", "-n", "dev"}, "yes\n"},
		{"quiet", []string{"can-i", "get", "pods", "-q"}, ""},
		{"everything", []string{"can-i", "*", "*"}, "yes\n"},
		{"unknown resource", []string{"can-i", "get", "foo"}, "yes\n--- stderr\nWarning: the server doesn't have a resource type 'foo'\n\n"},
		{"unknown resource in a group", []string{"can-i", "get", "foo.example.com"}, "yes\n--- stderr\nWarning: the server doesn't have a resource type 'foo' in group 'example.com'\n\n"},
		{"users are not discovered", []string{"can-i", "impersonate", "users"}, "yes\n"},
		{"cluster scoped", []string{"can-i", "list", "nodes"}, "yes\n--- stderr\nWarning: resource 'nodes' is not namespace scoped\n\n"},
		{"cluster scoped in a group", []string{"can-i", "list", "storageclasses"}, "yes\n--- stderr\nWarning: resource 'storageclasses' is not namespace scoped in group 'storage.k8s.io'\n\n"},
		{"cluster scoped, all namespaces", []string{"can-i", "list", "nodes", "-A"}, "yes\n"},
		{"unknown verb", []string{"can-i", "fly", "pods"}, "yes\n--- stderr\nWarning: verb 'fly' is not a known verb\n\n"},
		{"non-resource URL", []string{"can-i", "get", "/healthz"}, "yes\n"},
		{"non-resource URL, unknown verb", []string{"can-i", "list", "/logs/"}, "yes\n--- stderr\nWarning: verb 'list' is not a known verb\n\n"},
		{"non-resource URL with subresource", []string{"can-i", "get", "/logs/", "--subresource=x"}, "--- stderr\nerror: --subresource can not be used with NonResourceURL\n[exit 1]\n"},
		{"one argument", []string{"can-i", "get"}, "--- stderr\nerror: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n[exit 1]\n"},
		{"no headers without list", []string{"can-i", "get", "pods", "--no-headers"}, "--- stderr\nerror: --no-headers cannot be set without --list specified\n[exit 1]\n"},
		{"list", []string{"can-i", "--list"}, "Resources   Non-Resource URLs   Resource Names   Verbs\n*.*         []                  []               [*]\n            [*]                 []               [*]\n"},
		{"list with arguments", []string{"can-i", "--list", "get"}, "--- stderr\nerror: list option must be specified with no arguments\n[exit 1]\n"},
		{"list quiet", []string{"can-i", "--list", "-q"}, "--- stderr\nerror: list option can't be specified with neither quiet, all-namespaces nor subresource options\n[exit 1]\n"},
		{"whoami", []string{"whoami"}, "--- stderr\nerror: \"kubectl auth whoami\" is not simulated in this playground: the playground's API server has no authentication, so it knows no user: every request acts as the cluster's administrator\n[exit 1]\n"},
		{"unknown subcommand", []string{"can"}, "--- stderr\nerror: unknown command \"can\" for \"kubectl auth\"\nSee 'kubectl auth -h' for help and examples\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			assert.Equal(t, tt.want, f.kubectl("", append([]string{"auth"}, tt.args...)...))
		})
	}
}
