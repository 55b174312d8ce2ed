package session

import (
	"context"
	"fmt"
	"io"
	"time"
)

// replayStop is where Ctrl-C stopped a line that Replay runs again.
type replayStop struct {
	at     time.Time
	events int // 0: the instant's end
	cancel func()
}

// Replay runs a line of a journal again as it ran (time jumps, as in New):
// the cluster is run to the line's position (its instant, and as many of
// the instant's events as had run: the instant's end for a journal that
// does not say), the line runs there, and if Ctrl-C stopped it, it is
// stopped where it was. The same seed and the same journal make the same
// history. It fails, running nothing, when the cluster has already passed
// the line's position or its instant ends before it: the replay has gone
// elsewhere than the journal.
func (s *Session) Replay(ctx context.Context, e Entry, stdout, stderr io.Writer) (int, error) {
	s.mu.Lock()
	if err := s.reach(e.At, e.Events); err != nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("%q: %w", e.Line, err)
	}
	lineCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !e.Stopped.IsZero() {
		s.stop = &replayStop{at: e.Stopped, events: e.StoppedEvents, cancel: cancel}
	}
	s.mu.Unlock()
	code := s.exec(lineCtx, e.Line, nil, stdout, stderr, false)
	s.mu.Lock()
	s.stop = nil
	s.mu.Unlock()
	return code, nil
}

// reach runs the cluster to a journal's position. The caller holds the
// lock.
func (s *Session) reach(at time.Time, events int) error {
	l := s.cluster.Loop()
	now, n := l.Now(), l.Events()
	if at.Before(now) || at.Equal(now) && events > 0 && n > events {
		return fmt.Errorf("it ran at %s, event %d of the instant, but the replay had reached %s, event %d", stamp(at), events, stamp(now), n)
	}
	if events == 0 {
		l.RunTo(at, nil)
		return nil
	}
	l.RunTo(at, func() bool { return l.Events() >= events })
	if got := l.Events(); !l.Now().Equal(at) || got != events {
		return fmt.Errorf("it ran at %s, event %d of the instant, but the replay's instant ended at event %d", stamp(at), events, got)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
