package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/hack-pad/hackpadfs"
)

// A persistent cluster keeps its session's journal beside its store
// (journalFile in the data directory), so that a cluster restored on a
// later visit can still be shared: the journal goes on from where it was,
// with an entry that marks the restart (Restart). A replay runs the lines
// before it, saves its own cluster at the restart's instant and restores
// it as the page did, so the restored cluster draws the same names as the
// original.
const journalFile = "journal.json"

// journalFormat is the version of the kept journal.
const journalFormat = 1

// Restart marks, in the journal, where the cluster was restored from its
// data directory (a reload of the page). The entry's At is the instant of
// the last change that was saved; what happened after it was lost with
// the tab.
type Restart struct {
	Revision int64     // the store's revision the cluster was restored at
	Start    time.Time // the start the restored cluster was given (the wall clock at the reload)
}

type keptJournal struct {
	Format  int       `json:"format"`
	Start   time.Time `json:"start"`
	Base    []File    `json:"base,omitempty"`
	Entries []Entry   `json:"entries,omitempty"`
	// Running is set while the last line runs: a reload stopped it.
	Running bool `json:"running,omitempty"`
}

// save makes the cluster and the journal durable. The caller holds the
// lock. The journal goes first: a tab closed between the two writes leaves a
// journal whose last lines ran after the saved cluster, which a restore
// drops (resumeJournal), never a cluster changed by lines the journal
// does not hold.
func (s *Session) save() error {
	err := s.keepJournal()
	return errors.Join(err, s.cluster.Flush())
}

// keepJournal writes the journal beside the store when it changed since
// it was last written. The caller holds the lock.
func (s *Session) keepJournal() error {
	if !s.journal.keep || !s.journal.dirty {
		return nil
	}
	data, err := s.encodeJournal()
	if err != nil {
		return err
	}
	if err := hackpadfs.WriteFullFile(s.cfg.Cluster.Data, s.journalPath(), data, 0o644); err != nil {
		return fmt.Errorf("the session's journal: %w", err)
	}
	s.journal.dirty = false
	return nil
}

// keptEntries is the kept journal's entries but the last, encoded: only
// the last may still change (recordStop), so a save encodes what was
// added since the one before, where encoding the whole journal again made
// every command's save longer than the one before (25 ms at 474 entries
// in the browser, with the session's lock held). first is the entries'
// first element when they were encoded: a journal replaced since
// (ResetJournal, resumeJournal) has another, and is encoded anew.
type keptEntries struct {
	first *Entry
	n     int
	data  []byte // their JSON, separated by commas
}

// encodeJournal is json.Marshal of the journal as keptJournal, byte for
// byte, from the entries encoded at earlier saves and the ones since.
func (s *Session) encodeJournal() ([]byte, error) {
	j := &s.journal
	head, err := json.Marshal(keptJournal{Format: journalFormat, Start: s.start, Base: diffFiles(nil, j.base)})
	if err != nil {
		return nil, err
	}
	out := head[:len(head)-1] // without its closing brace
	if n := len(j.entries); n > 0 {
		enc := &j.enc
		if enc.first != &j.entries[0] || enc.n > n-1 {
			*enc = keptEntries{first: &j.entries[0]}
		}
		for ; enc.n < n-1; enc.n++ {
			if enc.n > 0 {
				enc.data = append(enc.data, ',')
			}
			b, err := json.Marshal(&j.entries[enc.n])
			if err != nil {
				return nil, err
			}
			enc.data = append(enc.data, b...)
		}
		last, err := json.Marshal(&j.entries[n-1])
		if err != nil {
			return nil, err
		}
		out = append(append(out, `,"entries":[`...), enc.data...)
		if n > 1 {
			out = append(out, ',')
		}
		out = append(append(out, last...), ']')
	}
	if j.running {
		out = append(out, `,"running":true`...)
	}
	return append(out, '}'), nil
}

func (s *Session) journalPath() string {
	dir := s.cfg.Cluster.DataDir
	if dir == "" {
		dir = "."
	}
	return path.Join(dir, journalFile)
}

// resumeJournal continues the journal of a restored cluster: the lines
// whose effects were saved, then a Restart. A cluster without a journal
// (kept by an older version) or restored with losses cannot be shared.
func (s *Session) resumeJournal() {
	rep := s.cluster.Restored()
	k, err := s.readJournal()
	if err != nil || len(rep.Dropped) > 0 || rep.SetAside != "" {
		s.journal.lost = true
		return
	}
	saved := rep.Time
	entries := k.Entries
	for len(entries) > 0 && entries[len(entries)-1].At.After(saved) {
		entries = entries[:len(entries)-1] // ran after the last saved change: lost with the tab
	}
	if n := len(entries); n > 0 {
		last := &entries[n-1]
		if k.Running && n == len(k.Entries) && last.Stopped.IsZero() || last.Stopped.After(saved) {
			last.Stopped = saved // the reload stopped it
		}
	}
	s.start = k.Start
	s.journal.base = filesMap(k.Base)
	s.journal.files = s.journal.base
	for _, e := range entries {
		s.journal.files = applyFiles(s.journal.files, e.Files)
	}
	s.journal.entries = append(entries, Entry{At: saved, Restart: &Restart{Revision: rep.Revision, Start: s.cfg.Cluster.Start}})
	s.journal.dirty = true
	if s.home != nil {
		s.home.touch() // the next line notes how the files differ from the journal's
	}
}

func (s *Session) readJournal() (*keptJournal, error) {
	data, err := hackpadfs.ReadFile(s.cfg.Cluster.Data, s.journalPath())
	if err != nil {
		return nil, err
	}
	var k keptJournal
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, err
	}
	if k.Format != journalFormat {
		return nil, errors.New("a journal of another format")
	}
	return &k, nil
}

func filesMap(files []File) map[string]string {
	return applyFiles(nil, files)
}

// applyFiles returns files with the changes applied, leaving it as it was.
func applyFiles(files map[string]string, changes []File) map[string]string {
	out := make(map[string]string, len(files)+len(changes))
	for p, c := range files {
		out[p] = c
	}
	for _, f := range changes {
		if f.Removed {
			delete(out, f.Path)
		} else {
			out[f.Path] = f.Content
		}
	}
	return out
}
