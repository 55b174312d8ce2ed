// Package page is what the browser page sees of a session, as messages:
// watch streams of objects (list, then watch, from a resourceVersion), the
// stream of API requests (who asked the API server for what), the clock,
// the home directory's files and manifest checks. The page never reads the
// engine's memory; cmd/wasm carries these messages across the Web Worker's
// boundary (docs/bridge.md). Nothing here touches syscall/js, so the whole
// protocol is tested natively.
//
// Requests come in as JSON ({"id", "op", "args"}) and are answered with a
// reply each; what the cluster does meanwhile is gathered and handed out
// in batches by Flush, which the host calls once per frame or tick, so a
// busy cluster costs the page one message per frame however much changes.
package page

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/session"
)

// Config says what a Page serves.
type Config struct {
	Session *session.Session
	// Pacer paces the session's time; nil when time jumps (natively), in
	// which case only step and skip move it.
	Pacer *session.Pacer
	// Home is the shell's file system and HomeDir the home directory in it
	// ("root"), whose files the editor opens.
	Home    hackpadfs.FS
	HomeDir string
}

// Page serves one page.
type Page struct {
	cfg    Config
	client *client.Client // the page's reads: not in the request stream

	mu        sync.Mutex // guards what follows: loop tasks, requests and Flush meet here
	watches   map[int]*watch
	pending   []*event            // events of the watches, in order, coalesced
	byUID     map[eventKey]*event // the pending event of each object
	requests  []Request
	observing bool
	dropped   int // requests not kept since the last batch
	sentClock Clock
}

// New returns a page over a session.
func New(cfg Config) *Page {
	if cfg.HomeDir == "" {
		cfg.HomeDir = "root"
	}
	s := cfg.Session
	s.Lock()
	defer s.Unlock()
	return &Page{
		cfg:     cfg,
		client:  client.New(s.Cluster().API(), "kubeplay-page"),
		watches: map[int]*watch{},
		byUID:   map[eventKey]*event{},
	}
}

// Limits of what the page may send.
const (
	maxMessage = 2 << 20 // bytes of one request, a file's text included
	maxFile    = 1 << 20 // bytes of a file the editor writes
	// maxUpload is the bytes of a file dropped on the page (an image's
	// module: busybox's is 8 MiB), and maxUploadMessage its request, the
	// file in base64.
	maxUpload        = 32 << 20
	maxUploadMessage = maxUpload/3*4 + 64<<10
)

// request is a message from the page.
type request struct {
	ID   int             `json:"id"`
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args"`
}

// Reply answers a request: Result or Error.
type Reply struct {
	Type   string `json:"type"` // "reply"
	ID     int    `json:"id"`
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// errBadRequest marks a message that does not have the protocol's shape.
var errBadRequest = errors.New("bad request")

// ops are the requests the page may make; each decodes its own arguments.
var ops = map[string]func(p *Page, id int, args json.RawMessage) (any, error){
	"watch":    (*Page).opWatch,
	"unwatch":  (*Page).opUnwatch,
	"requests": (*Page).opRequests,
	"clock":    (*Page).opClock,
	"speed":    (*Page).opSpeed,
	"step":     (*Page).opStep,
	"skip":     (*Page).opSkip,
	"files":    (*Page).opFiles,
	"read":     (*Page).opRead,
	"write":    (*Page).opWrite,
	"upload":   (*Page).opUpload,
	"rename":   (*Page).opRename,
	"delete":   (*Page).opDelete,
	"validate": (*Page).opValidate,
	"inspect":  (*Page).opInspect,
	"explain":  (*Page).opExplain,
	"top":      (*Page).opTop,
	"memory":   (*Page).opMemory,
}

// Handle answers one message. A message without the protocol's shape is
// answered with an error (and id 0 when even the id cannot be read).
func (p *Page) Handle(msg []byte) Reply {
	var req request
	tooLarge := Reply{Type: "reply", Error: fmt.Sprintf("%v: the message is larger than %d bytes", errBadRequest, maxMessage)}
	if len(msg) > maxUploadMessage {
		return tooLarge
	}
	if err := strictJSON(msg, &req); err != nil {
		return Reply{Type: "reply", Error: fmt.Sprintf("%v: %v", errBadRequest, err)}
	}
	if len(msg) > maxMessage && req.Op != "upload" {
		return tooLarge
	}
	r := Reply{Type: "reply", ID: req.ID}
	op, ok := ops[req.Op]
	switch {
	case req.ID <= 0:
		r.Error = fmt.Sprintf("%v: the id must be a positive integer", errBadRequest)
	case !ok:
		r.Error = fmt.Sprintf("%v: unknown op %q", errBadRequest, req.Op)
	default:
		res, err := op(p, req.ID, req.Args)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Result = res
		}
	}
	return r
}

// strictJSON decodes data into v, refusing unknown fields and trailing data.
func strictJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the message")
	}
	return nil
}

// args decodes an op's arguments strictly.
func args(raw json.RawMessage, v any) error {
	if err := strictJSON(raw, v); err != nil {
		return fmt.Errorf("%v: %v", errBadRequest, err)
	}
	return nil
}

// Batch is what happened since the last Flush.
type Batch struct {
	Type     string    `json:"type"` // "batch"
	Clock    *Clock    `json:"clock,omitempty"`
	Events   []Event   `json:"events,omitempty"`
	Requests []Request `json:"requests,omitempty"`
	// Dropped counts the requests left out because too many came at once.
	Dropped int `json:"dropped,omitempty"`
}

// Flush returns the batch of what happened since the last call, or nil
// when nothing did. It takes the cluster to read the clock.
func (p *Page) Flush() []byte {
	clock := p.clock()
	p.mu.Lock()
	b := Batch{Type: "batch", Events: p.takeEvents(time.UnixMilli(clock.Now)), Requests: p.requests, Dropped: p.dropped}
	p.requests, p.dropped = nil, 0
	if clock != p.sentClock {
		b.Clock, p.sentClock = &clock, clock
	}
	p.mu.Unlock()
	if b.Clock == nil && len(b.Events) == 0 && len(b.Requests) == 0 && b.Dropped == 0 {
		return nil
	}
	out, err := api.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("page: a batch does not encode: %v", err)) // only plain data goes in
	}
	return out
}

// Clock is the cluster's clock as the page shows it.
type Clock struct {
	// Now is the virtual time, in milliseconds since the Unix epoch.
	Now int64 `json:"now"`
	// Speed is "pause", a factor ("1", "10", "100") or "max".
	Speed string `json:"speed"`
}

func (p *Page) clock() Clock {
	s := p.cfg.Session
	speed := session.Max
	if p.cfg.Pacer != nil {
		speed = p.cfg.Pacer.Speed()
	}
	s.Lock()
	now := s.Cluster().Now()
	s.Unlock()
	return Clock{Now: now.UnixMilli(), Speed: speed.String()}
}

func (p *Page) opClock(int, json.RawMessage) (any, error) { return p.clock(), nil }

func (p *Page) opSpeed(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Speed string `json:"speed"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	v, err := session.ParseSpeed(a.Speed)
	if err != nil {
		return nil, err
	}
	if p.cfg.Pacer == nil {
		if v != session.Max {
			return nil, errors.New("time is not paced here: it jumps ahead whenever a command waits")
		}
	} else {
		p.cfg.Pacer.SetSpeed(float64(v))
	}
	return p.clock(), nil
}

// jumpResult is the answer to step and skip.
type jumpResult struct {
	Clock
	From   int64  `json:"from"`
	Change string `json:"change,omitempty"`
}

func (p *Page) opStep(_ int, raw json.RawMessage) (any, error) {
	if err := args(raw, &struct{}{}); err != nil {
		return nil, err
	}
	j := p.cfg.Session.StepTimer()
	return jumpResult{Clock: p.clock(), From: j.From.UnixMilli()}, nil
}

func (p *Page) opSkip(_ int, raw json.RawMessage) (any, error) {
	if err := args(raw, &struct{}{}); err != nil {
		return nil, err
	}
	j := p.cfg.Session.Skip()
	return jumpResult{Clock: p.clock(), From: j.From.UnixMilli(), Change: j.Change}, nil
}

// Request is one API request of a component, for the request stream.
type Request struct {
	// Time is the virtual time, in milliseconds since the Unix epoch.
	Time        int64  `json:"time"`
	Component   string `json:"component"`
	Verb        string `json:"verb"`
	Resource    string `json:"resource"` // "pods", "deployments.apps"
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	Error       string `json:"error,omitempty"`
}

// maxRequests bounds the requests one batch carries; the rest are counted.
const maxRequests = 2000

func (p *Page) opRequests(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		On bool `json:"on"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	c := s.Cluster()
	p.mu.Lock()
	p.observing = a.On
	p.requests, p.dropped = nil, 0
	p.mu.Unlock()
	if !a.On {
		c.Observe(nil)
		return struct{}{}, nil
	}
	c.Observe(func(r client.Request) { p.observe(c.Now(), r) })
	return struct{}{}, nil
}

func (p *Page) observe(now time.Time, r client.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.observing {
		return
	}
	if len(p.requests) >= maxRequests {
		p.dropped++
		return
	}
	req := Request{Time: now.UnixMilli(), Component: r.Component, Verb: r.Verb, Subresource: r.Subresource, Namespace: r.Namespace, Name: r.Name}
	if r.Resource != nil {
		req.Resource = r.Resource.GroupResource()
	}
	if r.Err != nil {
		req.Error = r.Err.Error()
	}
	p.requests = append(p.requests, req)
}
