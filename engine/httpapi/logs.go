package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// logs serves pods/log. With follow=true the log is read again every
// followInterval of wall time and what is new is sent, until the
// container stops or the client goes away.
func (h *Handler) logs(w http.ResponseWriter, r *http.Request, t target) error {
	q := r.URL.Query()
	opts := apiserver.LogOptions{Previous: isTrue(q.Get("previous")), Timestamps: isTrue(q.Get("timestamps"))}
	for _, p := range []struct {
		name string
		dst  **int64
	}{{"tailLines", &opts.TailLines}, {"limitBytes", &opts.LimitBytes}, {"sinceSeconds", &opts.SinceSeconds}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return apiserver.NewBadRequest(fmt.Sprintf("invalid %s %q", p.name, v))
			}
			*p.dst = &n
		}
	}
	container := q.Get("container")
	if h.inline && isTrue(q.Get("follow")) && !opts.Previous {
		return notStreamed()
	}
	var out []byte
	var err error
	h.do(func() { out, err = h.api.PodLogs(t.namespace, t.name, container, opts) })
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
	if !isTrue(q.Get("follow")) || opts.Previous {
		return nil
	}
	flush(w)
	opts.TailLines, opts.LimitBytes = nil, nil
	var full []byte
	h.do(func() { full, err = h.api.PodLogs(t.namespace, t.name, container, opts) })
	if err != nil {
		return nil
	}
	sent := len(full)
	tick := time.NewTicker(followInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
		running := false
		h.do(func() {
			full, err = h.api.PodLogs(t.namespace, t.name, container, opts)
			running = h.containerRunning(t, container)
		})
		if err != nil {
			return nil
		}
		if len(full) > sent {
			w.Write(full[sent:])
			sent = len(full)
			flush(w)
		}
		if !running {
			return nil
		}
	}
}

const followInterval = 500 * time.Millisecond

// containerRunning reports whether a pod's container (its only one when
// container is "") may still write to its log.
func (h *Handler) containerRunning(t target, container string) bool {
	obj, err := h.api.Get(t.r, t.namespace, t.name)
	if err != nil {
		return false
	}
	p := obj.(*api.Pod)
	if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		return false
	}
	for _, list := range [][]api.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if (container == "" || cs.Name == container) && cs.State.Terminated == nil {
				return true
			}
		}
	}
	return false
}
