package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// A stored object is shared by every reader (the store hands out the
// same pointer) and by the revisions after it (a status write shares all
// but the status with the revision it replaces), so a component that
// changes one in place changes the history. Guard, for tests, catches
// it: each value is encoded when it is stored, and CheckGuarded encodes
// it again and compares.

// guard holds the encoding of every value stored since Guard.
type guard struct {
	values  map[int64]guarded // by revision
	changed []string          // what publish found changed
}

type guarded struct {
	key   string
	value api.Object
	json  []byte
}

// Guard starts keeping the encoding of every value stored from now on,
// and of those held now. It holds on to every value, compacted or not:
// only for tests.
func (s *Store) Guard() {
	if s.guard != nil {
		return
	}
	s.guard = &guard{values: map[int64]guarded{}}
	for _, ev := range s.history {
		s.guard.keep(ev)
	}
	for _, kv := range s.data {
		s.guard.keep(Event{KV: *kv, Revision: kv.ModRevision})
	}
}

func (g *guard) keep(ev Event) {
	if _, ok := g.values[ev.Revision]; ok {
		return
	}
	b, err := json.Marshal(ev.KV.Value)
	if err != nil {
		b = []byte(err.Error())
	}
	g.values[ev.Revision] = guarded{key: ev.KV.Key, value: ev.KV.Value, json: b}
}

// check compares the value stored at rev with its encoding then.
func (g *guard) check(rev int64) string {
	v, ok := g.values[rev]
	if !ok {
		return ""
	}
	now, err := json.Marshal(v.value)
	if err != nil {
		now = []byte(err.Error())
	}
	if bytes.Equal(now, v.json) {
		return ""
	}
	i := 0
	for i < len(now) && i < len(v.json) && now[i] == v.json[i] {
		i++
	}
	excerpt := func(b []byte) string {
		from, to := max(i-60, 0), min(i+60, len(b))
		return string(b[from:to])
	}
	return fmt.Sprintf("%s at revision %d was changed in place after it was stored:\n  stored: …%s…\n  now:    …%s…", v.key, rev, excerpt(v.json), excerpt(now))
}

// published keeps a new value and checks the one it replaces, so that a
// change in place is caught near where it happened.
func (g *guard) published(ev Event) {
	if ev.Prev != nil {
		if msg := g.check(ev.Prev.ModRevision); msg != "" {
			g.changed = append(g.changed, fmt.Sprintf("before revision %d: %s", ev.Revision, msg))
		}
	}
	g.keep(ev)
}

// CheckGuarded reports every value stored since Guard that changed since
// (nil when none did, or when Guard was not called).
func (s *Store) CheckGuarded() error {
	if s.guard == nil {
		return nil
	}
	found := slices.Clone(s.guard.changed)
	revs := make([]int64, 0, len(s.guard.values))
	for rev := range s.guard.values {
		revs = append(revs, rev)
	}
	slices.Sort(revs)
	for _, rev := range revs {
		if msg := s.guard.check(rev); msg != "" {
			found = append(found, msg)
		}
	}
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%d stored values changed in place:\n%s", len(found), strings.Join(found, "\n"))
}
