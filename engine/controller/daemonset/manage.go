package daemonset

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// daemonPods returns the pods the set controls, adopting and releasing as
// ClaimPods does.
func (ctl *Controller) daemonPods(ds *api.DaemonSet) ([]*api.Pod, error) {
	sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return nil, err
	}
	return controller.Claim(ctl.c, ds, sel, ctl.pods.Select(ds.Namespace, api.Everything()))
}

// nodesToDaemonPods groups the set's pods by the node they are for; pods
// that finished and are being deleted are left out unless asked for.
func (ctl *Controller) nodesToDaemonPods(ds *api.DaemonSet, includeDeletedTerminal bool) (map[string][]*api.Pod, error) {
	pods, err := ctl.daemonPods(ds)
	if err != nil {
		return nil, err
	}
	out := map[string][]*api.Pod{}
	for _, p := range pods {
		if !includeDeletedTerminal && isTerminal(p) && p.DeletionTimestamp != nil {
			continue
		}
		if node, ok := targetNode(p); ok {
			out[node] = append(out[node], p)
		}
	}
	return out, nil
}

func isTerminal(p *api.Pod) bool {
	return p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded
}

// manage creates the set's pod on each node that should run one and has
// none, and deletes pods from nodes that should not run them.
func (ctl *Controller) manage(ds *api.DaemonSet, nodes []*api.Node, hash string) error {
	byNode, err := ctl.nodesToDaemonPods(ds, false)
	if err != nil {
		return fmt.Errorf("couldn't get node to daemon pod mapping for daemon set %q: %w", ds.Name, err)
	}
	var create, remove []string
	for _, n := range nodes {
		c, r := ctl.podsShouldBeOnNode(n, byNode, ds, hash)
		create = append(create, c...)
		remove = append(remove, r...)
	}
	remove = append(remove, unscheduledPodsWithoutNode(nodes, byNode)...)
	return ctl.syncNodes(ds, remove, create, hash)
}

// podsShouldBeOnNode says which pods to create on the node (its name, at
// most once) and which of its pods to delete.
func (ctl *Controller) podsShouldBeOnNode(n *api.Node, byNode map[string][]*api.Pod, ds *api.DaemonSet, hash string) (create, remove []string) {
	shouldRun, shouldContinue := ctl.shouldRun(n, ds)
	pods, exists := byNode[n.Name]
	switch {
	case shouldRun && !exists:
		return []string{n.Name}, nil
	case shouldContinue:
		return ctl.prunePods(n, pods, ds, hash, shouldRun)
	case exists:
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				remove = append(remove, p.Name)
			}
		}
	}
	return nil, remove
}

// prunePods deletes the node's finished pods (a failed one after the
// node's backoff) and, without surge, all but the oldest running pod; with
// surge it keeps one old and one new pod while the new one becomes
// available.
func (ctl *Controller) prunePods(n *api.Node, pods []*api.Pod, ds *api.DaemonSet, hash string, shouldRun bool) (create, remove []string) {
	var running []*api.Pod
	for _, p := range pods {
		switch {
		case p.DeletionTimestamp != nil:
		case p.Status.Phase == api.PodFailed:
			if ctl.failedPodMayGo(ds, n.Name) {
				ctl.rec.Eventf(ds, api.EventWarning, reasonFailedDaemonPod, "Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, n.Name)
				remove = append(remove, p.Name)
			}
		case p.Status.Phase == api.PodSucceeded:
			ctl.rec.Eventf(ds, api.EventNormal, reasonSucceededDaemon, "Found succeeded daemon pod %s/%s on node %s, will try to delete it", p.Namespace, p.Name, n.Name)
			remove = append(remove, p.Name)
		default:
			running = append(running, p)
		}
	}
	sortPods(running)
	if !allowsSurge(ds) {
		for _, p := range running[min(1, len(running)):] {
			remove = append(remove, p.Name)
		}
		return nil, remove
	}
	if len(running) == 0 && shouldRun {
		return []string{n.Name}, remove
	}
	return nil, append(remove, surgePodsToDelete(ds, running, hash, ctl.c)...)
}

// surgePodsToDelete keeps the oldest new pod and the oldest old pod, the
// old one only while it is ready and the new one not yet available.
func surgePodsToDelete(ds *api.DaemonSet, running []*api.Pod, hash string, c *client.Client) []string {
	var remove []string
	var oldestNew, oldestOld *api.Pod
	for _, p := range running {
		switch {
		case p.Labels[RevisionHashLabel] == hash && oldestNew == nil:
			oldestNew = p
		case p.Labels[RevisionHashLabel] != hash && oldestOld == nil:
			oldestOld = p
		default:
			remove = append(remove, p.Name)
		}
	}
	if oldestNew != nil && oldestOld != nil {
		if !controller.IsPodReady(oldestOld) || controller.IsPodAvailable(oldestNew, ds.Spec.MinReadySeconds, c.Now()) {
			remove = append(remove, oldestOld.Name)
		}
	}
	return remove
}

// failedPodMayGo reports whether a failed pod on the node may be deleted
// now; otherwise the set is synced again when the backoff ends.
func (ctl *Controller) failedPodMayGo(ds *api.DaemonSet, node string) bool {
	key := fmt.Sprintf("%s/%d/%s", ds.UID, ds.Status.ObservedGeneration, node)
	now := ctl.c.Now()
	if ctl.backoff.inBackoff(key, now) {
		ctl.queue.AddAfter(client.KeyOf(ds), ctl.backoff.get(key))
		return false
	}
	ctl.backoff.next(key, now)
	return true
}

// sortPods orders pods scheduled first, then oldest first, then by name.
func sortPods(pods []*api.Pod) {
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
			return a.Spec.NodeName != ""
		}
		if a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
			return a.Name < b.Name
		}
		return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
	})
}

// unscheduledPodsWithoutNode are pods pinned to nodes that no longer
// exist and never scheduled: the pod garbage collector cannot see them.
func unscheduledPodsWithoutNode(nodes []*api.Node, byNode map[string][]*api.Pod) []string {
	exists := map[string]bool{}
	for _, n := range nodes {
		exists[n.Name] = true
	}
	var out []string
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		if exists[node] {
			continue
		}
		for _, p := range byNode[node] {
			if p.Spec.NodeName == "" {
				out = append(out, p.Name)
			}
		}
	}
	return out
}

// syncNodes deletes the pods named and creates a pod on each node named,
// at most burstReplicas of each, creating in slow-start batches and then
// deleting, controller.CreateChunk calls per event of the loop (upstream
// makes them from goroutines while the cluster goes on; 250 creates in
// one event held the browser's worker for 0.29 s when 1,000 nodes
// joined). The errors of work done at once are the sync's; those of work
// that went on in later events requeue the set with the queue's backoff.
func (ctl *Controller) syncNodes(ds *api.DaemonSet, remove, create []string, hash string) error {
	key := client.KeyOf(ds)
	create, remove = create[:min(len(create), burstReplicas)], remove[:min(len(remove), burstReplicas)]
	ctl.exp.Expect(key, len(create), len(remove), ctl.c.Now())
	tmpl := podTemplate(ds, hash)
	var errs []error
	b := controller.NewSlowStart(len(create))
	createOne := func() error {
		err := ctl.createPod(ds, tmpl, create[b.Calls()])
		if err != nil {
			ctl.exp.Created(key)
			errs = append(errs, err)
		}
		return err
	}
	created, deleted := false, 0
	step := func() bool {
		budget := controller.CreateChunk
		if !created {
			before := b.Calls()
			if !b.Run(budget, createOne) {
				return false
			}
			created = true
			// The pods a failed batch left out will not be observed.
			for range create[b.Calls():] {
				ctl.exp.Created(key)
			}
			budget -= b.Calls() - before
		}
		for end := min(deleted+budget, len(remove)); deleted < end; deleted++ {
			if err := ctl.deletePod(ds, remove[deleted]); err != nil {
				ctl.exp.Deleted(key)
				if !apiserver.IsNotFound(err) {
					errs = append(errs, err)
				}
			}
		}
		return deleted == len(remove)
	}
	end := func() error { return errors.Join(errs...) }
	return controller.InEvents(ctl.c.Loop(), step, end, func() { ctl.queue.Retry(key) })
}

// podTemplate is CreatePodTemplate: the set's template with the daemon
// tolerations and the revision's labels.
func podTemplate(ds *api.DaemonSet, hash string) *api.PodTemplateSpec {
	t := api.Clone(&ds.Spec.Template)
	addDaemonTolerations(&t.Spec)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if gen, err := strconv.ParseInt(ds.Annotations[TemplateGenerationAnnotate], 10, 64); err == nil {
		t.Labels[TemplateGenLabel] = strconv.FormatInt(gen, 10)
	}
	if hash != "" {
		t.Labels[RevisionHashLabel] = hash
	}
	return t
}

func (ctl *Controller) createPod(ds *api.DaemonSet, tmpl *api.PodTemplateSpec, node string) error {
	p := controller.PodFromTemplate(tmpl, ds, ds.Name+"-")
	pinToNode(&p.Spec, node)
	out, err := client.Create(ctl.c, p)
	if err != nil {
		if !apiserver.IsNamespaceTerminating(err) {
			ctl.rec.Eventf(ds, api.EventWarning, "FailedCreate", "Error creating: %v", err)
		}
		return err
	}
	ctl.rec.Eventf(ds, api.EventNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
	return nil
}

func (ctl *Controller) deletePod(ds *api.DaemonSet, name string) error {
	err := client.Delete[*api.Pod](ctl.c, ds.Namespace, name, apiserver.DeleteOptions{})
	switch {
	case apiserver.IsNotFound(err):
	case err != nil:
		ctl.rec.Eventf(ds, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
	default:
		ctl.rec.Eventf(ds, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", name)
	}
	return err
}
