package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// statusViewer says how far a rollout is and whether it is done, as
// polymorphichelpers' StatusViewers.
type statusViewer func(obj api.Object, revision int64) (string, bool, error)

func statusViewerFor(r *api.ResourceInfo) (statusViewer, error) {
	switch r.GroupKind() {
	case "Deployment.apps":
		return deploymentStatus, nil
	case "DaemonSet.apps":
		return daemonSetStatus, nil
	case "StatefulSet.apps":
		return statefulSetStatus, nil
	}
	return nil, fmt.Errorf("no status viewer has been implemented for %s", r.GroupKind())
}

func deploymentStatus(obj api.Object, revision int64) (string, bool, error) {
	d := obj.(*api.Deployment)
	if revision > 0 {
		rev, err := strconv.ParseInt(d.Annotations["deployment.kubernetes.io/revision"], 10, 64)
		if err != nil {
			return "", false, fmt.Errorf("cannot get the revision of deployment %q: %v", d.Name, err)
		}
		if rev != revision {
			return "", false, fmt.Errorf("desired revision (%d) is different from the running revision (%d)", revision, rev)
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	st := d.Status
	switch {
	case d.Spec.Replicas != nil && st.UpdatedReplicas < *d.Spec.Replicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n", d.Name, st.UpdatedReplicas, *d.Spec.Replicas), false, nil
	case st.Replicas > st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n", d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	case st.AvailableReplicas < st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n", d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

func daemonSetStatus(obj api.Object, _ int64) (string, bool, error) {
	ds := obj.(*api.DaemonSet)
	if ds.Spec.UpdateStrategy.Type != "RollingUpdate" {
		return "", true, errors.New("rollout status is only available for RollingUpdate strategy type")
	}
	if ds.Generation > ds.Status.ObservedGeneration {
		return "Waiting for daemon set spec update to be observed...\n", false, nil
	}
	st := ds.Status
	switch {
	case st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...\n", ds.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled), false, nil
	case st.NumberAvailable < st.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...\n", ds.Name, st.NumberAvailable, st.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out\n", ds.Name), true, nil
}

func statefulSetStatus(obj api.Object, _ int64) (string, bool, error) {
	s := obj.(*api.StatefulSet)
	if s.Spec.UpdateStrategy.Type != "RollingUpdate" {
		return "", true, errors.New("rollout status is only available for RollingUpdate strategy type")
	}
	st := s.Status
	if st.ObservedGeneration == 0 || s.Generation > st.ObservedGeneration {
		return "Waiting for statefulset spec update to be observed...\n", false, nil
	}
	if s.Spec.Replicas != nil && st.ReadyReplicas < *s.Spec.Replicas {
		return fmt.Sprintf("Waiting for %d pods to be ready...\n", *s.Spec.Replicas-st.ReadyReplicas), false, nil
	}
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if s.Spec.Replicas != nil && ru.Partition != nil && st.UpdatedReplicas < *s.Spec.Replicas-*ru.Partition {
			return fmt.Sprintf("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...\n", st.UpdatedReplicas, *s.Spec.Replicas-*ru.Partition), false, nil
		}
		return fmt.Sprintf("partitioned roll out complete: %d new pods have been updated...\n", st.UpdatedReplicas), true, nil
	}
	if st.UpdateRevision != st.CurrentRevision {
		return fmt.Sprintf("waiting for statefulset rolling update to complete %d pods at revision %s...\n", st.UpdatedReplicas, st.UpdateRevision), false, nil
	}
	return fmt.Sprintf("statefulset rolling update complete %d pods at revision %s...\n", st.CurrentReplicas, st.CurrentRevision), true, nil
}

// rolloutStatus is `kubectl rollout status`: it prints the status at
// every change of the object until the rollout is done, waiting on the
// cluster's clock through the host, as kubectl's watch does.
func (k *Kubectl) rolloutStatus(ctx context.Context, io IO, args []string) error {
	f := k.newRolloutFlags("status")
	watch := f.fs.Bool("watch", "w", true)
	revision := f.fs.Int("revision", "", 0)
	timeout := f.fs.Duration("timeout", 0)
	pos, _, err := f.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && len(*f.files) == 0 {
		return errRequiredResource
	}
	if *revision < 0 {
		return fmt.Errorf("revision must be a positive integer: %v", *revision)
	}
	objs, err := k.rolloutObjects(io, f, pos)
	if err != nil {
		return err
	}
	if len(objs) != 1 {
		return fmt.Errorf("rollout status is only supported on individual resources and resource collections - %d resources were found", len(objs))
	}
	o := objs[0]
	view, err := statusViewerFor(o.r)
	if err != nil {
		return err
	}
	w := &statusWatch{k: k, io: io, o: o, view: view, revision: *revision, watch: *watch}
	return w.run(ctx, *timeout)
}

type statusWatch struct {
	k        *Kubectl
	io       IO
	o        object
	view     statusViewer
	revision int64
	watch    bool
	events   []apiserver.WatchEvent
}

// show prints the status of obj and reports whether to stop.
func (w *statusWatch) show(obj api.Object) (bool, error) {
	status, done, err := w.view(obj, w.revision)
	if err != nil {
		return true, err
	}
	fmt.Fprint(w.io.Out, status)
	return done || !w.watch, nil
}

func (w *statusWatch) run(ctx context.Context, timeout time.Duration) error {
	if stop, err := w.show(w.o.obj); stop || err != nil {
		return err
	}
	opts := apiserver.ListOptions{FieldSelector: "metadata.name=" + w.o.name(), ResourceVersion: w.o.obj.GetObjectMeta().ResourceVersion}
	stopWatch, err := w.k.c.Watch(w.o.r, w.o.ns(), opts, func(ev apiserver.WatchEvent) { w.events = append(w.events, ev) })
	if err != nil {
		return err
	}
	defer stopWatch()
	if timeout == 0 {
		timeout = 7 * 24 * time.Hour // "zero means never"
	}
	deadline := w.k.c.Now().Add(timeout)
	for {
		err := w.k.host.Wait(ctx, deadline.Sub(w.k.c.Now()), func() bool { return len(w.events) > 0 })
		if errors.Is(err, ErrTimeout) {
			return errors.New("timed out waiting for the condition")
		}
		if err != nil {
			return err
		}
		events := w.events
		w.events = nil
		for _, ev := range events {
			if ev.Type == apiserver.Deleted {
				return errors.New("object has been deleted")
			}
			if stop, err := w.show(ev.Object); stop || err != nil {
				return err
			}
		}
	}
}
