package network

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

var (
	guestProf    = flag.String("guestprof", "", "BenchmarkGuestProfile: write where the guests' instructions go to this file")
	guestCallers = flag.String("guestprof.callers", "", "BenchmarkGuestProfile: also count, by caller, the calls of the functions matching this regexp (runtime.newobject, runtime.typeAssert)")
)

// BenchmarkGuestProfile counts the interpreted instructions of the
// busybox client and the nginx server of BenchmarkRequestsThroughService
// per guest function: a function listener reads each module's fuel at
// every call and return and charges what was used since to the function
// on top of the stack (self) and to every function on it (incl). Go's
// wasm code unwinds its stack when a goroutine parks, so a function's
// incl misses the work done after its goroutine resumed; self is exact.
// With -guestprof.callers REGEXP it also counts the calls of the matching
// functions by their caller, to find who allocates (runtime.newobject) or
// converts between interfaces (runtime.typeAssert).
// Function names need images built without -s -w (KUBEPLAY_MODULES):
//
//	go run ./wasmworkloads/build -o /tmp/m/busybox.wasm ./wasmworkloads/busybox  (and servers; cp the others)
//	KUBEPLAY_MODULES=/tmp/m go test ./engine/network -run XXX -bench GuestProfile -benchtime 1x -guestprof /tmp/prof.txt
func BenchmarkGuestProfile(b *testing.B) {
	if *guestProf == "" {
		b.Skip("-guestprof FILE not given")
	}
	p := &guestProfile{self: map[string]map[string]int64{}, incl: map[string]map[string]int64{}, calls: map[string]map[string]int64{},
		callers: map[string]map[string]int64{}, state: map[api.Module]*profState{}}
	if *guestCallers != "" {
		p.callee = regexp.MustCompile(*guestCallers)
	}
	g := newGuestsWith(b, runtime.Options{Listeners: func(module string) experimental.FunctionListenerFactory { return profFactory{p, module} }})
	g.net.SetRouter(fixedRouter{ap("10.96.0.20:80"): {Matched: true, To: ap("10.244.1.3:80")}})
	g.run(b, "node01", "10.244.1.3", "nginx")
	g.loop.AdvanceBy(5 * time.Second)
	const requests = 50
	script := fmt.Sprintf("wget -qO- http://10.96.0.20/ >/dev/null; echo ready; sleep 1; i=0; while [ $i -lt %d ]; do wget -qO- http://10.96.0.20/ >/dev/null || echo failed; i=$((i+1)); done; echo done", requests)
	rt, id := g.run(b, "node02", "10.244.2.2", "busybox", "sh", "-c", script)
	for !strings.Contains(logText(b, rt, id), "ready") {
		g.loop.AdvanceBy(10 * time.Millisecond)
	}
	for _, m := range []map[string]map[string]int64{p.self, p.incl, p.calls, p.callers} {
		clear(m)
	}
	for !strings.Contains(logText(b, rt, id), "done") {
		g.loop.AdvanceBy(time.Second)
	}
	f, err := os.Create(*guestProf)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	p.write(f, 120, requests)
}

type guestProfile struct {
	self, incl, calls map[string]map[string]int64 // module → function → fuel (calls)
	callers           map[string]map[string]int64 // module → "caller -> callee" → calls
	callee            *regexp.Regexp
	state             map[api.Module]*profState
}

type profState struct {
	fuel  api.Global
	last  int64
	stack []string
}

type profFactory struct {
	p      *guestProfile
	module string
}

func (f profFactory) NewFunctionListener(api.FunctionDefinition) experimental.FunctionListener {
	return profListener(f)
}

type profListener profFactory

func add(m map[string]map[string]int64, module, fn string, n int64) {
	if m[module] == nil {
		m[module] = map[string]int64{}
	}
	m[module][fn] += n
}

// tick charges the fuel used since the last event of mod's instance.
func (l profListener) tick(mod api.Module) *profState {
	s := l.p.state[mod]
	if s == nil {
		g := mod.ExportedGlobal(runtime.FuelGlobal)
		if g == nil {
			return nil
		}
		s = &profState{fuel: g, last: int64(g.Get())}
		l.p.state[mod] = s
	}
	now := int64(s.fuel.Get())
	used := s.last - now
	s.last = now
	if used > 0 && len(s.stack) > 0 { // used < 0: the runtime gave more fuel
		add(l.p.self, l.module, s.stack[len(s.stack)-1], used)
		for i, fn := range s.stack {
			if !slices.Contains(s.stack[:i], fn) {
				add(l.p.incl, l.module, fn, used)
			}
		}
	}
	return s
}

func (l profListener) Before(_ context.Context, mod api.Module, def api.FunctionDefinition, _ []uint64, _ experimental.StackIterator) {
	if s := l.tick(mod); s != nil {
		if l.p.callee != nil && len(s.stack) > 0 && l.p.callee.MatchString(def.DebugName()) {
			add(l.p.callers, l.module, s.stack[len(s.stack)-1]+" -> "+def.DebugName(), 1)
		}
		s.stack = append(s.stack, def.DebugName())
		add(l.p.calls, l.module, def.DebugName(), 1)
	}
}

func (l profListener) After(_ context.Context, mod api.Module, _ api.FunctionDefinition, _ []uint64) {
	l.pop(mod)
}

func (l profListener) Abort(_ context.Context, mod api.Module, _ api.FunctionDefinition, _ error) {
	l.pop(mod)
}

func (l profListener) pop(mod api.Module) {
	if s := l.tick(mod); s != nil && len(s.stack) > 0 {
		s.stack = s.stack[:len(s.stack)-1]
	}
}

// write prints each module's top functions by incl and by self, per
// request.
func (p *guestProfile) write(w io.Writer, top int, per int64) {
	for _, module := range slices.Sorted(maps.Keys(p.self)) {
		var total int64
		for _, v := range p.self[module] {
			total += v
		}
		fmt.Fprintf(w, "== %s: %d instructions a request\n", module, total/per)
		for _, by := range []struct {
			name string
			m    map[string]int64
		}{{"incl", p.incl[module]}, {"self", p.self[module]}} {
			fmt.Fprintf(w, "-- by %s: self incl calls function (a request)\n", by.name)
			fns := slices.SortedFunc(maps.Keys(by.m), func(a, b string) int { return cmp.Or(cmp.Compare(by.m[b], by.m[a]), cmp.Compare(a, b)) })
			for _, fn := range fns[:min(top, len(fns))] {
				fmt.Fprintf(w, "%9d %9d %6d %s\n", p.self[module][fn]/per, p.incl[module][fn]/per, p.calls[module][fn]/per, fn)
			}
		}
		if edges := p.callers[module]; len(edges) > 0 {
			fmt.Fprintf(w, "-- calls of %s by caller (a request, in hundredths)\n", p.callee)
			for _, e := range slices.SortedFunc(maps.Keys(edges), func(a, b string) int { return cmp.Or(cmp.Compare(edges[b], edges[a]), cmp.Compare(a, b)) }) {
				fmt.Fprintf(w, "%9d %s\n", edges[e]*100/per, e)
			}
		}
	}
}
