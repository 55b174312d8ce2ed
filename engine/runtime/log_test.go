package runtime

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContainerLog(t *testing.T) {
	now := epoch
	clock := func() time.Time { return now }
	tests := []struct {
		name  string
		write func(l *containerLog)
		check func(t *testing.T, l *containerLog)
	}{
		{
			name: "lines keep their stream and time, in the order written",
			write: func(l *containerLog) {
				l.stream(0).Write([]byte("out 1\nout "))
				now = now.Add(time.Second)
				l.stream(1).Write([]byte("err\n"))
				l.stream(0).Write([]byte("2\n"))
			},
			check: func(t *testing.T, l *containerLog) {
				assert.Equal(t, []LogLine{
					{Time: epoch, Stream: "stdout", Text: "out 1", Final: true},
					{Time: epoch.Add(time.Second), Stream: "stderr", Text: "err", Final: true},
					{Time: epoch.Add(time.Second), Stream: "stdout", Text: "out 2", Final: true},
				}, l.lines())
			},
		},
		{
			name:  "an unterminated line shows, and is written when the streams close",
			write: func(l *containerLog) { l.stream(0).Write([]byte("no newline")) },
			check: func(t *testing.T, l *containerLog) {
				assert.Equal(t, []LogLine{{Time: epoch, Stream: "stdout", Text: "no newline"}}, l.lines())
				l.close()
				assert.Equal(t, []LogLine{{Time: epoch, Stream: "stdout", Text: "no newline"}}, l.lines())
				assert.Contains(t, string(l.current), " stdout P no newline\n")
			},
		},
		{
			name:  "a long line is split into partial entries",
			write: func(l *containerLog) { l.stream(0).Write([]byte(strings.Repeat("x", 40<<10) + "\n")) },
			check: func(t *testing.T, l *containerLog) {
				lines := l.lines()
				require.Len(t, lines, 3)
				assert.Equal(t, []bool{false, false, true}, []bool{lines[0].Final, lines[1].Final, lines[2].Final})
				assert.Len(t, lines[0].Text, maxLineSize)
				assert.Len(t, lines[2].Text, 40<<10-2*maxLineSize)
			},
		},
		{
			name: "files rotate at the size limit and the oldest go",
			write: func(l *containerLog) {
				for range 2000 {
					l.stream(0).Write([]byte(strings.Repeat("y", 100) + "\n"))
				}
			},
			check: func(t *testing.T, l *containerLog) {
				assert.LessOrEqual(t, len(l.current), 64<<10)
				assert.Len(t, l.rotated, 2)
				assert.Less(t, len(l.lines()), 2000, "only the current file is read")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = epoch
			l := newContainerLog(64<<10, 3, clock)
			tt.write(l)
			tt.check(t, l)
		})
	}
}
