// Package share turns a session into a link and back: the scenario it
// started from and what the user did since (the home files and each
// command line with the virtual instant it ran at), compressed into the
// fragment of a URL, never sent to a server. Opening the link replays it
// into a fresh cluster with the same seed, which determinism makes the
// same cluster.
//
// It also exports the user's objects as clean manifests that apply to a
// real cluster.
package share

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
)

// Version is the format of the links this package writes; Decode reads
// only this one.
const Version = 1

// Limits of a link.
const (
	// MaxEncoded is the longest fragment Decode looks at.
	MaxEncoded = 1 << 20
	// MaxDecoded is how large the content may be once inflated: more is
	// refused as a zip bomb.
	MaxDecoded = 4 << 20
	// WarnSize and ScenarioSize are the sizes past which a link is hard to
	// send (some chat tools cut it) and past which a file serves better.
	WarnSize     = 8 << 10
	ScenarioSize = 32 << 10
	maxEntries   = 10000
)

// Prefix starts the fragment of a share link: #share=DATA.
const Prefix = "share="

// Link is what a share link carries.
type Link struct {
	Scenario string    `json:"scenario,omitempty"` // the scenario file's text
	Seed     uint64    `json:"seed"`
	Start    time.Time `json:"start"`
	Cluster  Shape     `json:"cluster"`
	// Base are the home files when the journal started, then each entry
	// the files changed before its line.
	Base    []File  `json:"base,omitempty"`
	Entries []Entry `json:"entries,omitempty"`
}

// Shape is the cluster's shape, as the session was configured.
type Shape struct {
	Workers    int      `json:"workers"`
	Zones      []string `json:"zones,omitempty"`
	NodeCPU    string   `json:"nodeCPU,omitempty"`
	NodeMemory string   `json:"nodeMemory,omitempty"`
}

// File is a home file, by its path relative to the home directory.
type File struct {
	Path    string `json:"path"`
	Content string `json:"content,omitempty"`
	Removed bool   `json:"removed,omitempty"`
}

// Entry is one line of input: At and Stopped are offsets from Start, and
// Events and StoppedEvents how many events of those instants had run (0,
// or absent as in older links: the instant's end; see session.Entry). An
// entry with Restart is not a line but the moment the cluster was saved
// and restored (a reload of the page).
type Entry struct {
	At            time.Duration  `json:"at"`
	Events        int            `json:"events,omitempty"`
	Line          string         `json:"line,omitempty"`
	Files         []File         `json:"files,omitempty"`
	Stopped       *time.Duration `json:"stopped,omitempty"` // nil: not stopped
	StoppedEvents int            `json:"stoppedEvents,omitempty"`
	Restart       *Restart       `json:"restart,omitempty"`
}

// stopped is the instant Ctrl-C stopped the line, or 0.
func (e Entry) stopped() time.Duration {
	if e.Stopped == nil {
		return 0
	}
	return *e.Stopped
}

// Restart is a restore of the cluster from what it had saved: at the
// revision it had reached, with the start the restored cluster was given
// (an offset from the link's Start).
type Restart struct {
	Revision int64         `json:"revision"`
	Start    time.Duration `json:"start"`
}

// ErrRestored is why a restored cluster cannot be shared.
var ErrRestored = errors.New("this cluster was restored from an earlier visit whose history is not recorded (it was kept by an older version of kubeplay, or part of it was lost), so no link can rebuild it; reset the cluster to start one that can be shared")

// FromSession makes the link of a session that started from scenario
// (its text; "" for none).
func FromSession(s *session.Session, scenarioText string) (*Link, error) {
	j := s.Journal()
	if j.Restored {
		return nil, ErrRestored
	}
	cfg := s.Config()
	home := strings.TrimPrefix(cfg.Home, "/")
	l := &Link{
		Scenario: scenarioText,
		Seed:     cfg.Cluster.Seed,
		Start:    j.Start.UTC(),
		Cluster:  Shape{Workers: cfg.Cluster.Workers, Zones: cfg.Cluster.Zones, NodeCPU: cfg.Cluster.NodeCPU, NodeMemory: cfg.Cluster.NodeMemory},
		Base:     relFiles(home, j.Base),
	}
	for _, e := range j.Entries {
		le := Entry{At: e.At.Sub(j.Start), Events: e.Events, Line: e.Line, Files: relFiles(home, e.Files)}
		if !e.Stopped.IsZero() {
			stopped := e.Stopped.Sub(j.Start)
			le.Stopped, le.StoppedEvents = &stopped, e.StoppedEvents
		}
		if e.Restart != nil {
			le.Restart = &Restart{Revision: e.Restart.Revision, Start: e.Restart.Start.Sub(j.Start)}
		}
		l.Entries = append(l.Entries, le)
	}
	return l, nil
}

func relFiles(home string, files []session.File) []File {
	var out []File
	for _, f := range files {
		rel := strings.TrimPrefix(f.Path, home+"/")
		if home == "" || rel == f.Path {
			continue
		}
		out = append(out, File{Path: rel, Content: f.Content, Removed: f.Removed})
	}
	return out
}

// Encode returns the fragment data of a link: a version byte, then the
// link as JSON compressed with zlib (deflate with a checksum), in
// unpadded base64url.
func Encode(l *Link) (string, error) {
	data, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	buf.WriteByte(Version)
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(data); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode reads the fragment data of a link (with or without "#share=").
// It changes nothing: a link that is damaged, cut short, of another
// version or too large once inflated is refused with the reason.
func Decode(data string) (*Link, error) {
	data = strings.TrimPrefix(strings.TrimPrefix(data, "#"), Prefix)
	if len(data) > MaxEncoded {
		return nil, fmt.Errorf("the link is %d characters long, more than the %d a link may have", len(data), MaxEncoded)
	}
	if data == "" {
		return nil, errors.New("the link carries nothing")
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("the link is damaged: it is not base64url (%v)", err)
	}
	if len(raw) == 0 {
		return nil, errors.New("the link carries nothing")
	}
	if raw[0] != Version {
		return nil, fmt.Errorf("the link is of format %d, which this version of kubeplay does not read (it reads format %d)", raw[0], Version)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw[1:]))
	if err != nil {
		return nil, fmt.Errorf("the link is damaged or cut short: %v", err)
	}
	body, err := io.ReadAll(io.LimitReader(zr, MaxDecoded+1))
	if err != nil {
		return nil, fmt.Errorf("the link is damaged or cut short: %v", err)
	}
	if len(body) > MaxDecoded {
		return nil, fmt.Errorf("the link inflates to more than %d bytes; refusing it", MaxDecoded)
	}
	var l Link
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("the link is damaged: %v", err)
	}
	if dec.More() {
		return nil, errors.New("the link is damaged: data after its content")
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("the link is damaged: %w", err)
	}
	return &l, nil
}

// validate checks what a replay relies on.
func (l *Link) validate() error {
	if l.Scenario != "" {
		if _, err := scenario.Parse("the link's scenario", []byte(l.Scenario)); err != nil {
			return err
		}
	}
	if l.Cluster.Workers < 0 || l.Cluster.Workers > 10 {
		return fmt.Errorf("%d workers is not between 0 and 10", l.Cluster.Workers)
	}
	if len(l.Entries) > maxEntries {
		return fmt.Errorf("%d lines, more than %d", len(l.Entries), maxEntries)
	}
	if err := validFiles(l.Base); err != nil {
		return err
	}
	last := time.Duration(0)
	for i, e := range l.Entries {
		switch {
		case e.At < last:
			return fmt.Errorf("line %d runs at %s, before the line before it (%s)", i+1, e.At, last)
		case e.Events < 0 || e.StoppedEvents < 0:
			return fmt.Errorf("line %d runs at a negative event", i+1)
		case e.Stopped != nil && *e.Stopped < e.At:
			return fmt.Errorf("line %d is stopped at %s, before it ran (%s)", i+1, *e.Stopped, e.At)
		case e.Stopped == nil && e.StoppedEvents != 0:
			return fmt.Errorf("line %d is stopped at an event but at no instant", i+1)
		case e.Restart != nil && e.Events != 0:
			return fmt.Errorf("line %d is both a restart and a line", i+1)
		case e.Restart != nil && (e.Line != "" || len(e.Files) > 0 || e.Stopped != nil):
			return fmt.Errorf("line %d is both a restart and a line", i+1)
		case e.Restart != nil && e.Restart.Revision <= 0:
			return fmt.Errorf("line %d restarts at revision %d", i+1, e.Restart.Revision)
		}
		if err := validFiles(e.Files); err != nil {
			return err
		}
		last = max(e.At, e.stopped())
	}
	return nil
}

func validFiles(files []File) error {
	for _, f := range files {
		clean := path.Clean(f.Path)
		if f.Path == "" || clean != f.Path || path.IsAbs(f.Path) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("the file %q is not inside the home directory", f.Path)
		}
		if f.Removed && f.Content != "" {
			return fmt.Errorf("the file %q is both removed and written", f.Path)
		}
	}
	return nil
}
