package session

import (
	"bytes"
	"context"
	"fmt"
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
		{line: "kubectl -n kube-system get pods etcd", start: 32, words: []string{"etcd-controlplane"}},
		{line: "kubectl -n kube-system ro", start: 23, words: []string{"rollout"}},
		{line: "kubectl -n kube", start: 11, words: []string{"kube-node-lease", "kube-public", "kube-system"}},
		{line: "kubectl get pods -n w", start: 20, words: []string{"web-team"}},
		{line: "kubectl get pods --namespace ", start: 29, words: []string{"default", "kube-node-lease", "kube-public", "kube-system", "web-team"}},
		{line: "kubectl logs --namespace=kube-s", start: 13, words: []string{"--namespace=kube-system"}},
		{line: "kubectl --context k", start: 18, words: []string{"kubeplay"}},
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

// attachNotice is what kubectl attach (and run -i) says before it
// attaches.
const attachNotice = "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n" +
	"If you don't see a command prompt, try pressing enter.\n"

// kubectl run -i attaches to the pod's container: its own shell reads
// what is typed or piped, and its output comes as it is written; -q
// leaves out kubectl's notice.
func TestRunInteractive(t *testing.T) {
	tests := []struct {
		name, line string
		typed      []string
		close      bool
		piped      bool
		want       string
		code       int
	}{
		{name: "a shell", line: "kubectl run -it --rm --restart=Never b --image=busybox -- sh", typed: []string{"echo hi\n", "hostname\n", "exit 3\n"},
			want: attachNotice + "/ # hi\n/ # b\n/ # pod \"b\" deleted from default namespace\npod default/b terminated (Error)\n[exit 3]\n", code: 3},
		{name: "Ctrl-D ends it", line: "kubectl run -it --rm --restart=Never b --image=busybox -- sh", typed: []string{"echo $TERM\n"}, close: true,
			want: attachNotice + "/ # xterm\n/ # pod \"b\" deleted from default namespace\n"},
		{name: "a pod that restarts says how to attach again", line: "kubectl run -it c --image=busybox -- sh", typed: []string{"exit\n"},
			want: attachNotice + "/ # Session ended, resume using 'kubectl attach c -c c -i -t' command when the pod is running\n"},
		{name: "piped input", line: "echo 'echo piped; exit 0' | kubectl run -i --rm --restart=Never d --image=busybox -- sh", piped: true,
			want: attachNotice + "piped\npod \"d\" deleted from default namespace\n"},
		{name: "no input", line: "kubectl run -i --rm --restart=Never e --image=busybox -- cat", close: true,
			want: attachNotice + "pod \"e\" deleted from default namespace\n"},
		{name: "output only", line: "kubectl run --rm --attach --restart=Never f --image=busybox -- echo hi", close: true,
			want: attachNotice + "hi\npod \"f\" deleted from default namespace\n"},
		{name: "quiet", line: "kubectl run -q --rm --attach --restart=Never g --image=busybox -- echo hi", close: true,
			want: "hi\npod \"g\" deleted from default namespace\n"},
	}
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
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
			got := out.String()
			if code != 0 {
				got += fmt.Sprintf("[exit %d]\n", code)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.code, code)
		})
	}
}

// The terminal says when a command first reads it, once, and not for a
// command that does not read it.
func TestTerminalOnRead(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	require.Equal(t, "pod/b created\n", execLines(s, "kubectl run b --image=busybox -- sleep 3600"))
	execLines(s, "sleep 5")
	tests := []struct {
		line  string
		reads int
	}{
		{line: "kubectl exec -it b -- sh", reads: 1},
		{line: "kubectl exec b -- echo hi", reads: 0},
		{line: "echo hi", reads: 0},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			term, reads := NewTerminal(), 0
			term.OnRead(func() { reads++ })
			_, err := term.Write([]byte("echo a\necho b\n"))
			require.NoError(t, err)
			require.NoError(t, term.Close())
			var out bytes.Buffer
			s.ExecTerminal(context.Background(), tt.line, term, &out, &out)
			assert.Equal(t, tt.reads, reads)
		})
	}
}
