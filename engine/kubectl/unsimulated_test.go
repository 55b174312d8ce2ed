package kubectl

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUpstreamCommandsKnown: every top-level command of kubectl 1.37 is
// either run or said not to be simulated; none is "unknown".
func TestUpstreamCommandsKnown(t *testing.T) {
	upstream := []string{"create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale",
		"certificate", "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach", "exec",
		"port-forward", "proxy", "cp", "auth", "events", "diff", "apply", "patch", "replace", "wait", "kustomize",
		"label", "annotate", "completion", "alpha", "api-resources", "api-versions", "config", "plugin", "version", "options"}
	for _, name := range upstream {
		_, ok := commands[name]
		assert.True(t, ok, name)
	}
	var names []string
	for name := range unsimulated {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := newDescribeFixture(t)
		out := f.kubectl("", name, "x")
		assert.True(t, strings.HasPrefix(out, "--- stderr\nerror: \"kubectl "+name+"\" is not simulated in this playground: "), out)
		assert.True(t, strings.HasSuffix(out, "\n[exit 1]\n"), out)
	}
}

func TestUnsimulated(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"proxy", "--port=8001"}, "--- stderr\nerror: \"kubectl proxy\" is not simulated in this playground: it serves the API server on a local port for other programs, and the page has no HTTP API; natively, `kubeplay apiserver` serves one\n[exit 1]\n"},
		{[]string{"plugin", "list"}, "--- stderr\nerror: unable to find any kubectl plugins in your PATH\n[exit 1]\n"},
		{[]string{"proxi"}, "--- stderr\nerror: unknown command \"proxi\" for \"kubectl\"\n\nDid you mean this?\n\tproxy\nRun 'kubectl --help' for usage.\n[exit 1]\n"},
		{[]string{"debugg"}, "--- stderr\nerror: unknown command \"debugg\" for \"kubectl\"\n\nDid you mean this?\n\tdebug\nRun 'kubectl --help' for usage.\n[exit 1]\n"},
	}
	for _, tt := range tests {
		f := newDescribeFixture(t)
		assert.Equal(t, tt.want, f.kubectl("", tt.args...), "%v", tt.args)
	}
}
