package session

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
)

// Entry is one line of input as the session ran it: what a share link
// carries so that a replay reaches the same state.
type Entry struct {
	// At is the virtual instant the line ran at.
	At time.Time
	// Events, when not 0, is how many of the instant's events had run
	// when the line began: the pacer hands the host its thread back in
	// the middle of a long instant (a scale-up's), and a line typed then
	// runs there. 0 is the instant's end, as every line of an older
	// journal ran.
	Events int `json:",omitempty"`
	// Line is the line as typed (a line of a multi-line command included).
	Line string
	// Files are the home files that changed since the previous entry
	// (written by the page's editor, say): path in the session's file
	// system -> content, "" with Removed for a file that is gone.
	Files []File
	// Stopped, when set, is the instant Ctrl-C stopped the command, and
	// StoppedEvents how many of its events had run (0: its end).
	Stopped       time.Time
	StoppedEvents int `json:",omitempty"`
	// Restart, when set, makes the entry a restart of the cluster from its
	// data directory at At, not a line (keep.go).
	Restart *Restart
}

// File is a home file as the journal saw it.
type File struct {
	Path    string
	Content string
	Removed bool
}

// Journal is what the session has run since it started (or since
// ResetJournal), for share links.
type Journal struct {
	Start time.Time // the cluster's virtual start
	// Base are the home files when the journal started.
	Base    []File
	Entries []Entry
	// Restored is set when the cluster was restored from a data directory
	// without its journal (kept by an older version, or restored with
	// losses): what happened before is not known, so no replay can reach
	// its state.
	Restored bool
}

// Journal files larger than this are not carried: a share link is for
// manifests and scripts, not binaries.
const maxJournalFile = 256 << 10

// journal records each line before it runs.
type journal struct {
	home    string            // the home directory in the file system; "" tracks no files
	files   map[string]string // the home files as last seen
	base    map[string]string // the home files when the journal started
	entries []Entry
	keep    bool // the journal is kept beside the cluster's store (keep.go)
	running bool // the last line has not ended
	lost    bool // restored without its journal
	dirty   bool // changed since it was last kept
	enc     keptEntries
}

// record notes a line about to run, with the home files that changed
// since the last line. The caller holds the lock.
func (s *Session) record(line string) {
	e := Entry{Line: line}
	e.At, e.Events = s.position()
	if s.journal.home != "" && s.home != nil && s.home.take() {
		now := readHome(s.home, s.journal.home)
		e.Files = diffFiles(s.journal.files, now)
		s.journal.files = now
	}
	s.journal.entries = append(s.journal.entries, e)
	s.journal.running, s.journal.dirty = true, true
	s.changed = false
}

// recordStop notes that Ctrl-C stopped the last line.
func (s *Session) recordStop(ctx context.Context, code int) {
	s.journal.running, s.journal.dirty = false, true
	if ctx.Err() == nil || code != 130 || len(s.journal.entries) == 0 {
		return
	}
	e := &s.journal.entries[len(s.journal.entries)-1]
	e.Stopped, e.StoppedEvents = s.position()
}

// position is where the cluster's history stands, as the journal notes
// it: the instant, and how many of its events have run if it has not
// reached its end (0 if it has). The caller holds the lock.
func (s *Session) position() (time.Time, int) {
	l := s.cluster.Loop()
	if l.Due() {
		return l.Now(), l.Events()
	}
	return l.Now(), 0
}

// Journal returns what the session has run.
func (s *Session) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Journal{
		Start:    s.start,
		Base:     diffFiles(nil, s.journal.base),
		Entries:  slices.Clone(s.journal.entries),
		Restored: s.journal.lost,
	}
}

// ResetJournal forgets what ran so far: a scenario's setup, which its file
// replays by itself. The home files as they are now are the new base.
func (s *Session) ResetJournal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal.entries = nil
	if s.journal.home != "" && s.home != nil {
		s.home.take()
		s.journal.files = readHome(s.home, s.journal.home)
		s.journal.base = s.journal.files
	}
	s.journal.dirty = true
	_ = s.keepJournal()
}

// Config returns the configuration the session was started with.
func (s *Session) Config() Config { return s.cfg }

// readHome reads the regular files under dir, those small enough to carry.
func readHome(fsys hackpadfs.FS, dir string) map[string]string {
	files := map[string]string{}
	_ = hackpadfs.WalkDir(fsys, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > maxJournalFile {
			return nil
		}
		if data, err := hackpadfs.ReadFile(fsys, path); err == nil {
			files[path] = string(data)
		}
		return nil
	})
	return files
}

// diffFiles lists what changed from old to now, by path.
func diffFiles(old, now map[string]string) []File {
	var out []File
	for _, p := range slices.Sorted(maps.Keys(now)) {
		if prev, ok := old[p]; !ok || prev != now[p] {
			out = append(out, File{Path: p, Content: now[p]})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(old)) {
		if _, ok := now[p]; !ok {
			out = append(out, File{Path: p, Removed: true})
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out
}
