package kubelet

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// ContainerLogs serves a container's log, as the kubelet's /containerLogs
// endpoint does for the API server.
func (k *Kubelet) ContainerLogs(ns, pod, container string, opts apiserver.LogOptions) ([]byte, error) {
	st, ok := k.states[client.Key(ns, pod)]
	if !ok {
		return nil, apiserver.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, pod))
	}
	cs, ok := st.containers[container]
	if !ok || cs.id == "" {
		return nil, apiserver.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, pod))
	}
	id := cs.id
	if opts.Previous {
		id = cs.lastID
		if id == "" {
			return nil, apiserver.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod))
		}
	}
	lines, err := k.rt.Logs(id)
	if err != nil {
		return nil, apiserver.NewBadRequest(fmt.Sprintf("container %q in pod %q is not available", container, pod))
	}
	return formatLogs(filterLogs(lines, opts, k.c.Now()), opts), nil
}

func filterLogs(lines []runtime.LogLine, opts apiserver.LogOptions, now time.Time) []runtime.LogLine {
	if opts.SinceSeconds != nil {
		since := now.Add(-time.Duration(*opts.SinceSeconds) * time.Second)
		var kept []runtime.LogLine
		for _, l := range lines {
			if !l.Time.Before(since) {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	if opts.TailLines != nil && int(*opts.TailLines) < len(lines) {
		lines = lines[len(lines)-int(*opts.TailLines):]
	}
	return lines
}

func formatLogs(lines []runtime.LogLine, opts apiserver.LogOptions) []byte {
	var b strings.Builder
	for _, l := range lines {
		if opts.Timestamps {
			b.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") + " ")
		}
		b.WriteString(l.Text)
		if l.Final {
			b.WriteByte('\n')
		}
	}
	out := []byte(b.String())
	if opts.LimitBytes != nil && int64(len(out)) > *opts.LimitBytes {
		out = out[:*opts.LimitBytes]
	}
	return out
}
