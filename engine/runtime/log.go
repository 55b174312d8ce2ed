package runtime

import (
	"bytes"
	"time"
)

// logBuffer is a container's log: lines with the virtual time they were
// written, from stdout and stderr in the order written, as the CRI log
// format keeps them.
type logBuffer struct {
	lines   []LogLine
	partial [2]*LogLine
	now     func() time.Time
	bytes   int
}

// LogLine is one line of a container's log.
type LogLine struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	Text   string // without the newline
	Final  bool   // the line ended with a newline
}

// maxLogBytes bounds a container's log, as the kubelet's log rotation
// (containerLogMaxSize, 10 MiB) does; the oldest lines go first.
const maxLogBytes = 10 << 20

type streamWriter struct {
	b      *logBuffer
	stream int
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.b.write(w.stream, p)
	return len(p), nil
}

var streamNames = [2]string{"stdout", "stderr"}

func (b *logBuffer) write(stream int, p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		line := b.partial[stream]
		if line == nil {
			line = &LogLine{Time: b.now(), Stream: streamNames[stream]}
		}
		line.Text += string(chunk)
		if i < 0 {
			b.partial[stream] = line
			return
		}
		line.Final = true
		b.partial[stream] = nil
		b.append(*line)
		p = p[i+1:]
	}
}

func (b *logBuffer) append(l LogLine) {
	b.lines = append(b.lines, l)
	b.bytes += len(l.Text) + 1
	for b.bytes > maxLogBytes && len(b.lines) > 1 {
		b.bytes -= len(b.lines[0].Text) + 1
		b.lines = b.lines[1:]
	}
}

// snapshot returns the complete lines and any unterminated ones.
func (b *logBuffer) snapshot() []LogLine {
	out := append([]LogLine(nil), b.lines...)
	for _, p := range b.partial {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}
