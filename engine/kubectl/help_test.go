package kubectl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The help texts are kubectl's own (tools/realclients checks the file is
// what k8s.io/kubectl prints); these cases check which text a line gets.
func TestHelp(t *testing.T) {
	texts := helpTexts()
	tests := []struct {
		name string
		args []string
		want string // the text printed, or a prefix of it ending in "..."
	}{
		{"no command", nil, texts[""]},
		{"--help", []string{"--help"}, texts[""]},
		{"-h", []string{"-h"}, texts[""]},
		{"help", []string{"help"}, texts[""]},
		{"help get", []string{"help", "get"}, texts["get"]},
		{"help of a subcommand", []string{"help", "create", "deployment"}, texts["create deployment"]},
		{"help with an argument", []string{"help", "create", "foo"}, texts["create"]},
		{"help of an unknown topic", []string{"help", "foo", "bar"}, "Unknown help topic [`foo` `bar`]\n" + texts[":usage"]},
		{"get --help", []string{"get", "pods", "--help"}, texts["get"]},
		{"-h among flags", []string{"get", "-o", "wide", "-h"}, texts["get"]},
		{"--help=true", []string{"logs", "--help=true"}, texts["logs"]},
		{"subcommand", []string{"create", "deployment", "web", "--image=nginx", "--help"}, texts["create deployment"]},
		{"deeper subcommand", []string{"create", "secret", "generic", "-h"}, texts["create secret generic"]},
		{"unknown subcommand is an argument", []string{"rollout", "sideways", "--help"}, texts["rollout"]},
		{"flags before the subcommand", []string{"rollout", "-n", "x", "status", "--help"}, texts["rollout status"]},
		{"an argument after a flag with =", []string{"rollout", "-n=x", "sideways", "status", "-h"}, texts["rollout"]},
		{"after -- it is the container's", []string{"exec", "web", "--", "ls", "--help"}, `Error from server (NotFound): pods "web" not found` + "..."},
		{"a command kubectl has and the playground not", []string{"completion", "--help"}, texts["completion"]},
		{"options", []string{"options"}, texts[":options"]},
		{"options --help prints nothing, as kubectl", []string{"options", "--help"}, ""},
		{"unknown command", []string{"frobnicate", "--help"}, `error: unknown command "frobnicate" for "kubectl"` + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			got := f.kubectl("", tt.args...)
			if want, ok := strings.CutSuffix(tt.want, "..."); ok {
				// Errors go to stderr, after the --- stderr mark.
				got = strings.TrimPrefix(got, "--- stderr\n")
				assert.True(t, strings.HasPrefix(got, want), "got %q", got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// Every command the playground runs has kubectl's help.
func TestHelpCoversCommands(t *testing.T) {
	texts := helpTexts()
	require.Greater(t, len(texts), 100)
	for name := range commands {
		assert.NotEmpty(t, texts[name]+texts[":"+name], "kubectl %s --help", name)
	}
	assert.True(t, strings.HasPrefix(texts[""], "kubectl controls the Kubernetes cluster manager.\n"))
	assert.True(t, strings.HasPrefix(texts[":options"], "The following options can be passed to any command:\n"))
}

// Flags before the command are kubectl's global flags, as in `kubectl -n
// kube-system get pods`; cobra finds the command past them.
func TestGlobalFlagsBeforeCommand(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		err  string
	}{
		{args: []string{"get", "pods"}, want: []string{"get", "pods"}},
		{args: []string{"-n", "kube-system", "get", "pods"}, want: []string{"get", "-n", "kube-system", "pods"}},
		{args: []string{"--namespace=x", "-v", "6", "get"}, want: []string{"get", "--namespace=x", "-v", "6"}},
		{args: []string{"-nx", "--insecure-skip-tls-verify", "logs", "p"}, want: []string{"logs", "-nx", "--insecure-skip-tls-verify", "p"}},
		{args: []string{"--context", "c", "exec", "p", "--", "ls", "-n", "x"}, want: []string{"exec", "--context", "c", "p", "--", "ls", "-n", "x"}},
		{args: []string{"--bogus=1", "get", "ns"}, want: []string{"get", "--bogus=1", "ns"}},
		{args: []string{"-n", "x"}, want: nil},
		{args: []string{"--", "get"}, want: []string{"--", "get"}},
		// An unknown flag takes the next word as its value; what is left is no command.
		{args: []string{"--bogus", "get", "ns"}, err: "Error: flags cannot be placed before plugin name: --bogus"},
		{args: []string{"--bogus"}, err: "error: unknown flag: --bogus\nSee 'kubectl --help' for usage."},
	}
	for _, tt := range tests {
		got, err := globalFlagsAfterCommand(tt.args)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, "%q", tt.args)
			continue
		}
		require.NoError(t, err, "%q", tt.args)
		assert.Equal(t, tt.want, got, "%q", tt.args)
	}
}
