// Package session puts a cluster and a shell together and decides how
// virtual time moves while the user works: natively it jumps ahead whenever
// a command waits (so `sleep 60` returns at once), in the browser it is
// paced by the wall clock times a speed factor.
package session

import (
	"context"
	"fmt"
	"github.com/kubeplay/kubeplay/engine/httpapi"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/kubectl"
	"github.com/kubeplay/kubeplay/engine/shell"
)

// Config configures a session.
type Config struct {
	Cluster cluster.Config
	FS      hackpadfs.FS // the shell's files; once New returns, write them through Session.FS
	Dir     string       // the shell's working directory
	Env     []string     // the shell's environment
	// Home is the home directory in FS ("root"): the journal carries the
	// changes to its files; "" carries none.
	Home string
	// Editor is the host's editor for kubectl edit (the page's); nil
	// leaves $KUBE_EDITOR and $EDITOR.
	Editor shell.EditFunc
}

// Session is a running cluster with a shell in front of it.
type Session struct {
	cluster *cluster.Cluster
	shell   *shell.Shell
	mu      sync.Mutex
	waiter  waiter
	changes bool   // Skip watches the cluster's changes (speed.go)
	change  string // the first notable change since Skip started
	cfg     Config
	start   time.Time
	journal journal
	sharer  shell.Sharer
	home    *changeFS // the shell's file system (nil without one)
	// running counts the lines running, and waiting those of them that
	// wait (on the cluster, for virtual time, or for what the user
	// types): only then may the pacer move time on (lineBusy).
	running, waiting atomic.Int32
	// mark is what the cluster was when a command of a line took it
	// (lockShell), and unsettled is set when that command changed it and
	// nothing has run since (settle).
	mark      mark
	unsettled bool
	// changed is set when a command of the running line changed the
	// cluster (settle); record clears it.
	changed bool
	// stop is where a replayed line was stopped by Ctrl-C (Replay).
	stop *replayStop
}

// mark is a command's view of the cluster when it took it.
type mark struct {
	steps, revision int64
	posted          uint64
	due             bool
}

// lineBusy reports whether a line is running and not waiting.
func (s *Session) lineBusy() bool { return s.running.Load() > s.waiting.Load() }

// waitingReader counts a line as waiting while it reads what is typed.
type waitingReader struct {
	r io.Reader
	s *Session
}

func (w waitingReader) Read(b []byte) (int, error) {
	w.s.waiting.Add(1)
	defer w.s.waiting.Add(-1)
	return w.r.Read(b)
}

// waiter decides how the cluster runs while a command waits.
type waiter interface {
	Wait(ctx context.Context, timeout time.Duration, cond func() bool) error
}

// New starts a cluster (it is up and settled when New returns) and a shell.
// Time jumps ahead while commands wait, as in `kubeplay shell`; call Pace
// to tie it to a wall clock instead.
func New(cfg Config) (*Session, error) {
	c, err := cluster.New(cfg.Cluster)
	if err != nil {
		return nil, err
	}
	s := &Session{cluster: c, cfg: cfg, start: cfg.Cluster.Start, journal: journal{home: cfg.Home}}
	if s.start.IsZero() {
		s.start = cluster.DefaultStart
	}
	s.waiter = &jumpWaiter{s: s}
	var fsys hackpadfs.FS
	if cfg.FS != nil {
		s.home = newChangeFS(cfg.FS)
		fsys = s.home
	}
	sh, err := shell.New(shell.Config{
		Client:  c.Client("kubectl"),
		Host:    host{s},
		FS:      fsys,
		Dir:     cfg.Dir,
		Env:     cfg.Env,
		Lock:    s.lockShell,
		Unlock:  s.settle,
		Now:     c.Now,
		Cloud:   cloud{c},
		Editor:  cfg.Editor,
		Network: c.Network(),
		API:     httpapi.NewInline(c.API()).Get,
	})
	if err != nil {
		return nil, err
	}
	s.shell = sh
	ensureHosts(cfg.FS)
	if cfg.Home != "" && s.home != nil {
		s.home.take()
		s.journal.files = readHome(s.home, cfg.Home)
		s.journal.base = s.journal.files
	}
	s.journal.keep, s.journal.dirty = cfg.Cluster.Data != nil, true
	if s.journal.keep && c.Restored().Restored {
		s.resumeJournal()
	}
	if err := s.keepJournal(); err != nil {
		return nil, err
	}
	return s, nil
}

// FS returns the shell's file system, or nil. Whatever writes into the
// home directory (the page's editor) goes through it, so that the journal
// sees the change.
func (s *Session) FS() hackpadfs.FS {
	if s.home == nil {
		return nil
	}
	return s.home
}

// Cluster returns the session's cluster. Use it under Lock.
func (s *Session) Cluster() *cluster.Cluster { return s.cluster }

// Shell returns the session's shell.
func (s *Session) Shell() *shell.Shell { return s.shell }

// Lock takes the cluster; commands take it while they use it.
func (s *Session) Lock() { s.mu.Lock() }

// Unlock releases the cluster.
func (s *Session) Unlock() { s.mu.Unlock() }

// Exec runs one line of input and returns its exit status, or
// shell.Incomplete when the line continues a multi-line command. When time
// jumps, whatever the command set off at the current instant has run by the
// time Exec returns.
func (s *Session) Exec(ctx context.Context, line string, stdout, stderr io.Writer) int {
	return s.exec(ctx, line, nil, stdout, stderr, true)
}

// exec runs a line; settle runs what it set off at the current instant
// when time jumps (not in a replay, whose next line may run before).
func (s *Session) exec(ctx context.Context, line string, term io.Reader, stdout, stderr io.Writer, settle bool) int {
	// The line is noted in the journal now and written with the cluster:
	// at the end, or at the first step the pacer takes while it waits, so
	// the journal on disk holds it before anything it did is saved.
	s.mu.Lock()
	s.record(line)
	s.running.Add(1)
	s.mu.Unlock()
	if term != nil {
		term = waitingReader{term, s}
	}
	code := s.shell.RunTerminal(ctx, line, term, stdout, stderr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running.Add(-1)
	s.recordStop(ctx, code)
	if _, jumping := s.waiter.(*jumpWaiter); jumping && settle {
		s.cluster.RunUntilIdle()
	}
	// A line that changed nothing in the cluster (`kubectl get`; not its
	// store, machines or images) leaves only its journal entry to write,
	// which the pacer writes at its next step (a dirty journal is saved
	// then, at every speed): the line ends without waiting for storage.
	// During a scale-up the save writes everything the cluster did since
	// the last one, and a typed `kubectl get nodes` waited for it. Without
	// a pacer (kubeplay shell, a replay) nothing else saves, so the line
	// does.
	if _, paced := s.waiter.(*Pacer); paced && !s.changed && !s.cluster.ChangedBeside() {
		return code
	}
	if err := s.save(); err != nil {
		fmt.Fprintf(stderr, "kubeplay: the cluster could not be saved: %v\n", err)
	}
	return code
}

// lockShell takes the cluster for a command of a line (a kubectl
// invocation, a builtin). If the previous command changed the cluster and
// nothing has run since, the cluster first reacts to it, for at most
// settleSteps events of the instant: a real cluster takes the few
// milliseconds between two kubectl invocations to do so, and `kubectl
// create ns x && kubectl run -n x` finds the namespace's service account
// ready. No virtual time passes.
//
// The reaction waits for the next command rather than running when the
// command ends (settle): a line whose last command ends hands the cluster
// back at once, at the position it reached, even in the middle of an
// instant that holds tens of thousands of events (a scale-up's), and the
// pacer runs the rest of it in steps of bounded wall time. The reaction
// is bounded for the same reason: a command typed right after `kubectl
// scale --replicas=10000`, before the pacer's next step, ran the whole
// scale-up first, and waited 27 s in the browser.
func (s *Session) lockShell() {
	s.mu.Lock()
	l := s.cluster.Loop()
	if s.unsettled && int64(l.Steps()) == s.mark.steps {
		for i := 0; i < settleSteps && l.Step(); i++ {
		}
	}
	s.unsettled = false
	s.mark = mark{steps: int64(l.Steps()), revision: s.cluster.API().Store().Revision(), posted: l.Posted(), due: l.Due()}
}

// settleSteps bounds the cluster's reaction to a command before the next
// one (lockShell). It is counted in events, not in wall time, so that a
// replay reacts exactly as the line did. A namespace's service account
// and root CA take about 10 events; a Deployment about 13 per replica
// (its ReplicaSet, each pod created, scheduled, bound and started), so a
// few dozen replicas are whole by the next command, as on a real cluster
// a few milliseconds later, and more are still being created.
const settleSteps = 500

// settle releases the cluster after a command, noting whether the
// command changed it: wrote to the store, or gave the loop work due now.
func (s *Session) settle() {
	l := s.cluster.Loop()
	if s.cluster.API().Store().Revision() != s.mark.revision || l.Posted() != s.mark.posted || !s.mark.due && l.Due() {
		s.unsettled, s.changed = true, true
		s.mark.steps = int64(l.Steps())
	}
	s.mu.Unlock()
}

// Close stops the cluster.
func (s *Session) Close() error { return s.cluster.Close() }

// jumpWaiter runs the cluster forward timer by timer while a command
// waits, taking no real time: the caller holds the lock.
type jumpWaiter struct{ s *Session }

// The wait looks at its condition first, where the line stands (as the
// pacer's does), then at the end of each instant, until its timeout. In a
// replay, it stops where Ctrl-C stopped the line.
func (w *jumpWaiter) Wait(ctx context.Context, timeout time.Duration, cond func() bool) error {
	if ctx.Err() != nil {
		return context.Canceled
	}
	if cond() {
		return nil
	}
	l := w.s.cluster.Loop()
	limit := l.Now().Add(timeout)
	st := w.s.stop
	end := limit
	if st != nil && st.at.Before(end) {
		end = st.at
	}
	for {
		if st != nil && l.Now().Equal(st.at) && st.events > 0 {
			for l.Events() < st.events && l.Step() {
			}
			st.cancel()
			return context.Canceled
		}
		l.RunUntilIdle()
		if st != nil && l.Now().Equal(st.at) {
			st.cancel()
		}
		if ctx.Err() != nil {
			return context.Canceled
		}
		if cond() {
			return nil
		}
		if l.Held() {
			break
		}
		next, ok := l.Clock().Next()
		if !ok || next.After(end) {
			if !l.Now().Before(end) {
				break
			}
			next = end
		}
		l.Clock().Set(next)
	}
	if cond() {
		return nil
	}
	return ctxOr(ctx, kubectl.ErrTimeout)
}

func ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Canceled
	}
	return err
}

// hostsFile is a fresh machine's /etc/hosts.
const hostsFile = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

// ensureHosts gives a file system without an /etc (the page's, a test's)
// the host machine's /etc/hosts, which curl reads and the documentation
// asks to edit; a real machine's is left alone.
func ensureHosts(fsys hackpadfs.FS) {
	if fsys == nil {
		return
	}
	if _, err := hackpadfs.Stat(fsys, "etc"); err == nil {
		return
	}
	if hackpadfs.Mkdir(fsys, "etc", 0o755) == nil {
		_ = hackpadfs.WriteFullFile(fsys, "etc/hosts", []byte(hostsFile), 0o644)
	}
}
