package client

import (
	"container/list"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// refLRU is the plain least-recently-used cache the slice-linked lru
// replaced: a map into a container/list, most recent first.
type refLRU struct {
	max   int
	order *list.List
	items map[eventKey]*list.Element
}

type refEntry struct {
	key   eventKey
	value int
}

func (c *refLRU) get(key eventKey) (int, bool) {
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*refEntry).value, true
	}
	return 0, false
}

func (c *refLRU) add(key eventKey, v int) {
	if e, ok := c.items[key]; ok {
		e.Value.(*refEntry).value = v
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&refEntry{key: key, value: v})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*refEntry).key)
	}
}

// The lru keeps, finds and evicts exactly what the plain one does,
// through random gets and adds over more keys than it holds.
func TestLRUMatchesPlainLRU(t *testing.T) {
	for seed := range uint64(100) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			size := 1 + rng.IntN(8)
			keys := 1 + rng.IntN(3*size)
			got := newLRU[int](size)
			want := &refLRU{max: size, order: list.New(), items: map[eventKey]*list.Element{}}
			for op := range 500 {
				k := eventKey{uint64(rng.IntN(keys)), 1}
				if rng.IntN(2) == 0 {
					got.add(k, op)
					want.add(k, op)
				} else {
					gv, gok := got.get(k)
					wv, wok := want.get(k)
					require.Equal(t, wok, gok, "op %d: key %v found", op, k)
					require.Equal(t, wv, gv, "op %d: key %v", op, k)
				}
				require.Equal(t, want.order.Len(), got.len())
				// Most recent first, in both.
				i := got.head
				for e := want.order.Front(); e != nil; e = e.Next() {
					require.Equal(t, e.Value.(*refEntry).key, got.nodes[i].key, "op %d", op)
					i = got.nodes[i].next
				}
				require.Equal(t, int32(-1), i)
			}
		})
	}
}
