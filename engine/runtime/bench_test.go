package runtime

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkContainerStart measures a container's start, from created to
// running its program: for busybox, until `sh -c 'sleep 3600'` sleeps,
// for pause until it sleeps. The module is compiled beforehand, as a
// node's pulled image is, and its snapshot made (snapshot.go); busybox
// from-scratch runs the Go runtime's start in each container instead. It
// reports the median and the 95th percentile.
func BenchmarkContainerStart(b *testing.B) {
	for _, tc := range []struct {
		name, image string
		args        []string
		scratch     bool
	}{
		{"busybox", "busybox", []string{"sh", "-c", "sleep 3600"}, false},
		{"busybox-from-scratch", "busybox", []string{"sh", "-c", "sleep 3600"}, true},
		{"registry.k8s.io/pause", "registry.k8s.io/pause", nil, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFixtureWith(b, func(o *Options) { o.NoSnapshots = tc.scratch })
			cfg := ContainerConfig{Name: "c", Args: tc.args}
			f.rt.PullImage(tc.image, func(i Image, _ time.Duration, err error) { cfg.Image = i })
			f.loop.AdvanceBy(10 * time.Second)
			if m, err := f.rt.engine.load(cfg.Image.Config.Module); err == nil && m.reactor != nil {
				f.rt.engine.snapshot(m.reactor, m.compiled)
			}
			var took []time.Duration
			for b.Loop() {
				id, err := f.rt.CreateContainer(cfg)
				require.NoError(b, err)
				start := time.Now()
				require.NoError(b, f.rt.StartContainer(id))
				f.loop.AdvanceBy(time.Second)
				took = append(took, time.Since(start))
				f.rt.RemoveContainer(id)
			}
			reportPercentiles(b, took)
		})
	}
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}
