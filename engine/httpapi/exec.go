package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// pods/exec and pods/attach over a WebSocket, as kube-apiserver serves
// them to kubectl 1.30 and later: the remote command protocol's channel
// subprotocols (v5.channel.k8s.io, and v4 for older clients), each binary
// message a channel byte and data. The command runs through the same
// API server call the in-page kubectl uses (Server.PodExec, PodAttach).

// The remote command channels.
const (
	chanStdin  = 0
	chanStdout = 1
	chanStderr = 2
	chanError  = 3
	chanResize = 4
	// chanClose, in v5, is a client's half-close of a channel:
	// [255, channel].
	chanClose = 255
)

// The remote command subprotocols, the newest first.
const (
	protoV5 = "v5.channel.k8s.io"
	protoV4 = "v4.channel.k8s.io"
)

// finishTimeout bounds the wait for the client to close the connection
// after the final status, as kube-apiserver's stream translator waits.
const finishTimeout = 10 * time.Second

// streamOptions are a request's stdin, stdout, stderr and tty flags.
type streamOptions struct {
	stdin, stdout, stderr, tty bool
	container                  string
}

func parseStreamOptions(r *http.Request) (streamOptions, error) {
	q := r.URL.Query()
	o := streamOptions{stdin: isTrue(q.Get("stdin")), stdout: isTrue(q.Get("stdout")), stderr: isTrue(q.Get("stderr")),
		tty: isTrue(q.Get("tty")), container: q.Get("container")}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, apiserver.NewBadRequest("you must specify at least one of stdin, stdout, stderr")
	}
	return o, nil
}

// stream serves pods/exec, attach and portforward (GET or POST, as
// clients differ).
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, t target) error {
	if t.r.GroupResource() != "pods" {
		return newStatus(http.StatusNotImplemented, "",
			fmt.Sprintf("%s/%s is not served over the HTTP API of kubeplay apiserver", t.r.GroupResource(), t.subresource))
	}
	if t.subresource == "portforward" {
		return h.portForward(w, r, t)
	}
	o, err := parseStreamOptions(r)
	if err != nil {
		return err
	}
	command := r.URL.Query()["command"]
	if t.subresource == "exec" && len(command) == 0 {
		return apiserver.NewBadRequest("you must specify at least 1 command")
	}
	proto, err := h.upgradable(r, t, func() error {
		_, _, err := h.api.StreamTarget(t.namespace, t.name, o.container)
		return err
	})
	if err != nil {
		return err
	}
	s := newStreamSession(h, o)
	if t.subresource == "exec" {
		err = s.startExec(t, command)
	} else {
		err = s.startAttach(t)
	}
	if _, ok := err.(*apiserver.StatusError); ok {
		s.cancel()
		return err
	}
	if err != nil {
		// What the kubelet says after the upgrade reaches the client on
		// the error channel, as text.
		s.finish(statusInternal(err.Error()))
	}
	ws, err := acceptWebSocket(w, r, proto)
	if err != nil {
		s.cancel()
		s.end()
		return nil
	}
	s.serve(ws)
	return nil
}

// upgradable checks a streaming request before anything starts: the
// target, in the API server's words, then the WebSocket handshake. A
// request that is no WebSocket upgrade (kubectl's SPDY fallback, after a
// failed WebSocket upgrade) gets the target's error, or says what the
// server speaks.
func (h *Handler) upgradable(r *http.Request, t target, check func() error) (string, error) {
	var err error
	h.do(func() { err = check() })
	if err != nil {
		return "", err
	}
	if !isWebSocket(r) {
		if isUpgrade(r) {
			return "", apiserver.NewBadRequest(fmt.Sprintf("unable to upgrade connection: kubeplay apiserver streams %s over WebSocket (%s) only, not %s",
				t.subresource, protocolsOf(t), r.Header.Get("Upgrade")))
		}
		return "", apiserver.NewBadRequest("Upgrade request required")
	}
	return checkWebSocket(r, supportedProtocols(t))
}

func supportedProtocols(t target) []string {
	if t.subresource == "portforward" {
		return []string{protoPortForward}
	}
	return []string{protoV5, protoV4}
}

func protocolsOf(t target) string {
	p := supportedProtocols(t)
	if len(p) == 1 {
		return p[0]
	}
	return p[0] + ", " + p[1]
}

// streamSession is one exec or attach: what the command writes is queued
// as it comes, in the loop, and sent by the connection's writer, so that
// a slow client never holds the cluster.
type streamSession struct {
	h      *Handler
	o      streamOptions
	out    *outbox
	ctx    context.Context
	cancel context.CancelFunc
	// stdin is where the client's input goes, nil without one; set in
	// the loop, used there.
	stdin  apiserver.AttachedInput
	detach func()
}

func newStreamSession(h *Handler, o streamOptions) *streamSession {
	ctx, cancel := context.WithCancel(context.Background())
	s := &streamSession{h: h, o: o, out: newOutbox(), ctx: ctx, cancel: cancel}
	// The first message, empty, on the lowest channel the client reads,
	// tells it the connection is up, as kube-apiserver does.
	switch {
	case o.stdout:
		s.out.put(chanStdout, nil)
	case o.stderr:
		s.out.put(chanStderr, nil)
	default:
		s.out.put(chanError, nil)
	}
	return s
}

// writers are the command's stdout and stderr: its streams the client
// asked for, and stderr on stdout with a terminal.
func (s *streamSession) writers() (stdout, stderr chanWriter) {
	if s.o.stdout {
		stdout = chanWriter{s.out, chanStdout}
	}
	if s.o.stderr && !s.o.tty {
		stderr = chanWriter{s.out, chanStderr}
	}
	if s.o.tty {
		stderr = stdout
	}
	return stdout, stderr
}

// startExec starts the command in the loop.
func (s *streamSession) startExec(t target, command []string) error {
	stdout, stderr := s.writers()
	opts := apiserver.ExecOptions{Container: s.o.container, Command: command, TTY: s.o.tty, Stdout: stdout.or(), Stderr: stderr.or(),
		Done: func(code int32, _ error) { s.finish(exitStatus(code)) }}
	var in *runtime.Stdin
	if s.o.stdin {
		in = runtime.NewStdin()
		opts.Stdin = in
	}
	var err error
	s.h.do(func() {
		err = s.h.api.PodExec(s.ctx, t.namespace, t.name, opts)
		if err == nil && in != nil {
			s.stdin = in
		}
	})
	return err
}

// startAttach attaches to the container's main process in the loop; the
// attachment ends when the process does.
func (s *streamSession) startAttach(t target) error {
	stdout, stderr := s.writers()
	opts := apiserver.AttachOptions{Container: s.o.container, Stdout: stdout.or(), Stderr: stderr.or(),
		Done: func() { s.finish(statusSuccess()) }}
	var err error
	s.h.do(func() {
		var a apiserver.Attachment
		a, err = s.h.api.PodAttach(s.ctx, t.namespace, t.name, opts)
		if err != nil {
			return
		}
		s.detach = a.Detach
		if s.o.stdin && a.Stdin != nil {
			s.stdin = a.Stdin
		}
	})
	return err
}

// finish queues the final status on the error channel; the session ends
// once it is sent.
func (s *streamSession) finish(st api.Status) {
	data, _ := json.Marshal(st)
	s.out.put(chanError, data)
	s.out.close()
}

// end lets go of the container: the attachment ends, the input closes.
func (s *streamSession) end() {
	s.h.api.Loop().Post(func() {
		if s.detach != nil {
			s.detach()
			s.detach = nil
		}
		if s.stdin != nil {
			s.stdin.Close()
		}
	})
}

// serve runs the connection: a reader passes the client's input to the
// command, this goroutine sends what the command writes, then the status,
// then closes.
func (s *streamSession) serve(ws *wsConn) {
	defer ws.conn.Close()
	defer s.cancel()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		s.read(ws)
	}()
	for {
		msgs, open := s.out.take()
		for _, m := range msgs {
			if err := ws.WriteMessage(wsBinary, m); err != nil {
				s.end()
				return
			}
		}
		if !open {
			break
		}
		select {
		case <-s.out.wake:
		case <-readerDone:
			// The client went away with the command running: it is
			// stopped, as a broken connection stops it in a cluster.
			s.end()
			return
		}
	}
	s.end()
	_ = ws.Close(wsCloseNormal, "")
	timer := time.NewTimer(finishTimeout)
	defer timer.Stop()
	select {
	case <-readerDone:
	case <-timer.C:
	}
}

// read passes the client's messages on: input to the command's stdin,
// v5's close of stdin as its end; resizes are read and dropped (the
// playground's terminals have no size).
func (s *streamSession) read(ws *wsConn) {
	for {
		op, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if op != wsBinary || len(data) == 0 {
			continue
		}
		switch {
		case data[0] == chanStdin && len(data) > 1:
			in := data[1:]
			s.h.do(func() {
				if s.stdin != nil {
					s.stdin.Write(in)
				}
			})
		case data[0] == chanClose && len(data) == 2 && data[1] == chanStdin:
			s.h.do(func() {
				if s.stdin != nil {
					s.stdin.Close()
				}
			})
		}
	}
}

// chanWriter writes to one channel of the session's connection.
type chanWriter struct {
	out *outbox
	ch  byte
}

func (w chanWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		w.out.put(w.ch, p)
	}
	return len(p), nil
}

// or is the writer, nil when the client did not ask for the stream.
func (w chanWriter) or() interface{ Write([]byte) (int, error) } {
	if w.out == nil {
		return nil
	}
	return w
}

// outbox is the queue of messages to send: it never blocks the writer
// (the loop), the connection's goroutine drains it.
type outbox struct {
	mu     sync.Mutex
	msgs   [][]byte
	closed bool
	wake   chan struct{}
}

func newOutbox() *outbox { return &outbox{wake: make(chan struct{}, 1)} }

// put queues data on channel ch; nothing after close.
func (o *outbox) put(ch byte, data []byte) {
	m := make([]byte, 1+len(data))
	m[0] = ch
	copy(m[1:], data)
	o.push(m)
}

// push queues a message.
func (o *outbox) push(m []byte) {
	o.mu.Lock()
	if !o.closed {
		o.msgs = append(o.msgs, m)
	}
	o.mu.Unlock()
	o.notify()
}

func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.notify()
}

func (o *outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take returns what is queued; open is false once the queue is closed
// and this was the last of it.
func (o *outbox) take() (msgs [][]byte, open bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	msgs, o.msgs = o.msgs, nil
	return msgs, !o.closed
}

// statusSuccess is the error channel's message for a command that ended
// well.
func statusSuccess() api.Status { return api.Status{Status: "Success"} }

// exitStatus is the error channel's message for a command's exit code,
// as kube-apiserver's stream translator writes it: kubectl reads the code
// from the ExitCode cause.
func exitStatus(code int32) api.Status {
	// An exit status is a byte, as a process's is on Linux (kubectl
	// reads it as one).
	code &= 0xff
	if code == 0 {
		return statusSuccess()
	}
	return api.Status{
		Status:  "Failure",
		Reason:  "NonZeroExitCode",
		Message: fmt.Sprintf("command terminated with non-zero exit code: command terminated with exit code %d", code),
		Details: &api.StatusDetails{Causes: []api.StatusCause{{Type: "ExitCode", Message: strconv.Itoa(int(code))}}},
	}
}

// statusInternal is the error channel's message for a command that could
// not run: kubectl prints the message.
func statusInternal(msg string) api.Status {
	return api.Status{Status: "Failure", Reason: "InternalError", Message: msg, Code: http.StatusInternalServerError,
		Details: &api.StatusDetails{Causes: []api.StatusCause{{Message: msg}}}}
}
