//go:build js

// Command sweeping counts how long JavaScript waits while the background
// sweeper sweeps a heap of about 100 MB of dead objects: it sleeps a
// millisecond a hundred times and prints the longest run of sleeps with
// no turn of JavaScript between them (a setImmediate loop counts the
// turns).
package main

import (
	"fmt"
	"runtime/metrics"
	"syscall/js"
	"time"
)

type node struct {
	next *node
	refs [6]*int
}

var live *node

func cycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func main() {
	js.Global().Call("eval", `globalThis.turns = 0; globalThis.turning = true; (function f() { globalThis.turns++; if (globalThis.turning) setImmediate(f) })()`)
	turns := func() int { return js.Global().Get("turns").Int() }
	for range 1_500_000 {
		live = &node{next: live}
	}
	live = nil
	// Allocate until a cycle has ended, then idle: the dead spans are
	// swept in the background.
	c := cycles()
	for cycles() < c+1 {
		for range 1000 {
			live = &node{}
		}
	}
	longest, run := 0, 0
	last := turns()
	for range 100 {
		time.Sleep(time.Millisecond)
		if now := turns(); now == last {
			run++
			longest = max(longest, run)
		} else {
			run = 0
			last = now
		}
	}
	js.Global().Set("turning", false)
	fmt.Printf("longest run of sleeps without a turn: %d\n", longest)
}
