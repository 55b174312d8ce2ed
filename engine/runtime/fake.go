package runtime

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// FakeName is the runtime of a fake node, as its node's status names it
// and as its containers' IDs begin ("fake://").
const FakeName = "fake"

// Fake is the container runtime of a fake node: it keeps containers'
// states as a runtime does, but runs no program, as kwok's fake kubelet
// does, so that a scale experiment of thousands of pods costs no guest.
// Its images resolve through the engine's registry (an unknown image
// still fails to pull) without being fetched or compiled.
//
// A started container runs until it is stopped, unless it was created
// with Completes (an init container, a container of a pod whose restart
// policy lets it end): then it exits 0 at once. A stopped container exits
// at once as a program that handles SIGTERM does (0), or is killed (137)
// with no grace period. A command run in a container (an exec probe or
// hook) succeeds and prints nothing; its logs are empty and it uses no
// CPU or memory.
type Fake struct {
	engine     *Engine
	loop       *loop.Loop
	rand       *rand.Rand
	images     map[string]Image
	containers map[string]*fakeContainer
	onExit     func(id string)
}

type fakeContainer struct {
	id                      string
	cfg                     ContainerConfig
	state                   State
	code                    int32
	reason                  string
	created, started, ended time.Time
}

var _ ContainerRuntime = (*Fake)(nil)

// Fakes returns the factory of fake nodes' runtimes over the engine's
// registry.
func (e *Engine) Fakes() Factory { return fakeFactory{e} }

type fakeFactory struct{ e *Engine }

func (f fakeFactory) NewRuntime(_ string, l *loop.Loop, rng *rand.Rand, onExit func(id string)) ContainerRuntime {
	return &Fake{engine: f.e, loop: l, rand: rng, images: map[string]Image{}, containers: map[string]*fakeContainer{}, onExit: onExit}
}

// ImageStatus implements ImageService.
func (r *Fake) ImageStatus(ref string) (Image, bool) {
	img, ok := r.images[api.NormalizeImage(ref)]
	return img, ok
}

// ListImages implements ImageService.
func (r *Fake) ListImages() []Image {
	out := slices.Collect(maps.Values(r.images))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Preload implements ImageService.
func (r *Fake) Preload(ref string) error {
	img, err := r.engine.resolve(ref)
	if err != nil {
		return err
	}
	r.images[img.Name] = img
	return nil
}

// PullImage implements ImageService: the pull takes the modeled time of
// the real runtime's, and fetches nothing.
func (r *Fake) PullImage(ref string, done func(Image, time.Duration, error)) {
	img, err := r.engine.resolve(ref)
	if err != nil {
		r.loop.After(200*time.Millisecond, func() { done(Image{}, 0, err) })
		return
	}
	d := pullDuration(img.Size)
	r.loop.After(d, func() {
		r.images[img.Name] = img
		done(img, d, nil)
	})
}

// RemoveImage implements ImageService.
func (r *Fake) RemoveImage(ref string) { delete(r.images, api.NormalizeImage(ref)) }

// CreateContainer implements RuntimeService.
func (r *Fake) CreateContainer(cfg ContainerConfig) (string, error) {
	if _, ok := r.images[cfg.Image.Name]; !ok {
		return "", fmt.Errorf("image %q not present on node", cfg.Image.Ref)
	}
	var b [32]byte
	for i := range b {
		b[i] = byte(r.rand.UintN(256))
	}
	id := fmt.Sprintf("%x", b)
	// Only what a fake container reports is kept: its environment, files
	// and mounts would be 10,000 pods' worth of memory nothing reads.
	kept := ContainerConfig{Name: cfg.Name, Image: cfg.Image, Completes: cfg.Completes}
	r.containers[id] = &fakeContainer{id: id, cfg: kept, state: Created, created: r.loop.Now()}
	return id, nil
}

// StartContainer implements RuntimeService.
func (r *Fake) StartContainer(id string) error {
	c, ok := r.containers[id]
	if !ok {
		return ErrNotFound
	}
	if c.state != Created {
		return fmt.Errorf("container %s is not in created state", id)
	}
	c.state, c.started = Running, r.loop.Now()
	if c.cfg.Completes {
		r.loop.Post(func() { r.exit(c, 0) })
	}
	return nil
}

// exit ends a running container and tells the kubelet.
func (r *Fake) exit(c *fakeContainer, code int32) {
	if c.state != Running {
		return
	}
	c.state, c.code, c.reason, c.ended = Exited, code, exitReason(code), r.loop.Now()
	if r.onExit != nil {
		r.loop.Post(func() { r.onExit(c.id) })
	}
}

// StopContainer implements RuntimeService.
func (r *Fake) StopContainer(id string, grace time.Duration) {
	if c, ok := r.containers[id]; ok {
		code := int32(0)
		if grace <= 0 {
			code = 137
		}
		r.exit(c, code)
	}
}

// RemoveContainer implements RuntimeService.
func (r *Fake) RemoveContainer(id string) {
	if c, ok := r.containers[id]; ok && c.state == Running {
		c.state, c.code, c.reason, c.ended = Exited, 137, "Error", r.loop.Now()
	}
	delete(r.containers, id)
}

// ContainerStatus implements RuntimeService.
func (r *Fake) ContainerStatus(id string) (ContainerStatus, bool) {
	c, ok := r.containers[id]
	if !ok {
		return ContainerStatus{}, false
	}
	return ContainerStatus{
		ID: FakeName + "://" + c.id, Name: c.cfg.Name, State: c.state, ExitCode: c.code, Reason: c.reason,
		CreatedAt: c.created, StartedAt: c.started, FinishedAt: c.ended, Image: c.cfg.Image,
	}, true
}

// ContainerStats implements RuntimeService: a fake container uses
// nothing.
func (r *Fake) ContainerStats(id string) (ContainerStats, bool) {
	if _, ok := r.containers[id]; !ok {
		return ContainerStats{}, false
	}
	return ContainerStats{Timestamp: r.loop.Now()}, true
}

// ExecSync implements RuntimeService: the command succeeds at once and
// prints nothing.
func (r *Fake) ExecSync(ctx context.Context, id string, req ExecRequest) error {
	c, ok := r.containers[id]
	if !ok {
		return ErrNotFound
	}
	if c.state != Running {
		return ErrNotRunning
	}
	if req.Done != nil {
		r.loop.Post(func() { req.Done(ExecResult{}) })
	}
	return nil
}

// Logs implements RuntimeService: a fake container writes nothing.
func (r *Fake) Logs(id string) ([]LogLine, error) {
	if _, ok := r.containers[id]; !ok {
		return nil, ErrNotFound
	}
	return nil, nil
}

// PowerOff implements RuntimeService.
func (r *Fake) PowerOff() {
	for _, id := range slices.Sorted(maps.Keys(r.containers)) {
		if c := r.containers[id]; c.state == Running {
			c.state, c.code, c.reason, c.ended = Exited, 137, "Error", r.loop.Now()
		}
	}
	r.containers = map[string]*fakeContainer{}
}
