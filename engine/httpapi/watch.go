package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// events carries encoded watch events from the loop, where the core
// delivers them, to the goroutine that writes the response. It never
// blocks the loop: a slow client makes it grow, not the cluster wait.
type events struct {
	mu    sync.Mutex
	queue [][]byte
	ready chan struct{}
}

func newEvents() *events { return &events{ready: make(chan struct{}, 1)} }

func (e *events) push(line []byte) {
	e.mu.Lock()
	e.queue = append(e.queue, line)
	e.mu.Unlock()
	select {
	case e.ready <- struct{}{}:
	default:
	}
}

func (e *events) take() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queue
	e.queue = nil
	return q
}

// initialEventsEnd is the annotation of the bookmark that ends the
// initial events of a watch with sendInitialEvents=true.
const initialEventsEnd = "k8s.io/initial-events-end"

// watch streams watch events, one JSON object a line, as kube-apiserver
// does over chunked HTTP. With sendInitialEvents=true (the watch-list
// that client-go's reflectors use) the current objects come first as
// ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end.
// timeoutSeconds ends the stream after that much wall time.
func (h *Handler) watch(w http.ResponseWriter, r *http.Request, t target) error {
	q := r.URL.Query()
	opts := listOptions(q)
	initial := isTrue(q.Get("sendInitialEvents"))
	if initial {
		opts.ResourceVersion = ""
	}
	asTable := wantsTable(r)
	evs := newEvents()
	var stop func()
	var err error
	h.do(func() {
		stop, err = h.api.Watch(t.r, t.namespace, opts, func(ev apiserver.WatchEvent) {
			evs.push(h.encodeEvent(t, r, ev, asTable))
		})
		h.api.TakeWarnings()
		if err == nil && initial {
			// The initial events are queued to the loop already; this
			// task runs after them.
			h.api.Loop().Post(func() { evs.push(h.encodeEvent(t, r, h.initialEnd(t.r), false)) })
		}
	})
	if apiserver.ReasonOf(err) == "Expired" {
		return h.streamError(w, err)
	}
	if err != nil {
		return err
	}
	defer h.do(stop)
	contentType := "application/json"
	if asTable {
		contentType = tableContentType
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	flush(w)
	var timeout <-chan time.Time
	if secs, err := strconv.ParseInt(q.Get("timeoutSeconds"), 10, 64); err == nil && secs > 0 {
		tm := time.NewTimer(time.Duration(secs) * time.Second)
		defer tm.Stop()
		timeout = tm.C
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-timeout:
			return nil
		case <-evs.ready:
			for _, line := range evs.take() {
				if _, err := w.Write(line); err != nil {
					return nil
				}
			}
			flush(w)
		}
	}
}

// streamError answers a watch that cannot start from its resourceVersion
// as the watch cache does: a stream with one ERROR event (410 Expired).
func (h *Handler) streamError(w http.ResponseWriter, err error) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	st := statusOf(err)
	line, _ := json.Marshal(struct {
		Type   string     `json:"type"`
		Object api.Status `json:"object"`
	}{apiserver.Error, st})
	w.Write(append(line, '\n'))
	return nil
}

func (h *Handler) initialEnd(r *api.ResourceInfo) apiserver.WatchEvent {
	obj := r.New()
	api.SetTypeMeta(obj)
	m := obj.GetObjectMeta()
	m.ResourceVersion = strconv.FormatInt(h.api.Store().Revision(), 10)
	m.Annotations = map[string]string{initialEventsEnd: "true"}
	return apiserver.WatchEvent{Type: apiserver.Bookmark, Object: obj}
}

// encodeEvent encodes a watch event as a line of the stream; for a client
// that asked for Tables, each object is a Table of one row.
func (h *Handler) encodeEvent(t target, r *http.Request, ev apiserver.WatchEvent, asTable bool) []byte {
	var obj any = ev.Object
	if asTable && ev.Type != apiserver.Bookmark {
		obj = h.objectTable(t.r, []api.Object{ev.Object}, ev.Object.GetObjectMeta().ResourceVersion, r)
	}
	line, err := json.Marshal(struct {
		Type   string `json:"type"`
		Object any    `json:"object"`
	}{ev.Type, obj})
	if err != nil {
		line, _ = json.Marshal(struct {
			Type   string     `json:"type"`
			Object api.Status `json:"object"`
		}{apiserver.Error, apiserver.NewInternal(err).Status})
	}
	return append(line, '\n')
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
