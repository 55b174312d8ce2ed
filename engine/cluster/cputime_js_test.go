//go:build js || wasip1

package cluster

import (
	"testing"
	"time"
)

// cpuTime is not known to a js/wasm program.
func cpuTime() time.Duration { return 0 }

// startProfile profiles nothing in js/wasm.
func startProfile(testing.TB, string) func() { return func() {} }

// writeHeapProfile profiles nothing in js/wasm.
func writeHeapProfile(testing.TB, string) {}
