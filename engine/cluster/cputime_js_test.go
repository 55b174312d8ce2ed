//go:build js || wasip1

package cluster

import "time"

// cpuTime is not known to a js/wasm program.
func cpuTime() time.Duration { return 0 }
