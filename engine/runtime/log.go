package runtime

import (
	"bufio"
	"bytes"
	"compress/flate"
	"time"
)

// containerLog is a container's log as the CRI keeps it: files of lines
// "TIMESTAMP STREAM TAG TEXT", stdout and stderr interleaved in the order
// written, each line stamped with the guest's time. The kubelet's log
// rotation applies: once the current file reaches containerLogMaxSize it
// is rotated (compressed, as the kubelet compresses all but the newest
// rotated file — here all of them, to keep the page small) and at most
// containerLogMaxFiles files are kept. Logs reads only the current file,
// as `kubectl logs` does on a real node. A line longer than 16 KiB is
// split into partial ("P") entries, as containerd splits it, so a guest
// that writes without newlines cannot grow a line without bound.
type containerLog struct {
	now      func() time.Time
	maxSize  int
	maxFiles int
	current  []byte
	rotated  [][]byte // compressed, oldest first
	partial  [2][]byte
	since    [2]time.Time // when each partial line began
	closed   bool
}

// LogLine is one line of a container's log.
type LogLine struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	Text   string // without the newline
	Final  bool   // the line ended with a newline ("F"); else a part ("P")
}

// maxLineSize is containerd's limit on a log line; longer lines are split.
const maxLineSize = 16 << 10

var streamNames = [2]string{"stdout", "stderr"}

func newContainerLog(maxSize, maxFiles int, now func() time.Time) *containerLog {
	return &containerLog{now: now, maxSize: maxSize, maxFiles: maxFiles}
}

type logStream struct {
	l      *containerLog
	stream int
}

func (l *containerLog) stream(i int) logStream { return logStream{l, i} }

func (w logStream) Write(p []byte) (int, error) {
	w.l.write(w.stream, p)
	return len(p), nil
}

func (l *containerLog) write(stream int, p []byte) {
	if l.closed {
		return
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if len(l.partial[stream]) == 0 {
			l.since[stream] = l.now()
		}
		part := append(l.partial[stream], chunk...)
		for len(part) >= maxLineSize {
			l.append(stream, part[:maxLineSize], false)
			part = part[maxLineSize:]
		}
		l.partial[stream] = append(l.partial[stream][:0], part...)
		if i < 0 {
			return
		}
		l.append(stream, l.partial[stream], true)
		l.partial[stream] = l.partial[stream][:0]
		p = p[i+1:]
	}
}

// close writes what is left of unterminated lines, as containerd does
// when the container's streams close.
func (l *containerLog) close() {
	for i, p := range l.partial {
		if len(p) > 0 {
			l.append(i, p, false)
			l.partial[i] = nil
		}
	}
	l.closed = true
}

func (l *containerLog) append(stream int, text []byte, final bool) {
	tag := byte('P')
	if final {
		tag = 'F'
	}
	entry := l.now().UTC().AppendFormat(nil, time.RFC3339Nano)
	entry = append(append(append(entry, ' '), streamNames[stream]...), ' ', tag, ' ')
	entry = append(append(entry, text...), '\n')
	if len(l.current) > 0 && len(l.current)+len(entry) > l.maxSize {
		l.rotate()
	}
	l.current = append(l.current, entry...)
}

func (l *containerLog) rotate() {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	_, _ = w.Write(l.current)
	_ = w.Close()
	l.rotated = append(l.rotated, b.Bytes())
	if len(l.rotated) > l.maxFiles-1 {
		l.rotated = l.rotated[1:]
	}
	l.current = nil
}

// lines parses the current file, plus any unterminated line.
func (l *containerLog) lines() []LogLine {
	var out []LogLine
	s := bufio.NewScanner(bytes.NewReader(l.current))
	s.Buffer(nil, maxLineSize+256)
	for s.Scan() {
		if line, ok := parseLogLine(s.Bytes()); ok {
			out = append(out, line)
		}
	}
	for i, p := range l.partial {
		if len(p) > 0 {
			out = append(out, LogLine{Time: l.since[i], Stream: streamNames[i], Text: string(p)})
		}
	}
	return out
}

func parseLogLine(b []byte) (LogLine, bool) {
	fields := bytes.SplitN(b, []byte(" "), 4)
	if len(fields) < 3 {
		return LogLine{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return LogLine{}, false
	}
	line := LogLine{Time: t, Stream: string(fields[1]), Final: string(fields[2]) == "F"}
	if len(fields) == 4 {
		line.Text = string(fields[3])
	}
	return line, true
}
