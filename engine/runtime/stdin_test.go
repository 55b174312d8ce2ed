package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An exec's input can arrive while it runs: the guest waits for it, and
// the loop goes on meanwhile.
func TestExecStreamsStdin(t *testing.T) {
	tests := []struct {
		name   string
		cmd    []string
		inputs []string
		close  bool
		out    string
		code   int32
	}{
		{name: "cat until EOF", cmd: []string{"cat"}, inputs: []string{"one\n", "two\n"}, close: true, out: "one\ntwo\n"},
		{name: "a shell reading commands", cmd: []string{"sh", "-i"}, inputs: []string{"echo hi\n", "exit 3\n"}, out: "hi\n", code: 3},
		{name: "a shell at EOF", cmd: []string{"sh"}, close: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.run(t, "busybox", "sleep", "3600")
			f.loop.AdvanceBy(time.Second)
			in := NewStdin()
			var out strings.Builder
			var res *ExecResult
			require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{
				Cmd: tt.cmd, Stdin: in, Stdout: &out, Done: func(r ExecResult) { res = &r },
			}))
			for _, s := range tt.inputs {
				f.loop.AdvanceBy(time.Second)
				require.Nil(t, res, "still running")
				require.True(t, in.Starved(), "waits for input")
				_, err := in.Write([]byte(s))
				require.NoError(t, err)
			}
			f.loop.AdvanceBy(time.Second)
			if tt.close {
				require.NoError(t, in.Close())
				f.loop.AdvanceBy(time.Second)
			}
			require.NotNil(t, res, "exec finished")
			assert.Equal(t, tt.code, res.ExitCode)
			assert.Equal(t, tt.out, out.String())
			assert.False(t, in.Starved())
		})
	}
}

// A process waiting for input is killed as any other.
func TestExecWaitingForStdinIsKilled(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "busybox", "sleep", "3600")
	f.loop.AdvanceBy(time.Second)
	var res *ExecResult
	require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{
		Cmd: []string{"cat"}, Stdin: NewStdin(), Timeout: 5 * time.Second, Done: func(r ExecResult) { res = &r },
	}))
	f.loop.AdvanceBy(10 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, ExecResult{ExitCode: 137, Err: ErrExecTimeout}, *res)
}
