package session

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// kubectl exec -it gives the user a shell in the container: each line
// typed runs as it comes, the cluster going on meanwhile.
func TestExecInteractive(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		typed []string
		close bool
		want  string
		code  int
	}{
		{name: "a shell", line: "kubectl exec -it b -- sh", typed: []string{"echo hi\n", "cd /tmp\n", "exit 4\n"},
			want: "/ # hi\n/ # /tmp # command terminated with exit code 4\n", code: 4},
		{name: "Ctrl-D ends the shell", line: "kubectl exec -it b -- sh", typed: []string{"hostname\n"}, close: true,
			want: "/ # b\n/ # "},
		{name: "-i without -t has no prompt", line: "kubectl exec -i b -- sh", typed: []string{"echo $TERM.\n"}, close: true,
			want: ".\n"},
		{name: "no -i ignores the terminal", line: "kubectl exec b -- cat", want: ""},
	}
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	require.Equal(t, "pod/b created\n", execLines(s, "kubectl run b --image=busybox -- sleep 3600"))
	execLines(s, "sleep 5")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := NewTerminal()
			for _, in := range tt.typed {
				_, err := term.Write([]byte(in))
				require.NoError(t, err)
			}
			if tt.close {
				require.NoError(t, term.Close())
			}
			var out bytes.Buffer
			code := s.ExecTerminal(context.Background(), tt.line, term, &out, &out)
			assert.Equal(t, tt.want, out.String())
			assert.Equal(t, tt.code, code)
		})
	}
}

// Tab completes commands, kubectl's verbs, resource types and object
// names, and file names.
func TestComplete(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	execLines(s, "kubectl create deployment web --image=busybox -- sleep 3600")
	execLines(s, "kubectl create namespace web-team")
	execLines(s, "mkdir manifests; touch manifests/a.yaml web.yaml")
	tests := []struct {
		line  string
		start int
		words []string
	}{
		{line: "kubec", start: 0, words: []string{"kubectl"}},
		{line: "kubectl ro", start: 8, words: []string{"rollout"}},
		{line: "k get deploy", start: 6, words: []string{"deployments"}},
		{line: "kubectl get deployments w", start: 24, words: []string{"web"}},
		{line: "kubectl get ns web", start: 15, words: []string{"web-team"}},
		{line: "kubectl describe deploy/", start: 17, words: []string{"deploy/web"}},
		{line: "kubectl rollout status deployment ", start: 34, words: []string{"web"}},
		{line: "kubectl get pods -n kube-system etcd", start: 32, words: []string{"etcd-controlplane"}},
		{line: "kubectl apply -f ", start: 17, words: []string{"manifests/", "web.yaml"}},
		{line: "cat manifests/", start: 4, words: []string{"manifests/a.yaml"}},
		{line: "echo hi | gre", start: 10, words: []string{"grep"}},
		{line: "kubectl get --no", start: 12, words: nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := s.Shell().Complete(tt.line, len(tt.line))
			assert.Equal(t, tt.start, c.Start)
			assert.Equal(t, tt.words, c.Words)
		})
	}
}

// The host's editor (the page's) edits for kubectl edit when it has one.
func TestEditWithTheHostsEditor(t *testing.T) {
	var opened string
	s, err := New(Config{
		Cluster: clusterConfig(runtime.NewFSSource(wasmtest.Modules(t))), FS: memFS(t), Dir: "/root",
		Editor: func(_ context.Context, name string, text []byte) ([]byte, error) {
			opened = name
			return bytes.Replace(text, []byte("replicas: 1\n"), []byte("replicas: 2\n"), 1), nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	execLines(s, "kubectl create deployment web --image=busybox -- sleep 3600")
	assert.Equal(t, "deployment.apps/web edited\n", execLines(s, "kubectl edit deploy/web"))
	assert.Equal(t, "/tmp/kubectl-edit-web.yaml", opened)
	assert.Equal(t, "2", execLines(s, "kubectl get deploy web -o jsonpath={.spec.replicas}"))
}

// kubectl run -it says that typed input does not reach the container.
func TestRunInteractiveSaysInputIsNotPassed(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	var out bytes.Buffer
	term := NewTerminal()
	require.NoError(t, term.Close())
	code := s.ExecTerminal(context.Background(), "kubectl run -it --rm --restart=Never b --image=busybox -- echo hi", term, &out, &out)
	assert.Equal(t, 0, code)
	assert.Contains(t, out.String(), "Warning: the playground cannot pass input to a container's main process yet")
	assert.Contains(t, out.String(), "hi\npod \"b\" deleted\n")
}
