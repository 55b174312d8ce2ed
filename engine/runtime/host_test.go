package runtime

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kubeplay/kubeplay/engine/loop"
)

func init() { catalog["kubeplay.test/waiter"] = ImageConfig{Module: "waiter"} }

// A host module parks its caller until a loop task wakes it, and knows the
// caller's pod.
func TestHostModuleParksItsCaller(t *testing.T) {
	var wake func()
	var seen []Sandbox
	wait := HostModule{
		Name: "kubeplay_test",
		Define: func(b wazero.HostModuleBuilder) {
			b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, _ []uint64) {
				g := GuestFrom(ctx)
				seen = append(seen, g.Sandbox())
				g.Block(func(w func()) { wake = w })
			}), nil, nil).Export("wait")
		},
	}
	f := &fixture{loop: loop.New(epoch)}
	e := NewEngine(NewFSSource(testModules(t)), Options{HostModules: []HostModule{wait}})
	t.Cleanup(func() { _ = e.Close() })
	f.rt = New("node01", e, f.loop, rand.New(rand.NewPCG(1, 1)), func(id string) { f.exited = append(f.exited, id) })
	sandbox := Sandbox{PodUID: "uid-1", PodNamespace: "default", PodName: "p", Network: "netns-1"}
	id := f.start(t, ContainerConfig{Name: "c", Sandbox: sandbox}, "kubeplay.test/waiter")
	f.loop.AdvanceBy(time.Hour)
	require.NotNil(t, wake)
	assert.Equal(t, []Sandbox{sandbox}, seen)
	lines, _ := f.rt.Logs(id)
	assert.Empty(t, lines, "parked")
	f.loop.Post(wake)
	f.loop.AdvanceBy(time.Second)
	lines, _ = f.rt.Logs(id)
	require.Len(t, lines, 1)
	assert.Equal(t, "woken", lines[0].Text)
	s, _ := f.rt.ContainerStatus(id)
	assert.Equal(t, Exited, s.State)
}
