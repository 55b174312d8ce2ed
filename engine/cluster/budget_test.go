package cluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// The short version of `make bench` that `make test` runs: a small scale
// scenario (BenchmarkScale's: 300 pods on 30 fake nodes to Available, 100
// of them deleted and replaced, a rolling update), whose cost is counted in API requests and virtual
// time rather than timed, so that it cannot be flaky. The budgets are
// five times what the engine made when they were recorded: a change that
// makes the cluster do several times the work for the same result fails
// here, and one that makes it cheaper should lower them.
var scaleBudget = struct {
	writes, reads int           // API requests of every component
	virtual       time.Duration // the cluster's time from the Deployment's creation to Available
}{
	writes:  5 * 14_709, // recorded 2026-11-30
	reads:   5 * 11_760,
	virtual: 5 * 400 * time.Millisecond,
}

func TestScaleBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("a scale scenario")
	}
	sc := scaleCase{name: "budget", fake: 30, pods: 300, churn: 100, rollout: true}
	c, err := New(Config{Seed: 1, FakeNodes: sc.fake, NodeCPU: "4", NodeMemory: "32Gi", Modules: runtime.NewFSSource(wasmtest.Modules(t))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	counts := map[string]int{}
	writes, reads := 0, 0
	c.Observe(func(r client.Request) {
		if r.Component == "bench" {
			return // the test's own looks
		}
		counts[r.Verb+" "+r.Resource.Resource+subresource(r.Subresource)]++
		switch r.Verb {
		case "get", "list", "watch":
			reads++
		default:
			writes++
		}
	})
	cl := c.Client("bench")
	vstart := c.Now()
	d, err := client.Create(cl, pauseDeployment(sc))
	require.NoError(t, err)
	require.True(t, c.Loop().RunUntil(func() bool { return rolledOut(cl, d.Generation, sc.pods) }, c.Now().Add(time.Hour)))
	virtual := c.Now().Sub(vstart)
	ok := assert.LessOrEqual(t, virtual, scaleBudget.virtual, "virtual time to Available")
	_, _ = churnAndRoll(t, c, cl, sc, d.Generation)
	ok = assert.LessOrEqual(t, writes, scaleBudget.writes, "API writes") && ok
	ok = assert.LessOrEqual(t, reads, scaleBudget.reads, "API reads") && ok
	if !ok || testing.Verbose() {
		t.Logf("virtual %v, %d writes, %d reads:\n%s", virtual, writes, reads, countLines(counts))
	}
}

func subresource(s string) string {
	if s == "" {
		return ""
	}
	return "/" + s
}

func countLines(counts map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%8d %s\n", counts[k], k)
	}
	return b.String()
}
