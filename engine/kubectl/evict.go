package kubectl

import (
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Upstream's drain evicts each pod in a goroutine of its own: it asks for
// the eviction, sleeps 5 s after each 429 and asks again, and once it is
// granted polls the pod every second until it is gone. Here the same
// steps run as a discrete-event simulation on the cluster's clock: each
// pod has its next step and the instant it is due, the earliest is waited
// for through the host, and the steps due at one instant run in the
// pods' order. The output is the same every run, and as upstream's.

const (
	evictRetryInterval = 5 * time.Second
	deletePollInterval = time.Second
)

// evictee is one pod being evicted.
type evictee struct {
	pod     *api.Pod
	waiting bool      // evicted; waiting for it to be gone
	due     time.Time // when its next step runs
	done    bool
}

// deleteOrEvict evicts the pods, or deletes them with --disable-eviction.
func (d *drainer) deleteOrEvict(pods []*api.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	if d.opts.disableEviction {
		return d.deletePods(pods)
	}
	return d.evictPods(pods)
}

// deleteOptions are the options of each eviction or deletion.
func (d *drainer) deleteOptions() *api.DeleteOptions {
	opts := &api.DeleteOptions{}
	if d.opts.gracePeriod >= 0 {
		opts.GracePeriodSeconds = api.Ptr(d.opts.gracePeriod)
	}
	if d.strategy == dryRunServer {
		opts.DryRun = []string{"All"}
	}
	return opts
}

// timedOut reports whether --timeout (0: none) has passed since start.
func (d *drainer) timedOut(start, now time.Time) bool {
	return d.opts.timeout > 0 && !now.Before(start.Add(d.opts.timeout))
}

func (d *drainer) evictPods(pods []*api.Pod) error {
	start := d.k.c.Now()
	evictees := make([]*evictee, len(pods))
	for i, p := range pods {
		evictees[i] = &evictee{pod: p, due: start}
	}
	var errs aggregate
	for {
		now := d.k.c.Now()
		for _, e := range evictees {
			if e.done || e.due.After(now) {
				continue
			}
			if err := d.evictStep(e, start, now); err != nil {
				errs = append(errs, err)
			}
		}
		next, ok := nextDue(evictees)
		if !ok {
			break
		}
		if err := d.sleep(next.Sub(now)); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func nextDue(es []*evictee) (time.Time, bool) {
	var next time.Time
	found := false
	for _, e := range es {
		if !e.done && (!found || e.due.Before(next)) {
			next, found = e.due, true
		}
	}
	return next, found
}

// sleep lets the cluster run for d of virtual time.
func (d *drainer) sleep(dur time.Duration) error {
	err := d.k.host.Wait(d.ctx, dur, func() bool { return false })
	if errors.Is(err, ErrTimeout) {
		return nil
	}
	return err
}

// evictStep runs one pod's next step: an eviction request, or a look
// whether it is gone yet.
func (d *drainer) evictStep(e *evictee, start, now time.Time) error {
	if e.waiting {
		return d.pollEvicted(e, start, now)
	}
	p := e.pod
	suffix := ""
	if d.strategy == dryRunServer {
		suffix = dryRunServer.suffix()
	}
	fmt.Fprintf(d.io.Out, "evicting pod %s/%s%s\n", p.Namespace, p.Name, suffix)
	if d.timedOut(start, now) {
		e.done = true
		return fmt.Errorf("error when evicting pods/%q -n %q: global timeout reached: %v", p.Name, p.Namespace, d.opts.timeout)
	}
	err := d.k.c.Evict(p.Namespace, p.Name, d.deleteOptions())
	switch {
	case err == nil && d.strategy == dryRunServer, apiserver.IsNotFound(err):
		e.done = true
		return nil
	case err == nil:
		e.waiting = true
		return d.pollEvicted(e, start, now) // the first look is at once
	case apiserver.IsTooManyRequests(err):
		fmt.Fprintf(d.io.Err, "error when evicting pods/%q -n %q (will retry after 5s): %v\n", p.Name, p.Namespace, err)
		e.due = now.Add(evictRetryInterval)
		return nil
	}
	e.done = true
	return fmt.Errorf("error when evicting pods/%q -n %q: %v", p.Name, p.Namespace, err)
}

// pollEvicted looks whether an evicted pod is gone.
func (d *drainer) pollEvicted(e *evictee, start, now time.Time) error {
	gone, err := d.gone(e.pod, evicted)
	if gone || err != nil {
		e.done = true
		if err != nil {
			return fmt.Errorf("error when waiting for pod %q in namespace %q to terminate: %v", e.pod.Name, e.pod.Namespace, err)
		}
		return nil
	}
	if d.timedOut(start, now) {
		e.done = true
		return fmt.Errorf("error when waiting for pod %q in namespace %q to terminate: global timeout reached: %v", e.pod.Name, e.pod.Namespace, d.opts.timeout)
	}
	e.due = now.Add(deletePollInterval)
	return nil
}

// How drain reports the end of a pod: its words for success and failure.
type ending struct{ done, failed string }

var (
	evicted = ending{"evicted", "eviction failed"}
	deleted = ending{"deleted", "deletion failed"}
)

// gone looks at a pod once, as waitForDelete's poll does: a pod that is
// gone (or replaced) is reported as evicted or deleted, one that has been
// going for too long is no longer waited for.
func (d *drainer) gone(p *api.Pod, end ending) (bool, error) {
	cur, err := client.Get[*api.Pod](d.k.c, p.Namespace, p.Name)
	switch {
	case apiserver.IsNotFound(err) || err == nil && cur.UID != p.UID:
		fmt.Fprintf(d.io.Out, "pod/%s %s\n", p.Name, end.done)
		return true, nil
	case err != nil:
		fmt.Fprintf(d.io.Out, "pod/%s %s\n", p.Name, end.failed)
		return false, err
	case d.skipWaitFor(cur):
		fmt.Fprintf(d.io.Out, "pod %q has DeletionTimestamp older than %v seconds, skipping\n", p.Name, d.opts.skipWaitSeconds)
		return true, nil
	}
	return false, nil
}

// deletePods deletes the pods (--disable-eviction, which no budget stops)
// and waits for them all, polling every second.
func (d *drainer) deletePods(pods []*api.Pod) error {
	if d.strategy == dryRunServer {
		// The server would delete them (or find them gone already); since
		// kubectl 1.37 drain does not wait for pods a dry run leaves.
		return nil
	}
	opts := apiserver.DeleteOptions{GracePeriodSeconds: d.deleteOptions().GracePeriodSeconds}
	for _, p := range pods {
		if err := client.Delete[*api.Pod](d.k.c, p.Namespace, p.Name, opts); err != nil && !apiserver.IsNotFound(err) {
			return err
		}
	}
	start := d.k.c.Now()
	for {
		var pending []*api.Pod
		for _, p := range pods {
			gone, err := d.gone(p, deleted)
			if err != nil {
				return err
			}
			if !gone {
				pending = append(pending, p)
			}
		}
		if pods = pending; len(pods) == 0 {
			return nil
		}
		if d.timedOut(start, d.k.c.Now()) {
			return ErrTimeout
		}
		if err := d.sleep(deletePollInterval); err != nil {
			return err
		}
	}
}
