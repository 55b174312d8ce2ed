package apiserver

import (
	"encoding/binary"
	"reflect"
	"slices"
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

// hit counts a write of kind whose log was found another way
// (comparedShapes) as one that was.
func (l *logMemo[K, V]) hit(kind K) {
	l.Lock()
	defer l.Unlock()
	if l.misses[kind] != 0 {
		l.misses[kind] = 0
	}
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
	if ok {
		return sets.comparison()
	}
	kl := keyedLogs.Get().(*keyedLog)
	defer keyedLogs.Put(kl)
	if kl.of(*bp) {
		// The same write of another object: its keyed items' keys (a
		// pod's IP in its first status write) are all that differ.
		if shape, ok := comparedShapes.get(kind, kl.log); ok {
			compared.hit(kind)
			return shape.with(kl.keys).comparison()
		}
		comparedShapes.put(kind, kl.log, newKeyedShape(replayLog(kl.log)))
	}
	sets = replayLog(*bp)
	compared.put(kind, *bp, sets)
	return sets.comparison()
}

func (s comparedSets) comparison() comparison {
	return comparison{added: s.changed, modified: s.changed, removed: s.removed}
}

// comparedShapes holds the recent updates' sets by their log with the
// keys of keyed list items left out (keyedLog): the sets name the keys
// by their place in the log, and with gives them back.
var comparedShapes logMemo[comparedKind, *keyedShape]

// keyedLog is a comparison's log in which each keyed list item's path
// element ("k:{...}") is written as the number of its key among the
// distinct keys of the log (keys), the same key the same number. Path
// elements never hold a NUL (a key is JSON, which escapes it), so an
// element "k\x00" plus the number names no item of its own.
type keyedLog struct {
	log  []byte
	keys []string
}

var keyedLogs = sync.Pool{New: func() any { return new(keyedLog) }}

// maxKeys is how many distinct keys a keyed log names (one byte each).
const maxKeys = 255

// of makes the keyed log of a comparison's log; it reports whether it
// left out any key, and not too many.
func (l *keyedLog) of(log []byte) bool {
	l.log, l.keys = l.log[:0], l.keys[:0]
	b := l.log
	for len(log) > 0 {
		b, log = append(b, log[0]), log[1:]
		for {
			size, w := binary.Uvarint(log)
			log = log[w:]
			if size == 0 {
				b = append(b, 0)
				break
			}
			pe := log[:size-1]
			log = log[size-1:]
			if len(pe) > 2 && pe[0] == 'k' && pe[1] == ':' {
				i := slices.IndexFunc(l.keys, func(k string) bool { return k == string(pe) })
				if i < 0 {
					if len(l.keys) == maxKeys {
						return false
					}
					i = len(l.keys)
					l.keys = append(l.keys, string(pe))
				}
				b = append(b, 4, 'k', 0, byte(i)) // the length 3, plus one
				continue
			}
			b = binary.AppendUvarint(b, size)
			b = append(b, pe...)
		}
	}
	l.log = b
	return len(l.keys) > 0
}

// keyIndex is the number a keyed log's element names, if it names one.
func keyIndex(pe string) (int, bool) {
	if len(pe) == 3 && pe[0] == 'k' && pe[1] == 0 {
		return int(pe[2]), true
	}
	return 0, false
}

// keyedShape is the sets of a keyed log, and the paths to its numbered
// keys.
type keyedShape struct {
	sets             comparedSets
	changed, removed keyTrie
}

// keyTrie holds the path elements on the way to a set's numbered keys
// (nil when there is none below).
type keyTrie map[string]keyTrie

func newKeyedShape(s comparedSets) *keyedShape {
	return &keyedShape{sets: s, changed: trieOf(s.changed), removed: trieOf(s.removed)}
}

func trieOf(s fieldSet) keyTrie {
	var t keyTrie
	for k, n := range s {
		sub := trieOf(n.children)
		if _, keyed := keyIndex(k); keyed || sub != nil {
			if t == nil {
				t = keyTrie{}
			}
			t[k] = sub
		}
	}
	return t
}

// with is the sets with the keys given back: the maps on the way to a
// key are made anew, the rest shared.
func (s *keyedShape) with(keys []string) comparedSets {
	return comparedSets{changed: withKeys(s.sets.changed, s.changed, keys), removed: withKeys(s.sets.removed, s.removed, keys)}
}

func withKeys(s fieldSet, t keyTrie, keys []string) fieldSet {
	if t == nil {
		return s
	}
	out := make(fieldSet, len(s))
	for k, n := range s {
		if _, on := t[k]; !on {
			out[k] = n
		}
	}
	for k, sub := range t {
		n := s[k]
		if sub != nil {
			n = &fieldNode{member: n.member, children: withKeys(n.children, sub, keys)}
		}
		if i, keyed := keyIndex(k); keyed {
			k = keys[i]
		}
		out[k] = n
	}
	return out
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
