package runtime

import (
	"context"
	"io"
	"math/rand/v2"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/loop"
)

// ImageService is the image half of the CRI, as the kubelet uses it.
type ImageService interface {
	// PullImage pulls an image; done is called as a loop task once the
	// modeled transfer is over, with how long it took.
	PullImage(ref string, done func(Image, time.Duration, error))
	// ListImages returns the node's images, sorted by name.
	ListImages() []Image
	// ImageStatus returns the image if it is present on the node.
	ImageStatus(ref string) (Image, bool)
	// RemoveImage removes an image from the node.
	RemoveImage(ref string)
	// Preload makes an image present without a pull, as images baked
	// into a node's disk are.
	Preload(ref string) error
}

// RuntimeService is the container half of the CRI. Everything runs on the
// cluster's loop: calls return at once and what takes time (a stop's
// grace period, an exec) reports back through callbacks run as loop tasks.
type RuntimeService interface {
	CreateContainer(cfg ContainerConfig) (string, error)
	StartContainer(id string) error
	// StopContainer sends SIGTERM, then SIGKILL once grace has passed.
	StopContainer(id string, grace time.Duration)
	// RemoveContainer forgets a container, killing it if it runs.
	RemoveContainer(id string)
	ContainerStatus(id string) (ContainerStatus, bool)
	// ContainerStats reports a container's resource usage.
	ContainerStats(id string) (ContainerStats, bool)
	// ExecSync runs a command in a running container; req.Done gets its
	// result as a loop task.
	ExecSync(ctx context.Context, id string, req ExecRequest) error
	// Logs returns the lines of a container's current log file.
	Logs(id string) ([]LogLine, error)
	// PowerOff kills every container at once: the machine is gone.
	PowerOff()
}

// ContainerRuntime is a node's container runtime, as the kubelet sees it.
type ContainerRuntime interface {
	ImageService
	RuntimeService
}

// Factory makes a node's container runtime. onExit is called, as a loop
// task, when a container exits (the kubelet's lifecycle event generator
// listens). *Engine is the factory of wazero runtimes; another runtime
// plugs into the kubelet by being one.
type Factory interface {
	NewRuntime(node string, l *loop.Loop, rng *rand.Rand, onExit func(id string)) ContainerRuntime
}

// NewRuntime implements Factory.
func (e *Engine) NewRuntime(node string, l *loop.Loop, rng *rand.Rand, onExit func(id string)) ContainerRuntime {
	return New(node, e, l, rng, onExit)
}

// ContainerConfig is what the kubelet asks to run.
type ContainerConfig struct {
	PodUID, PodNamespace, PodName string
	Name                          string
	Image                         Image
	Command, Args                 []string
	Env                           []string // "NAME=value"
	WorkingDir                    string
	// Files are written into the container's own layer when it is
	// created: the kubelet's /etc/hosts, /etc/hostname, /etc/resolv.conf.
	Files map[string][]byte
	// Mounts are placed over the container's root file system.
	Mounts    []Mount
	Resources Resources
	// Sandbox is the pod's sandbox, shared by its containers: what host
	// modules (the network) see of the pod.
	Sandbox Sandbox
	// Completes tells a runtime that runs no program (Fake) that the
	// container is expected to end: an init container, or one of a pod
	// whose restart policy lets it end. The wasm runtime ignores it.
	Completes bool
	// Stdin gives the main process an input that clients attach to
	// (Attach); without it the process reads an empty input. StdinOnce
	// closes it when the first attached client detaches. TTY makes its
	// output one stream, as a terminal's, and sets TERM.
	Stdin, StdinOnce, TTY bool
}

// Mount puts a directory tree the kubelet provides (an emptyDir, a
// configMap's projection, a persistent volume's directory) at a path of
// the container. The same Source given to two containers is one shared
// tree: what one writes, the other reads.
type Mount struct {
	ContainerPath string
	Source        hackpadfs.FS
	SubPath       string // a directory of Source to mount instead of its root
	ReadOnly      bool   // writes fail with EROFS, as on a read-only bind mount
	// Memory is set for a memory-backed volume (a tmpfs): what the
	// container writes there counts toward its memory (Tmpfs).
	Memory *Tmpfs
}

// Resources are a container's limits as the runtime enforces them.
type Resources struct {
	// CPUMillis is resources.limits.cpu in millicores; 0 is no limit.
	CPUMillis int64
	// MemoryBytes is resources.limits.memory; 0 is no limit (the engine's
	// cap applies).
	MemoryBytes int64
}

// Sandbox identifies a pod's sandbox to host modules.
type Sandbox struct {
	PodUID, PodNamespace, PodName string
	// Network is the pod's network namespace ID; containers of one pod
	// share it.
	Network string
	// IP is the pod's address: its own, or its node's for a hostNetwork
	// pod (which shares the node's namespace).
	IP string
}

// ContainerStats is a container's resource usage, as the CRI's
// ContainerStats (and cAdvisor) report it.
type ContainerStats struct {
	Timestamp time.Time
	// UsageCoreNanoSeconds is the CPU time used since the container started.
	UsageCoreNanoSeconds uint64
	// UsageNanoCores is the CPU rate over the last sampling window.
	UsageNanoCores uint64
	// WorkingSetBytes is the memory in use: the linear memory of the
	// container's module instances.
	WorkingSetBytes uint64
	// Instructions is the metered work its processes did, however long
	// the host's lending made it take.
	Instructions uint64
}

// ExecRequest is a command to run in a container's context.
type ExecRequest struct {
	Cmd    []string
	Stdin  io.Reader // nil reads as empty; a *Stdin streams
	Stdout io.Writer // nil discards
	Stderr io.Writer // nil discards
	// TTY asks for a terminal: the command's environment gets TERM=xterm,
	// as container runtimes set it for a terminal session.
	TTY bool
	// Timeout is in virtual time; 0 is none. A command that runs longer is
	// killed and ends with ErrExecTimeout.
	Timeout time.Duration
	// Done is called as a loop task when the command ends.
	Done func(ExecResult)
}

// ExecResult is how an exec ended.
type ExecResult struct {
	ExitCode int32
	// Err is set when the command did not run to its end: the context was
	// canceled, the timeout passed, the container stopped.
	Err error
}
