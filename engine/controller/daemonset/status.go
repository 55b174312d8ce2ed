package daemonset

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// updateStatus writes the set's counts, as updateDaemonSetStatus: per node
// that should run the set, whether it has a pod and whether the oldest one
// is ready, available and of the current revision; per node that should
// not, whether it has one anyway. observedGeneration moves only when the
// sync acted on this generation. While ready pods wait out
// minReadySeconds, the set is synced again when they are due.
func (ctl *Controller) updateStatus(ds *api.DaemonSet, nodes []*api.Node, hash string, observe bool) (loop.Result, error) {
	byNode, err := ctl.nodesToDaemonPods(ds, false)
	if err != nil {
		return loop.Result{}, fmt.Errorf("couldn't get node to daemon pod mapping for daemon set %q: %w", ds.Name, err)
	}
	st := ds.Status
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberMisscheduled = 0, 0, 0
	st.NumberReady, st.UpdatedNumberScheduled, st.NumberAvailable = 0, 0, 0
	now := ctl.c.Now()
	for _, n := range nodes {
		run, _ := ctl.shouldRun(n, ds)
		pods := byNode[n.Name]
		switch {
		case !run:
			if len(pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		case len(pods) == 0:
			st.DesiredNumberScheduled++
			continue
		}
		st.DesiredNumberScheduled++
		st.CurrentNumberScheduled++
		sortPods(pods)
		p := pods[0]
		if controller.IsPodReady(p) {
			st.NumberReady++
			if controller.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) {
				st.NumberAvailable++
			}
		}
		if hash != "" && p.Labels[RevisionHashLabel] == hash {
			st.UpdatedNumberScheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	if observe {
		st.ObservedGeneration = ds.Generation
	}
	var res loop.Result
	if ds.Spec.MinReadySeconds > 0 && st.NumberReady != st.NumberAvailable {
		res.RequeueAfter = time.Duration(ds.Spec.MinReadySeconds) * time.Second
	}
	if sameCounts(ds, st) {
		return res, nil
	}
	upd := api.Clone(ds)
	upd.Status = st
	_, err = client.UpdateStatus(ctl.c, upd)
	return res, err
}

// sameCounts is storeDaemonSetStatus's test for a write it can skip.
func sameCounts(ds *api.DaemonSet, st api.DaemonSetStatus) bool {
	old := ds.Status
	return old.DesiredNumberScheduled == st.DesiredNumberScheduled && old.CurrentNumberScheduled == st.CurrentNumberScheduled &&
		old.NumberMisscheduled == st.NumberMisscheduled && old.NumberReady == st.NumberReady &&
		old.UpdatedNumberScheduled == st.UpdatedNumberScheduled && old.NumberAvailable == st.NumberAvailable &&
		old.NumberUnavailable == st.NumberUnavailable && old.ObservedGeneration >= ds.Generation
}
