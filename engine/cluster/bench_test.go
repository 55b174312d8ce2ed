package cluster

import (
	"testing"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// BenchmarkBoot measures bringing a three-node cluster up, from nothing to
// every node Ready and every system pod running.
func BenchmarkBoot(b *testing.B) {
	modules := wasmtest.Modules(b)
	for b.Loop() {
		c, err := New(Config{Seed: 1, Workers: 2, Modules: runtime.NewFSSource(modules)})
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Close()
	}
}
