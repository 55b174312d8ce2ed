//go:build js

// Command stepping runs a loop as the engine's worker does at max speed,
// about 5 ms of work then a 4 ms sleep, over a live heap of about 100 MB
// while its garbage starts collections, and prints the longest run of
// steps with no turn of JavaScript between them.
package main

import (
	"fmt"
	"runtime"
	"syscall/js"
	"time"
)

type node struct {
	next *node
	refs [6]*int
}

var live *node
var sink []*node

func main() {
	for range 1_500_000 {
		live = &node{next: live}
	}
	// Each time JavaScript resumes Go (a timer, a callback), Go had given
	// it the thread: count those.
	js.Global().Call("eval", `globalThis.turns = 0; const resume = Go.prototype._resume; Go.prototype._resume = function () { globalThis.turns++; return resume.call(this); }`)
	time.Sleep(20 * time.Millisecond)
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	cycles := stats.NumGC
	longest, run := 0, 0
	last := js.Global().Get("turns").Int()
	for start := time.Now(); time.Since(start) < 3*time.Second; {
		for t := time.Now(); time.Since(t) < 5*time.Millisecond; {
			sink = append(sink[:0], make([]*node, 2048)...) // garbage with pointers
			for i := range 256 {
				sink[i] = &node{}
			}
		}
		time.Sleep(4 * time.Millisecond)
		if turns := js.Global().Get("turns").Int(); turns == last {
			run++
			longest = max(longest, run)
		} else {
			run, last = 0, turns
		}
	}
	runtime.ReadMemStats(&stats)
	if stats.NumGC == cycles {
		fmt.Println("no collection ran")
		return
	}
	fmt.Printf("longest run of steps without a turn: %d\n", longest)
	runtime.KeepAlive(live)
}
