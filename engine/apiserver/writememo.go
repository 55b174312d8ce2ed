package apiserver

import (
	"encoding/binary"
	"reflect"
	"sync"
)

// The comparisons of updates, remembered by what they found.
//
// An update's comparison of the old and new object builds the sets of the
// paths it adds, changes and removes, a map for every level of every
// path: the largest share of what a status write allocates. Writes come
// in few shapes (the kubelet's second status write of every pod of a
// Deployment changes the same conditions and container statuses), and a
// comparison's sets depend on nothing but the paths it finds. So, as a
// create's (createdFields), an update's comparison first writes the paths
// to a log, and the sets are made once for each log, then remembered;
// sets are never changed once built, so every write with that log shares
// them.

// comparedKind is what an update's comparison walks: a type, through a
// subresource.
type comparedKind struct {
	t   reflect.Type
	sub string
}

// compared holds the recent updates' sets by their log.
var compared logMemo[comparedKind, comparedSets]

// logMemo holds what recent writes' logs made, by the log, and how many
// writes of each kind K in a row found nothing: the memo of creates'
// fields (created) and of updates' comparisons (compared). Both maps are
// bounded; past their size they start afresh.
type logMemo[K comparable, V any] struct {
	sync.Mutex
	m      map[string]V
	misses map[K]int
}

// skip reports whether the writes of kind have not been alike lately, so
// that this one should not look for its log (only every 16th does), and
// counts it.
func (l *logMemo[K, V]) skip(kind K) bool {
	l.Lock()
	defer l.Unlock()
	if misses := l.misses[kind]; misses >= 16 && misses%16 != 0 {
		l.misses[kind]++
		return true
	}
	return false
}

// get returns what log made, if remembered.
func (l *logMemo[K, V]) get(kind K, log []byte) (V, bool) {
	l.Lock()
	defer l.Unlock()
	v, ok := l.m[string(log)]
	if ok {
		l.misses[kind] = 0
	}
	return v, ok
}

// put remembers what log made, a miss of kind.
func (l *logMemo[K, V]) put(kind K, log []byte, v V) {
	l.Lock()
	defer l.Unlock()
	if len(l.m) >= 256 || l.m == nil {
		l.m = make(map[string]V, 256)
	}
	if len(l.misses) >= 256 || l.misses == nil {
		l.misses = make(map[K]int, 256)
	}
	l.m[string(log)] = v
	l.misses[kind]++
}

// comparedSets are a comparison's sets: added and modified are one set,
// as compareObjects makes them.
type comparedSets struct{ changed, removed fieldSet }

// noComparedMemo turns compareUpdate's memo off (a test compares with it
// off).
var noComparedMemo = false

// compareUpdate is compareObjects(old, cur, keep) for an update through
// subresource sub.
func compareUpdate(old, cur reflect.Value, keep func(string) bool, sub string) comparison {
	if noComparedMemo {
		return compareObjects(old, cur, keep)
	}
	kind := comparedKind{t: cur.Type(), sub: sub}
	if compared.skip(kind) {
		return compareObjects(old, cur, keep)
	}
	bp := logBuffers.Get().(*[]byte)
	defer logBuffers.Put(bp)
	*bp = (*bp)[:0]
	compareObjectsTo(comparison{log: bp}, old, cur, keep)
	sets, ok := compared.get(kind, *bp)
	if !ok {
		sets = replayLog(*bp)
		compared.put(kind, *bp, sets)
	}
	return comparison{added: sets.changed, modified: sets.changed, removed: sets.removed}
}

// replayLog makes the sets of a comparison from its log (note): what
// compareObjects would have made, added and modified paths in one set.
func replayLog(log []byte) comparedSets {
	out := comparedSets{changed: fieldSet{}, removed: fieldSet{}}
	nodes := &nodeArena{}
	for len(log) > 0 {
		s := out.changed
		if log[0] == removed {
			s = out.removed
		}
		log = log[1:]
		var n *fieldNode
		for {
			size, w := binary.Uvarint(log)
			log = log[w:]
			if size == 0 {
				break
			}
			pe := log[:size-1]
			log = log[size-1:]
			if n != nil {
				if n.children == nil {
					n.children = fieldSet{}
				}
				s = n.children
			}
			n = s[string(pe)]
			if n == nil {
				n = nodes.node()
				s[string(pe)] = n
			}
		}
		if n != nil {
			n.member = true
		}
	}
	return out
}
