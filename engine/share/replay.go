package share

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/hack-pad/hackpadfs"

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
	s, err := session.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := replay(ctx, s, f, l, out); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func replay(ctx context.Context, s *session.Session, f *scenario.File, l *Link, out io.Writer) error {
	if f != nil {
		if err := scenario.Setup(ctx, s, f); err != nil {
			return err
		}
	}
	home := strings.TrimPrefix(s.Config().Home, "/")
	if home == "" && (len(l.Base) > 0 || hasFiles(l.Entries)) {
		return fmt.Errorf("the link carries home files but this session has no home directory")
	}
	if err := writeFiles(s, home, l.Base); err != nil {
		return err
	}
	s.ResetJournal()
	start := l.Start
	for _, e := range l.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFiles(s, home, e.Files); err != nil {
			return err
		}
		s.Lock()
		if at := start.Add(e.At); at.After(s.Cluster().Now()) {
			s.Cluster().Loop().AdvanceTo(at)
		}
		lineCtx, cancel := context.WithCancel(ctx)
		if e.Stopped != 0 {
			s.Cluster().Loop().After(start.Add(e.Stopped).Sub(s.Cluster().Now()), cancel)
		}
		s.Unlock()
		s.Exec(lineCtx, e.Line, out, out)
		cancel()
	}
	return nil
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
