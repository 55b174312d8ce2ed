package httpapi

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/network"
)

// pods/portforward as kubectl 1.30 and later asks for it: a WebSocket
// with the subprotocol SPDY/3.1+portforward.k8s.io, whose binary messages
// carry a SPDY/3 connection (spdy.go), as kube-apiserver's stream tunnel
// serves it. For each local connection the client opens an error stream
// and a data stream with the same requestID and port headers; the server
// connects to the port inside the pod (Server.PodPortForward, as the
// in-page kubectl port-forward does) and splices the data stream to it in
// the loop, as the in-page forwarder splices its listener's connection.

// protoPortForward is the subprotocol of kubectl port-forward's WebSocket:
// SPDY/3.1 frames tunnelled in binary messages.
const protoPortForward = "SPDY/3.1+portforward.k8s.io"

// pfChunk bounds the data in one frame sent to the client.
const pfChunk = 32 << 10

func (h *Handler) portForward(w http.ResponseWriter, r *http.Request, t target) error {
	proto, err := h.upgradable(r, t, func() error {
		_, err := h.api.PortForwardTarget(t.namespace, t.name)
		return err
	})
	if err != nil {
		return err
	}
	ws, err := acceptWebSocket(w, r, proto)
	if err != nil {
		return nil
	}
	s := &pfSession{h: h, ns: t.namespace, pod: t.name, out: newOutbox(), pairs: map[string]*pfPair{}, ends: map[uint32]*pfEnd{}}
	s.serve(ws)
	return nil
}

// pfSession is one kubectl port-forward connection.
type pfSession struct {
	h       *Handler
	ns, pod string
	out     *outbox
	// The reader goroutine's: header contexts, the streams by id.
	hr    spdyHeaderReader
	hw    spdyHeaderWriter
	pairs map[string]*pfPair
	ends  map[uint32]*pfEnd
}

// pfPair is a forwarded connection's two streams, by requestID.
type pfPair struct {
	errStream, dataStream uint32
	port                  int32
}

func (s *pfSession) serve(ws *wsConn) {
	defer ws.conn.Close()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		s.read(&wsStream{ws: ws})
		// The client went away: the forwarded connections end.
		ends := s.ends
		s.h.api.Loop().Post(func() {
			for _, id := range sortedIDs(ends) {
				ends[id].recvReset()
			}
		})
	}()
	for {
		msgs, _ := s.out.take()
		for _, m := range msgs {
			if err := ws.WriteMessage(wsBinary, m); err != nil {
				return
			}
		}
		select {
		case <-s.out.wake:
		case <-readerDone:
			return
		}
	}
}

func sortedIDs(m map[uint32]*pfEnd) []uint32 {
	ids := make([]uint32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// read handles the client's frames until it goes away.
func (s *pfSession) read(in *wsStream) {
	for {
		f, err := readSPDYFrame(in)
		if err != nil {
			return
		}
		if !f.control {
			if e := s.ends[f.stream]; e != nil {
				data, fin := f.payload, f.flags&spdyFlagFin != 0
				s.h.api.Loop().Post(func() { e.recv(data, fin) })
			}
			continue
		}
		switch f.typ {
		case spdySynStream:
			if err := s.synStream(f); err != nil {
				return
			}
		case spdyRstStream:
			if len(f.payload) >= 4 {
				id := binary.BigEndian.Uint32(f.payload) & 0x7fffffff
				if e := s.ends[id]; e != nil {
					// kubectl resets the data stream once it is done.
					delete(s.ends, id)
					s.h.api.Loop().Post(e.recvReset)
				}
			}
		case spdyPing:
			s.out.push(spdyControl(spdyPing, 0, f.payload))
		case spdyGoAway:
			// The client closes the WebSocket next.
		}
	}
}

// synStream accepts a stream the client opens (replying, as the client
// waits for it) and starts forwarding once a request has both its
// streams. A stream without valid headers is reset, as the kubelet does.
func (s *pfSession) synStream(f spdyFrame) error {
	if len(f.payload) < 10 {
		return fmt.Errorf("spdy: short SYN_STREAM")
	}
	id := binary.BigEndian.Uint32(f.payload) & 0x7fffffff
	hdr, err := s.hr.read(f.payload[10:])
	if err != nil {
		return err // the compression context is lost: end the connection
	}
	port, err := strconv.ParseUint(hdr.Get("port"), 10, 16)
	typ := hdr.Get("streamType")
	if err != nil || port < 1 || (typ != "error" && typ != "data") {
		s.out.push(spdyRst(id, spdyRstCancel))
		return nil
	}
	s.out.push(spdyControl(spdySynReply, 0, append(binary.BigEndian.AppendUint32(nil, id), s.hw.write(http.Header{})...)))
	reqID := hdr.Get("requestID")
	p := s.pairs[reqID]
	if p == nil {
		p = &pfPair{port: int32(port)}
		s.pairs[reqID] = p
	}
	if typ == "error" {
		p.errStream = id
	} else {
		// The data stream's end takes what the client sends from now
		// on, whichever of the two streams comes first.
		p.dataStream = id
		s.ends[id] = &pfEnd{s: s, id: id}
	}
	if p.errStream == 0 || p.dataStream == 0 {
		return nil
	}
	delete(s.pairs, reqID)
	e := s.ends[p.dataStream]
	e.errID = p.errStream
	s.h.api.Loop().Post(func() { e.start(p.port) })
	return nil
}

// pfEnd is the client's end of a forwarded connection, a network.Stream
// spliced to the pod's: used in the loop only.
type pfEnd struct {
	inbound
	s         *pfSession
	id, errID uint32
	finSent   bool
	errClosed bool
}

// start connects to the pod's port and splices; a failure is reported on
// the error stream, as the kubelet writes it.
func (e *pfEnd) start(port int32) {
	st, err := e.s.h.api.PodPortForward(e.s.ns, e.s.pod, port)
	if err != nil {
		msg, _ := json.Marshal(struct {
			CloseConnection bool   `json:"closeConnection,omitempty"`
			Message         string `json:"message,omitempty"`
		}{true, err.Error()})
		e.s.out.push(spdyData(e.errID, 0, append(msg, '\n')))
		e.endErrorStream()
		e.Close()
		return
	}
	network.Splice(e, st, e.endErrorStream)
}

func (e *pfEnd) endErrorStream() {
	if !e.errClosed {
		e.errClosed = true
		e.s.out.push(spdyData(e.errID, spdyFlagFin, nil))
	}
}

func (e *pfEnd) recvReset() {
	e.reset = true
	e.wake()
}

// Write sends b to the client, never waiting: the queue takes it all.
func (e *pfEnd) Write(b []byte) (int, error) {
	if e.closed || e.reset || e.finSent {
		return 0, network.EPIPE
	}
	for rest := b; len(rest) > 0; {
		n := min(len(rest), pfChunk)
		e.s.out.push(spdyData(e.id, 0, rest[:n]))
		rest = rest[n:]
	}
	return len(b), nil
}

// CloseWrite ends what the client gets (a FIN).
func (e *pfEnd) CloseWrite() {
	if !e.finSent && !e.reset {
		e.finSent = true
		e.s.out.push(spdyData(e.id, spdyFlagFin, nil))
	}
}

func (e *pfEnd) Close() {
	e.CloseWrite()
	e.closed = true
}

// inbound is what a network.Stream in the loop received from the other
// side of the bridge (a client, a request's goroutine), and whom to tell.
type inbound struct {
	in     []byte
	fin    bool // the other side closed its writing
	reset  bool // the other side reset the stream, or went away
	closed bool
	notify func()
}

func (s *inbound) recv(data []byte, fin bool) {
	s.in = append(s.in, data...)
	s.fin = s.fin || fin
	s.wake()
}

func (s *inbound) wake() {
	if s.notify != nil {
		s.notify()
	}
}

// Read is what came: EAGAIN while nothing is there, 0 at its end,
// ECONNRESET after a reset.
func (s *inbound) Read(b []byte) (int, error) {
	switch {
	case s.closed:
		return 0, network.EBADF
	case len(s.in) > 0:
		n := copy(b, s.in)
		s.in = s.in[n:]
		return n, nil
	case s.reset:
		return 0, network.ECONNRESET
	case s.fin:
		return 0, nil
	}
	return 0, network.EAGAIN
}

func (s *inbound) Notify(f func()) { s.notify = f }

// wsStream reads a WebSocket's binary messages as one byte stream (the
// client cuts its SPDY frames anywhere).
type wsStream struct {
	ws  *wsConn
	buf []byte
}

func (r *wsStream) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		op, data, err := r.ws.ReadMessage()
		if err != nil {
			return 0, err
		}
		if op != wsBinary {
			return 0, fmt.Errorf("websocket: a text message in a binary stream")
		}
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
