//go:build js

// Command marking counts JavaScript's turns during a collection of a large
// heap: it builds about 100 MB of linked objects, starts a JavaScript
// interval that counts its runs, and prints how many ran while
// runtime.GC() marked the heap.
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

func main() {
	for range 1_500_000 {
		live = &node{next: live}
	}
	js.Global().Call("eval", `globalThis.turns = 0; globalThis.turnTimer = setInterval(() => { globalThis.turns++ }, 0)`)
	time.Sleep(20 * time.Millisecond) // the interval runs
	before := js.Global().Get("turns").Int()
	runtime.GC()
	during := js.Global().Get("turns").Int() - before
	js.Global().Call("clearInterval", js.Global().Get("turnTimer"))
	fmt.Printf("turns during the collection: %d\n", during)
	runtime.KeepAlive(live)
}
