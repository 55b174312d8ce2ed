package scheduler

import "container/heap"

// podHeap is a heap of queued pods that can remove and fix any of them,
// as the queue's heap.Heap. A pod is in one heap at most, and keeps its
// index there.
type podHeap struct {
	items []*queuedPod
	less  func(a, b *queuedPod) bool
}

func newPodHeap(less func(a, b *queuedPod) bool) *podHeap {
	return &podHeap{less: less}
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }

func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index = i
	h.items[j].index = j
}

func (h *podHeap) Push(x any) {
	qp := x.(*queuedPod)
	qp.index = len(h.items)
	h.items = append(h.items, qp)
}

func (h *podHeap) Pop() any {
	n := len(h.items) - 1
	qp := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	qp.index = -1
	return qp
}

func (h *podHeap) add(qp *queuedPod) { heap.Push(h, qp) }

func (h *podHeap) has(qp *queuedPod) bool {
	i := qp.index
	return i >= 0 && i < len(h.items) && h.items[i] == qp
}

func (h *podHeap) remove(qp *queuedPod) {
	if h.has(qp) {
		heap.Remove(h, qp.index)
	}
}

func (h *podHeap) fix(qp *queuedPod) {
	if h.has(qp) {
		heap.Fix(h, qp.index)
	}
}

func (h *podHeap) peek() (*queuedPod, bool) {
	if len(h.items) == 0 {
		return nil, false
	}
	return h.items[0], true
}

func (h *podHeap) pop() (*queuedPod, bool) {
	if len(h.items) == 0 {
		return nil, false
	}
	return heap.Pop(h).(*queuedPod), true
}
