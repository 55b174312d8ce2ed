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

// compared holds the recent updates' sets by their log, and how many
// updates of each kind in a row found none.
var compared struct {
	sync.Mutex
	m      map[string]comparedSets
	misses map[comparedKind]int
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
	compared.Lock()
	misses := compared.misses[kind]
	if misses >= 16 && misses%16 != 0 {
		// The updates of this kind have not been alike lately: try the
		// log only every 16th time.
		compared.misses[kind]++
		compared.Unlock()
		return compareObjects(old, cur, keep)
	}
	compared.Unlock()
	bp := logBuffers.Get().(*[]byte)
	defer logBuffers.Put(bp)
	*bp = (*bp)[:0]
	compareObjectsTo(comparison{log: bp}, old, cur, keep)
	compared.Lock()
	sets, ok := compared.m[string(*bp)]
	if ok {
		compared.misses[kind] = 0
	}
	compared.Unlock()
	if !ok {
		sets = replayLog(*bp)
		compared.Lock()
		if len(compared.m) >= 256 || compared.m == nil {
			compared.m = make(map[string]comparedSets, 256)
		}
		if len(compared.misses) >= 256 || compared.misses == nil {
			compared.misses = make(map[comparedKind]int, 256)
		}
		compared.m[string(*bp)] = sets
		compared.misses[kind]++
		compared.Unlock()
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
