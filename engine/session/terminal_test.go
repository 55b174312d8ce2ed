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
