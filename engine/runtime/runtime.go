// Package runtime is the container runtime of a node, behind a small
// CRI-like interface: it pulls images (WASI modules), creates, starts and
// stops containers, keeps their logs and reports their state.
//
// A container is a WASI module run by wazero as a coroutine of the cluster's
// event loop: the guest runs until it sleeps or exits, then control returns
// to the loop; a sleep wakes on the virtual clock. Exactly one thing runs at
// a time, so containers are as deterministic as the rest of the cluster.
package runtime

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Name and Version identify the runtime in the node's status.
const (
	Name    = "wasm"
	Version = "wazero-1.12.0"
)

// State is a container's lifecycle state, as the CRI's.
type State int

// Container states.
const (
	Created State = iota
	Running
	Exited
)

// ContainerStatus is what the runtime reports about a container.
type ContainerStatus struct {
	ID         string // "wasm://<hex>"
	Name       string
	State      State
	ExitCode   int32
	Reason     string // for Exited: Completed, Error, OOMKilled, StartError
	Message    string
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Image      Image
}

// Runtime is one node's container runtime, on wazero.
type Runtime struct {
	node       string
	engine     *Engine
	loop       *loop.Loop
	rand       *rand.Rand
	images     map[string]Image
	containers map[string]*container
	onExit     func(id string)
	boot       time.Time // the node's monotonic clock counts from here
}

// uptimeAtStart is how long a node has been up when its runtime starts.
const uptimeAtStart = 30 * time.Second

var _ ContainerRuntime = (*Runtime)(nil)

// New returns a node's runtime. onExit is called, as a loop task, when a
// container exits (the kubelet's lifecycle event generator listens).
func New(node string, e *Engine, l *loop.Loop, rng *rand.Rand, onExit func(id string)) *Runtime {
	return &Runtime{node: node, engine: e, loop: l, rand: rng, images: map[string]Image{}, containers: map[string]*container{}, onExit: onExit, boot: l.Now().Add(-uptimeAtStart)}
}

// Errors of the runtime.
var (
	ErrNotFound         = errors.New("container not found")
	ErrNotRunning       = errors.New("container is not running")
	ErrExecTimeout      = errors.New("command timed out")
	ErrContainerStopped = errors.New("container stopped")
)

// ImageStatus returns the image if it is present on the node.
func (r *Runtime) ImageStatus(ref string) (Image, bool) {
	img, ok := r.images[api.NormalizeImage(ref)]
	return img, ok
}

// ListImages returns the node's images, sorted by name.
func (r *Runtime) ListImages() []Image {
	out := make([]Image, 0, len(r.images))
	for _, img := range r.images {
		out = append(out, img)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Preload makes an image present without a pull, as images baked into a
// node's disk are (kubeadm pre-pulls the control plane's).
func (r *Runtime) Preload(ref string) error {
	img, err := r.resolve(ref)
	if err != nil {
		return err
	}
	if _, err := r.engine.load(img.Config.Module); err != nil {
		return err
	}
	r.images[img.Name] = img
	return nil
}

func (r *Runtime) resolve(ref string) (Image, error) { return r.engine.resolve(ref) }

// resolve finds an image in the engine's registry, without fetching it.
func (e *Engine) resolve(ref string) (Image, error) {
	cfg, ok := e.LookupImage(ref)
	if !ok {
		return Image{}, e.ImageNotFound(ref)
	}
	mod, ok := e.Stat(cfg.Module)
	if !ok {
		return Image{}, fmt.Errorf("image %s: module %s is missing from this build", ref, cfg.Module)
	}
	name := api.NormalizeImage(ref)
	return Image{Ref: ref, Name: name, ID: api.ImageRepository(ref) + "@" + mod.Digest, Size: mod.Size, Config: cfg}, nil
}

// PullImage pulls an image; done is called as a loop task once the modeled
// transfer time has passed. The module is fetched and compiled at once.
func (r *Runtime) PullImage(ref string, done func(Image, time.Duration, error)) {
	img, err := r.resolve(ref)
	if err == nil {
		_, err = r.engine.load(img.Config.Module)
	}
	if err != nil {
		// A registry answers "not found" quickly.
		r.loop.After(200*time.Millisecond, func() { done(Image{}, 0, err) })
		return
	}
	d := pullDuration(img.Size)
	r.loop.After(d, func() {
		r.images[img.Name] = img
		done(img, d, nil)
	})
}

// RemoveImage removes an image from the node.
func (r *Runtime) RemoveImage(ref string) {
	delete(r.images, api.NormalizeImage(ref))
}

// CreateContainer creates a container from an image present on the node.
func (r *Runtime) CreateContainer(cfg ContainerConfig) (string, error) {
	if _, ok := r.images[cfg.Image.Name]; !ok {
		return "", fmt.Errorf("image %q not present on node", cfg.Image.Ref)
	}
	id := r.newID()
	c := &container{r: r, id: id, cfg: cfg, state: Created, created: r.loop.Now()}
	c.log = newContainerLog(r.engine.opts.LogMaxSize, r.engine.opts.LogMaxFiles, c.clock)
	root, err := newRootFS(cfg, c.clock, c)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", cfg.Name, err)
	}
	c.root = root
	r.containers[id] = c
	return id, nil
}

func (r *Runtime) newID() string {
	var b [32]byte
	for i := range b {
		b[i] = byte(r.rand.UintN(256))
	}
	return fmt.Sprintf("%x", b)
}

// ContainerStatus reports a container's state.
func (r *Runtime) ContainerStatus(id string) (ContainerStatus, bool) {
	c, ok := r.containers[id]
	if !ok {
		return ContainerStatus{}, false
	}
	return c.status(), true
}

// ContainerStats reports a container's resource usage.
func (r *Runtime) ContainerStats(id string) (ContainerStats, bool) {
	c, ok := r.containers[id]
	if !ok {
		return ContainerStats{}, false
	}
	return c.stats(r.loop.Now()), true
}

// Logs returns the lines of a container's current log file; rotated
// files are not read, as the kubelet does not read them either.
func (r *Runtime) Logs(id string) ([]LogLine, error) {
	c, ok := r.containers[id]
	if !ok {
		return nil, ErrNotFound
	}
	return c.log.lines(), nil
}

// RemoveContainer forgets an exited container and its log.
func (r *Runtime) RemoveContainer(id string) {
	if c, ok := r.containers[id]; ok {
		if c.state == Running {
			c.finish(137, "Error", "")
			c.kill()
		}
		delete(r.containers, id)
	}
}

// StopContainer stops a container: its stop signal (SIGTERM unless the
// image names another, as containerd reads the image config's
// StopSignal), then SIGKILL once grace has passed. A container's process
// is PID 1 of its namespace, so a program that did not ask for the signal
// ignores it, as on Linux, and goes only at SIGKILL (exit code 137); one
// that handles it does what its real counterpart does (see signal.go).
func (r *Runtime) StopContainer(id string, grace time.Duration) {
	c, ok := r.containers[id]
	if !ok || c.state != Running {
		return
	}
	if grace <= 0 {
		r.terminate(c, 137)
		return
	}
	if c.cfg.Image.Config.Module == "pause" {
		r.stopPause(c)
		return
	}
	if c.killTimer == nil {
		c.killTimer = r.loop.After(grace, func() { r.terminate(c, 137) })
	}
	if c.main != nil {
		c.main.signal(c.cfg.Image.Config.stopSignal())
	}
}

// stopPause ends the pause image's process, which exits on SIGTERM, as
// pause.c's handler does; the cluster's own components (whose containers
// run the pause module) end on it too.
func (r *Runtime) stopPause(c *container) {
	if !c.cfg.Image.Config.Component {
		mainOutput{c, 1}.Write([]byte("Shutting down, got signal: Terminated\n"))
	}
	r.terminate(c, 0)
}

// PowerOff kills every container at once, without a word: the machine is gone.
func (r *Runtime) PowerOff() {
	for _, id := range slices.Sorted(maps.Keys(r.containers)) {
		c := r.containers[id]
		if c.state == Running {
			c.finish(137, "Error", "")
			c.kill()
		}
	}
	r.containers = map[string]*container{}
}

func (r *Runtime) terminate(c *container, code int32) { r.end(c, code, exitReason(code)) }

// end ends a running container as it says, killing what is left of it.
func (r *Runtime) end(c *container, code int32, reason string) {
	if c.state != Running {
		return
	}
	c.finish(code, reason, "")
	c.kill()
	r.notify(c)
}

func (r *Runtime) notify(c *container) {
	if r.onExit != nil {
		id := c.id
		r.loop.Post(func() { r.onExit(id) })
	}
}

func exitReason(code int32) string {
	if code == 0 {
		return "Completed"
	}
	return "Error"
}
