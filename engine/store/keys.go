package store

import (
	"slices"
	"sort"
	"strings"
)

// keyIndex keeps the store's keys in order for prefix ranges, sorted only
// when a range is read. A write appends its new key to its bucket's
// unsorted tail and a delete only counts it: creating a pod or an event
// costs no comparison of keys, where a B-tree compared each new key with
// a score of others (their long common prefix each time), 3 % of a
// 10,000-pod scale-up in the browser. The next range over the bucket
// sorts the tail, merges it in and drops the keys gone.
//
// The keys are kept by bucket (bucket, "/registry/pods/"): a bucket's
// keys all sort before the next bucket's (two buckets differ before
// either ends), so a range within a bucket reads only that bucket, and a
// wider one reads the buckets in order, merged with the keys that have no
// bucket.
type keyIndex struct {
	buckets map[string]*keyBucket
	names   []string // the buckets' names, sorted
}

type keyBucket struct {
	sorted []string // in order; some may be gone (stale counts them)
	added  []string // since the last sort, unordered; some may be gone
	stale  int      // deletes since the last sort
}

func newKeyIndex() *keyIndex {
	return &keyIndex{buckets: map[string]*keyBucket{}}
}

// insert adds a key that is not in the store.
func (x *keyIndex) insert(key string) {
	b := bucket(key)
	kb := x.buckets[b]
	if kb == nil {
		kb = &keyBucket{}
		x.buckets[b] = kb
		i, _ := slices.BinarySearch(x.names, b)
		x.names = slices.Insert(x.names, i, b)
	}
	kb.added = append(kb.added, key)
}

// remove notes that a key left the store.
func (x *keyIndex) remove(key string, data map[string]*KV) {
	kb := x.buckets[bucket(key)]
	if kb == nil {
		return
	}
	kb.stale++
	// Keys created and deleted with no range read in between (events
	// expiring, pods replaced) are dropped once they are half of the
	// bucket, so that what is gone does not pile up.
	if kb.stale > 1024 && kb.stale > (len(kb.sorted)+len(kb.added))/2 {
		kb.settle(data)
	}
}

// settle sorts what was added, merges it in and drops the keys gone.
func (kb *keyBucket) settle(data map[string]*KV) {
	if len(kb.added) == 0 && kb.stale == 0 {
		return
	}
	slices.Sort(kb.added)
	out := make([]string, 0, len(kb.sorted)+len(kb.added))
	i, j := 0, 0
	for i < len(kb.sorted) || j < len(kb.added) {
		var k string
		switch {
		case j == len(kb.added) || i < len(kb.sorted) && kb.sorted[i] <= kb.added[j]:
			k = kb.sorted[i]
			i++
		default:
			k = kb.added[j]
			j++
		}
		// A key deleted and created again is in both, or twice in added.
		if n := len(out); n > 0 && out[n-1] == k || data[k] == nil {
			continue
		}
		out = append(out, k)
	}
	clear(kb.added)
	kb.sorted, kb.added, kb.stale = out, kb.added[:0], 0
}

// ascend calls f for each live key under prefix, in order.
func (x *keyIndex) ascend(prefix string, data map[string]*KV, f func(key string)) {
	if b := bucket(prefix); b != "" {
		if kb := x.buckets[b]; kb != nil {
			kb.settle(data)
			for _, k := range underPrefix(kb.sorted, prefix) {
				f(k)
			}
		}
		return
	}
	// A prefix shorter than a bucket: the buckets in order, merged with
	// the keys without one (which may sort among them).
	var loose []string // the keys without a bucket under prefix
	if kb := x.buckets[""]; kb != nil {
		kb.settle(data)
		loose = underPrefix(kb.sorted, prefix)
	}
	for _, name := range x.names {
		// A bucket's keys are under prefix when its name is.
		if name == "" || !strings.HasPrefix(name, prefix) {
			continue
		}
		kb := x.buckets[name]
		kb.settle(data)
		for _, k := range kb.sorted {
			for len(loose) > 0 && loose[0] < k {
				f(loose[0])
				loose = loose[1:]
			}
			f(k)
		}
	}
	for _, k := range loose {
		f(k)
	}
}

// underPrefix is the part of sorted under prefix.
func underPrefix(sorted []string, prefix string) []string {
	from := sorted[sort.SearchStrings(sorted, prefix):]
	return from[:sort.Search(len(from), func(i int) bool { return !strings.HasPrefix(from[i], prefix) })]
}
