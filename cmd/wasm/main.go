//go:build js && wasm

// Command wasm is the engine as it runs in the browser: inside a Web
// Worker, it starts a cluster and a shell, paces virtual time by the wall
// clock, and answers the page's commands through the bridge described in
// docs/bridge.md. Only the JavaScript glue lives here; the cluster is the
// same engine that `kubeplay shell` runs natively.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"syscall/js"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/page"
	"github.com/kubeplay/kubeplay/engine/session"
)

// tick is how often the pacer advances the cluster and the page gets a
// batch of what changed. At max speed the engine works in slices (see
// session.Pacer) and gives the worker's thread to JavaScript between
// them (turns), so the worker still takes the page's messages.
const tick = 50 * time.Millisecond

// memoryLimit is the Go heap's soft limit in the browser. A wasm32
// memory ends at 4 GiB and never shrinks; the heap may grow past what is
// live by gcPercent before a collection, so a cluster with 1.5 to 2 GiB
// live could reach the end of the memory and stop the engine. Near the
// limit the collector runs more often instead, leaving the rest of the
// 4 GiB to the runtime's own overhead.
const memoryLimit = 3 << 30

// gcPercent is GOGC in the browser. The wasm memory never shrinks, so the
// heap's peak stays the tab's for good: at the default 100 the memory
// came to about twice the live heap (610 to 620 MB at 10,000 pods, 350 MB
// live), and the tab over 1 GiB. At 50 it is about one and a half times
// (500 to 510 MB), for about 6 % more time to bring the pods up.
const gcPercent = 50

func main() {
	debug.SetMemoryLimit(memoryLimit)
	debug.SetGCPercent(gcPercent)
	host := js.Global().Get("kubeplayHost")
	mark(host, "go-main") // the packages are initialised
	if err := start(host); err != nil {
		host.Call("error", err.Error())
		return
	}
	select {}
}

func start(host js.Value) error {
	cfg := host.Get("config")
	src, err := newFetchSource(cfg.Get("images"))
	if err != nil {
		return err
	}
	o, err := readOpened(cfg)
	if err != nil {
		return err
	}
	store := memoryStorage()
	switch {
	case o.fresh():
	case jsString(cfg, "busy") == "1":
		store.warnings = []string{"Your cluster is open in another tab of this browser, and one tab at a time keeps it: this tab runs a new cluster of its own, in memory, until it closes. Close the other tab and reload this one to have your cluster here."}
	default:
		store = openStorage()
	}
	mark(host, "storage")
	seed := uint64(1)
	if v := cfg.Get("seed"); v.Type() == js.TypeNumber {
		seed = uint64(v.Int())
	}
	speed := session.Speed(1)
	if v := cfg.Get("speed"); v.Type() == js.TypeString {
		if sp, err := session.ParseSpeed(v.String()); err == nil {
			speed = sp
		}
	}
	s, replayed, err := o.start(session.Config{
		Cluster: cluster.Config{Seed: seed, Workers: 2, Start: time.Now().UTC().Truncate(time.Second), Modules: src, Data: store.cluster, DataDir: "."},
		FS:      store.home,
		Dir:     "/root",
		Env: []string{
			"HOME=/root", "USER=root", "HOSTNAME=" + cluster.ControlPlaneName, "TERM=xterm-256color",
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PWD=/root",
		},
	})
	if err != nil {
		return fmt.Errorf("the cluster did not start: %w", err)
	}
	mark(host, "session")
	pacer := s.Pace(time.Now, float64(speed))
	if err := o.follow(host, s); err != nil {
		return err
	}
	pg := page.New(page.Config{Session: s, Pacer: pacer, Home: s.FS(), HomeDir: "root"})
	b := &bridge{host: host, s: s, page: pg, running: map[int]context.CancelFunc{}, terms: map[int]*session.Terminal{}, calls: make(chan string, 256)}
	go b.serve()
	go run(host, pacer, pg, b)
	js.Global().Set("kubeplayEngine", js.ValueOf(map[string]any{
		"exec":      js.FuncOf(b.exec),
		"interrupt": js.FuncOf(b.interrupt),
		"call":      js.FuncOf(b.call),
		"input":     js.FuncOf(b.input),
		"complete":  js.FuncOf(b.complete),
	}))
	rep := s.Cluster().Restored()
	warnings := append(store.warnings, rep.Dropped...)
	ready := map[string]any{
		"nodes":    len(s.Cluster().Nodes()),
		"version":  apiserver.Version,
		"restored": rep.Restored,
		"setAside": rep.SetAside,
		"memory":   store.memory,
		"speed":    speed.String(),
		"warnings": toJS(warnings),
		"replayed": replayed,
		"scenario": o.info(),
	}
	host.Call("ready", js.ValueOf(ready))
	return nil
}

// mark notes a moment of the engine's start (worker.js, for the
// measures).
func mark(host js.Value, name string) {
	if f := host.Get("mark"); f.Type() == js.TypeFunction {
		host.Call("mark", name)
	}
}

// run paces the cluster and hands the page a batch after each step.
func run(host js.Value, pacer *session.Pacer, pg *page.Page, b *bridge) {
	var unsaved error
	turn := newTurns(host)
	for {
		if pacer.Speed() == session.Max {
			turn.yield()
		} else {
			time.Sleep(tick)
		}
		pacer.Step()
		b.flushOutput()
		if batch := pg.Flush(); batch != nil {
			host.Call("batch", string(batch))
		}
		unsaved = tellSaving(host, unsaved, pacer.Err())
	}
}

// turns gives the worker's thread to JavaScript between two steps at max
// speed: the worker's own message channel (web/src/worker.js, yield)
// calls back once the tasks queued before it (the page's messages,
// IndexedDB's callbacks) have run. A sleep did the same but took at least
// 4 ms, the browsers' floor for a timer set from a timer: about 9 % of
// the thread beside steps of 40 ms.
type turns struct {
	host    js.Value
	resume  js.Func
	resumed chan struct{}
}

func newTurns(host js.Value) *turns {
	t := &turns{host: host, resumed: make(chan struct{}, 1)}
	t.resume = js.FuncOf(func(js.Value, []js.Value) any {
		t.resumed <- struct{}{}
		return nil
	})
	return t
}

// yield returns once JavaScript has had its turn.
func (t *turns) yield() {
	if t.host.Get("yield").Type() != js.TypeFunction {
		time.Sleep(4 * time.Millisecond)
		return
	}
	t.host.Call("yield", t.resume)
	<-t.resumed
}

// tellSaving tells the page when the browser starts refusing to store the
// cluster (its quota is full, say) and when it stores it again. What could
// not be written waits in memory and is written at the next step that
// can, so nothing is lost unless the tab closes meanwhile.
func tellSaving(host js.Value, was, now error) error {
	switch {
	case was == nil && now != nil:
		host.Call("notice", fmt.Sprintf("This browser refused to save the cluster (%v). What you do is kept in this tab and saved as soon as the browser has room again; if the tab closes before then, it is lost. Free some space (other sites' data) or reset the cluster.", now))
	case was != nil && now == nil:
		host.Call("notice", "The cluster is saved again: nothing was lost.")
	}
	return now
}

func toJS(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// bridge runs the page's commands, one goroutine each: a js.Func must
// return at once, and a command may wait on the cluster.
type bridge struct {
	host    js.Value
	s       *session.Session
	page    *page.Page
	calls   chan string // the page's requests, answered in order
	mu      sync.Mutex
	running map[int]context.CancelFunc
	terms   map[int]*session.Terminal // what is typed while a command runs
	writers []*outputWriter           // the running commands' output, flushed at each step
	queue   sync.Mutex                // commands run one at a time, in order
}

func (b *bridge) exec(this js.Value, args []js.Value) any {
	id, line := args[0].Int(), args[1].String()
	ctx, cancel := context.WithCancel(context.Background())
	term := session.NewTerminal()
	out := &outputWriter{host: b.host, id: id}
	term.OnRead(func() {
		out.Flush() // what was printed before the prompt it reads after
		b.host.Call("reading", id)
	})
	b.mu.Lock()
	b.running[id], b.terms[id] = cancel, term
	b.mu.Unlock()
	go func() {
		b.queue.Lock()
		defer b.queue.Unlock()
		b.mu.Lock()
		b.writers = append(b.writers, out)
		b.mu.Unlock()
		code := b.s.ExecTerminal(ctx, line, term, out, out)
		term.Close()
		b.mu.Lock()
		delete(b.running, id)
		delete(b.terms, id)
		b.mu.Unlock()
		cancel()
		out.Detach()
		b.mu.Lock()
		b.writers = slices.DeleteFunc(b.writers, func(w *outputWriter) bool { return w == out })
		b.mu.Unlock()
		b.host.Call("exit", id, code)
	}()
	return nil
}

func (b *bridge) interrupt(this js.Value, args []js.Value) any {
	id := args[0].Int()
	b.mu.Lock()
	cancel, ok := b.running[id]
	term := b.terms[id]
	b.mu.Unlock()
	if ok {
		cancel()
	}
	if term != nil {
		term.Close() // a command waiting for input wakes to its end
	}
	b.s.Shell().Reset()
	return nil
}

// input passes what the user typed while command id runs (kubectl exec
// -it reads it); input(id) without text is the end of the input (Ctrl-D).
func (b *bridge) input(this js.Value, args []js.Value) any {
	if len(args) < 1 || args[0].Type() != js.TypeNumber {
		return "kubeplayEngine.input takes a command id and text"
	}
	b.mu.Lock()
	term := b.terms[args[0].Int()]
	b.mu.Unlock()
	if term == nil {
		return nil
	}
	if len(args) < 2 || args[1].Type() != js.TypeString {
		term.Close()
		return nil
	}
	_, _ = term.Write([]byte(args[1].String()))
	return nil
}

// complete answers what Tab completes in a line (the shell's Complete),
// through host.completion(id, JSON), from a goroutine: it may wait for
// the cluster.
func (b *bridge) complete(this js.Value, args []js.Value) any {
	if len(args) != 3 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeString || args[2].Type() != js.TypeNumber {
		return "kubeplayEngine.complete takes an id, a line and a cursor"
	}
	id, line, cursor := args[0].Int(), args[1].String(), args[2].Int()
	go func() {
		c, _ := json.Marshal(b.s.Shell().Complete(line, cursor))
		b.host.Call("completion", id, string(c))
	}()
	return nil
}

// outputWriter gathers a command's output and sends it to the page in
// one message at the end of the command, at each step of the pacer (so a
// watch or a follow shows its lines as they come), before the command
// reads what is typed, and whenever 64 KiB are waiting. A message per
// Write cost a table of 1,000 rows a thousand messages and as many writes
// to the terminal: some 30 ms. Once the command has ended (Detach), what
// its background jobs write goes out at once.
type outputWriter struct {
	host     js.Value
	id       int
	mu       sync.Mutex
	buf      []byte
	detached bool
}

const outputChunk = 64 << 10

func (w *outputWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf = append(w.buf, p...)
	now := w.detached || len(w.buf) >= outputChunk
	w.mu.Unlock()
	if now {
		w.Flush()
	}
	return len(p), nil
}

// Flush sends what is waiting.
func (w *outputWriter) Flush() {
	w.mu.Lock()
	data := w.buf
	w.buf = nil
	w.mu.Unlock()
	if len(data) > 0 {
		w.host.Call("output", w.id, string(data))
	}
}

// Detach flushes and sends whatever comes later at once.
func (w *outputWriter) Detach() {
	w.mu.Lock()
	w.detached = true
	w.mu.Unlock()
	w.Flush()
}

// flushOutput sends the running commands' waiting output.
func (b *bridge) flushOutput() {
	b.mu.Lock()
	ws := slices.Clone(b.writers)
	b.mu.Unlock()
	for _, w := range ws {
		w.Flush()
	}
}

// call takes a request for the page package (docs/bridge.md): a JSON
// string, answered in order by serve through host.reply.
func (b *bridge) call(this js.Value, args []js.Value) any {
	if len(args) != 1 || args[0].Type() != js.TypeString {
		return "kubeplayEngine.call takes one JSON string"
	}
	select {
	case b.calls <- args[0].String():
		return nil
	default:
		return "the engine is busy: too many requests are waiting"
	}
}

func (b *bridge) serve() {
	for msg := range b.calls {
		reply, err := api.Marshal(b.page.Handle([]byte(msg)))
		if err != nil {
			reply, _ = json.Marshal(page.Reply{Type: "reply", Error: err.Error()})
		}
		b.host.Call("reply", string(reply))
	}
}
