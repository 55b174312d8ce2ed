package scheduler

// nominator remembers which pods are nominated to which node, after a
// preemption, so that other pods leave room for them, as the queue's
// nominator.
type nominator struct {
	byNode map[string][]*podInfo // in nomination order
	nodeOf map[string]string     // pod key -> node
}

func newNominator() *nominator {
	return &nominator{byNode: map[string][]*podInfo{}, nodeOf: map[string]string{}}
}

// add nominates pi to node, replacing an earlier nomination; "" removes it.
func (n *nominator) add(pi *podInfo, node string) {
	n.delete(pi.key)
	if node == "" {
		return
	}
	n.nodeOf[pi.key] = node
	n.byNode[node] = append(n.byNode[node], pi)
}

func (n *nominator) delete(key string) {
	node, ok := n.nodeOf[key]
	if !ok {
		return
	}
	delete(n.nodeOf, key)
	pods := n.byNode[node]
	for i, pi := range pods {
		if pi.key == key {
			pods = append(pods[:i:i], pods[i+1:]...)
			break
		}
	}
	if len(pods) == 0 {
		delete(n.byNode, node)
		return
	}
	n.byNode[node] = pods
}

// update follows a pod's update, as updateNominatedPod: a pod that had
// and has no nominatedNodeName keeps the nomination made in memory.
func (n *nominator) update(oldNominated string, pi *podInfo) {
	node := pi.pod.Status.NominatedNodeName
	if oldNominated == "" && node == "" {
		node = n.nodeOf[pi.key]
	}
	n.add(pi, node)
}

// empty reports whether no pod is nominated to any node.
func (n *nominator) empty() bool { return len(n.byNode) == 0 }

func (n *nominator) forNode(node string) []*podInfo {
	if len(n.byNode) == 0 {
		return nil
	}
	return n.byNode[node]
}
