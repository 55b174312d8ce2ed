package share

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
)

// Replay starts a session as the link's began (cfg gives what a link does
// not carry: the images, the file system, the working directory, the
// environment and the home directory) and runs what it carries: the
// scenario's files and setup, the home files, then each line at its
// virtual instant, stopped where Ctrl-C stopped it. The lines' output goes
// to out. Time jumps throughout; the caller may pace the session after.
func Replay(ctx context.Context, l *Link, cfg session.Config, out io.Writer) (*session.Session, error) {
	var f *scenario.File
	if l.Scenario != "" {
		var err error
		if f, err = scenario.Parse("the link's scenario", []byte(l.Scenario)); err != nil {
			return nil, err
		}
	}
	cfg.Cluster.Seed = l.Seed
	cfg.Cluster.Start = l.Start
	cfg.Cluster.Workers = l.Cluster.Workers
	cfg.Cluster.Zones = slices.Clone(l.Cluster.Zones)
	cfg.Cluster.NodeCPU, cfg.Cluster.NodeMemory = l.Cluster.NodeCPU, l.Cluster.NodeMemory
	if cfg.Cluster.Data == nil && slices.ContainsFunc(l.Entries, func(e Entry) bool { return e.Restart != nil }) {
		data, err := mem.NewFS()
		if err != nil {
			return nil, err
		}
		cfg.Cluster.Data, cfg.Cluster.DataDir = data, "."
	}
	s, err := session.New(cfg)
	if err != nil {
		return nil, err
	}
	s, err = replay(ctx, s, f, l, out)
	if err != nil {
		if s != nil {
			_ = s.Close()
		}
		return nil, err
	}
	return s, nil
}

// replay runs the link in s and returns the session it ends with: another
// one after a restart.
func replay(ctx context.Context, s *session.Session, f *scenario.File, l *Link, out io.Writer) (*session.Session, error) {
	if f != nil {
		if err := scenario.Setup(ctx, s, f); err != nil {
			return s, err
		}
	}
	home := strings.TrimPrefix(s.Config().Home, "/")
	if home == "" && (len(l.Base) > 0 || hasFiles(l.Entries)) {
		return s, fmt.Errorf("the link carries home files but this session has no home directory")
	}
	if err := writeFiles(s, home, l.Base); err != nil {
		return s, err
	}
	s.ResetJournal()
	start := l.Start
	for i, e := range l.Entries {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		if e.Restart != nil {
			next, err := restart(s, start.Add(e.At), e.Restart.Revision, start.Add(e.Restart.Start))
			if err != nil {
				return next, fmt.Errorf("line %d: %w", i+1, err)
			}
			s = next
			continue
		}
		if err := writeFiles(s, home, e.Files); err != nil {
			return s, err
		}
		entry := session.Entry{At: start.Add(e.At), Events: e.Events, Line: e.Line}
		if e.Stopped != nil {
			entry.Stopped, entry.StoppedEvents = start.Add(*e.Stopped), e.StoppedEvents
		}
		if _, err := s.Replay(ctx, entry, out, out); err != nil {
			return s, fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return s, nil
}

// restart does what a reload of the page did: the cluster, run to the
// instant of its last saved change, is saved and closed, and a new
// session restores it with the start the original was given. A replay
// that reaches another revision there has gone elsewhere, and says so.
func restart(s *session.Session, at time.Time, revision int64, resumed time.Time) (*session.Session, error) {
	s.Lock()
	now := s.Cluster().Now()
	if now.After(at) {
		s.Unlock()
		return s, fmt.Errorf("the cluster was reloaded at %s, but the replay had reached %s", at.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	// The cluster was saved at the end of a step, which may have stopped
	// in the middle of the instant: run it to the revision saved.
	st := s.Cluster().API().Store()
	s.Cluster().Loop().RunTo(at, func() bool { return st.Revision() >= revision })
	rev := st.Revision()
	s.Unlock()
	if rev != revision {
		return s, fmt.Errorf("the cluster was reloaded at revision %d, but the replay reached revision %d: it cannot rebuild that cluster", revision, rev)
	}
	cfg := s.Config()
	if err := s.Close(); err != nil {
		return nil, err
	}
	cfg.Cluster.Start = resumed
	return session.New(cfg)
}

func hasFiles(entries []Entry) bool {
	for _, e := range entries {
		if len(e.Files) > 0 {
			return true
		}
	}
	return false
}

// writeFiles puts files into the home directory as the editor would.
func writeFiles(s *session.Session, home string, files []File) error {
	fsys := s.Shell().FS()
	for _, f := range files {
		p := path.Join(home, f.Path)
		if f.Removed {
			if err := hackpadfs.Remove(fsys, p); err != nil && !isNotExist(err) {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			continue
		}
		if err := hackpadfs.MkdirAll(fsys, path.Dir(p), 0o755); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		if err := hackpadfs.WriteFullFile(fsys, p, []byte(f.Content), 0o644); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return nil
}

func isNotExist(err error) bool { return errors.Is(err, hackpadfs.ErrNotExist) }
