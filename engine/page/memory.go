package page

import (
	"encoding/json"
	"runtime/metrics"
)

// MemoryResult is the engine's own memory, as the Go runtime counts it:
// Total is every byte the runtime took from the system, which in the
// browser is the wasm linear memory in use (it only grows); HeapLive the
// heap the last collection found live; HeapGoal the size at which the
// next collection ends. They are the host's figures, not the cluster's:
// nothing the cluster does reads them.
type MemoryResult struct {
	Total    uint64 `json:"total"`
	HeapLive uint64 `json:"heapLive"`
	HeapGoal uint64 `json:"heapGoal"`
	Cycles   uint64 `json:"cycles"`
}

// memoryMetrics are the runtime/metrics samples MemoryResult reads, in
// its fields' order.
var memoryMetrics = []string{"/memory/classes/total:bytes", "/gc/heap/live:bytes", "/gc/heap/goal:bytes", "/gc/cycles/total:gc-cycles"}

// opMemory reads the engine's memory figures; it takes no arguments.
func (p *Page) opMemory(_ int, raw json.RawMessage) (any, error) {
	var a struct{}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	return readMemory(), nil
}

func readMemory() MemoryResult {
	samples := make([]metrics.Sample, len(memoryMetrics))
	for i, name := range memoryMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return samples[i].Value.Uint64()
	}
	return MemoryResult{Total: v(0), HeapLive: v(1), HeapGoal: v(2), Cycles: v(3)}
}
