package kubectl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

func (d *describer) deployment(dep *api.Deployment) (string, error) {
	sel, err := api.SelectorFromLabelSelector(dep.Spec.Selector)
	if err != nil {
		return "", err
	}
	oldRSs, newRS := d.deploymentReplicaSets(dep)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", dep.Name)
		w.write(0, "Namespace:\t%s\n", dep.Namespace)
		w.write(0, "CreationTimestamp:\t%s\n", rfc1123(dep.CreationTimestamp.Time))
		w.labels("Labels", dep.Labels)
		w.annotations("Annotations", dep.Annotations)
		w.write(0, "Selector:\t%s\n", sel.String())
		st := dep.Status
		w.write(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
			api.Deref(dep.Spec.Replicas, 1), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
		w.write(0, "StrategyType:\t%s\n", dep.Spec.Strategy.Type)
		w.write(0, "MinReadySeconds:\t%d\n", dep.Spec.MinReadySeconds)
		if ru := dep.Spec.Strategy.RollingUpdate; ru != nil {
			w.write(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", intOrStringPtr(ru.MaxUnavailable), intOrStringPtr(ru.MaxSurge))
		}
		describePodTemplate(w, &dep.Spec.Template)
		if len(st.Conditions) > 0 {
			w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
			w.write(1, "----\t------\t------\n")
			for _, c := range st.Conditions {
				w.write(1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
			}
		}
		if len(oldRSs) > 0 || newRS != nil {
			var news []*api.ReplicaSet
			if newRS != nil {
				news = append(news, newRS)
			}
			w.write(0, "OldReplicaSets:\t%s\n", replicaSetsCreated(oldRSs))
			w.write(0, "NewReplicaSet:\t%s\n", replicaSetsCreated(news))
		}
		d.eventsSection(w, dep)
	}), nil
}

// intOrStringPtr prints a *IntOrString as intstr's String does ("<nil>"
// when unset).
func intOrStringPtr(v *api.IntOrString) string {
	if v == nil {
		return "<nil>"
	}
	return v.String()
}

func replicaSetsCreated(rss []*api.ReplicaSet) string {
	parts := make([]string, 0, len(rss))
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, api.Deref(rs.Spec.Replicas, 1)))
	}
	if len(parts) == 0 {
		return "<none>"
	}
	return strings.Join(parts, ", ")
}

// deploymentReplicaSets finds a Deployment's ReplicaSets as kubectl's
// deployment util does: those it controls, oldest first; the new one is the
// first whose template matches the Deployment's, ignoring the hash label.
func (d *describer) deploymentReplicaSets(dep *api.Deployment) (old []*api.ReplicaSet, current *api.ReplicaSet) {
	r, _ := api.LookupResource("replicasets")
	l, err := d.k.c.List(r, dep.Namespace, apiserver.ListOptions{LabelSelector: labelSelector(dep.Spec.Selector)})
	if err != nil || dep.Spec.Selector == nil {
		return nil, nil
	}
	var owned []*api.ReplicaSet
	for _, o := range l.Items {
		rs := o.(*api.ReplicaSet)
		for _, ref := range rs.OwnerReferences {
			if api.Deref(ref.Controller, false) && ref.UID == dep.UID {
				owned = append(owned, rs)
				break
			}
		}
	}
	sort.Sort(replicaSetsByCreation(owned))
	for _, rs := range owned {
		if sameTemplateIgnoringHash(&rs.Spec.Template, &dep.Spec.Template) {
			current = rs
			break
		}
	}
	for _, rs := range owned {
		if rs != current {
			old = append(old, rs)
		}
	}
	return old, current
}

type replicaSetsByCreation []*api.ReplicaSet

func (l replicaSetsByCreation) Len() int      { return len(l) }
func (l replicaSetsByCreation) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l replicaSetsByCreation) Less(i, j int) bool {
	if l[i].CreationTimestamp.Equal(l[j].CreationTimestamp.Time) {
		return l[i].Name < l[j].Name
	}
	return l[i].CreationTimestamp.Before(l[j].CreationTimestamp.Time)
}

// sameTemplateIgnoringHash compares two pod templates without their
// pod-template-hash labels.
func sameTemplateIgnoringHash(a, b *api.PodTemplateSpec) bool {
	norm := func(t *api.PodTemplateSpec) any {
		c := api.Clone(t)
		delete(c.Labels, "pod-template-hash")
		if len(c.Labels) == 0 {
			c.Labels = nil
		}
		var v any
		if b, err := json.Marshal(c); err == nil {
			_ = json.Unmarshal(b, &v)
		}
		return v
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func (d *describer) replicaSet(rs *api.ReplicaSet) string {
	counts, podErr := d.podPhases(rs.Namespace, rs.Spec.Selector, rs.UID)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", rs.Name)
		w.write(0, "Namespace:\t%s\n", rs.Namespace)
		w.write(0, "Selector:\t%s\n", formatLabelSelector(rs.Spec.Selector))
		w.labels("Labels", rs.Labels)
		w.annotations("Annotations", rs.Annotations)
		if c := controlledBy(rs); c != "" {
			w.write(0, "Controlled By:\t%s\n", c)
		}
		w.write(0, "Replicas:\t%d current / %d desired\n", rs.Status.Replicas, api.Deref(rs.Spec.Replicas, 1))
		w.write(0, "Pods Status:\t")
		if podErr != nil {
			w.write(0, "error in fetching pods: %s\n", podErr)
		} else {
			w.write(0, "%s\n", counts)
		}
		describePodTemplate(w, &rs.Spec.Template)
		if len(rs.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
			w.write(1, "----\t------\t------\n")
			for _, c := range rs.Status.Conditions {
				w.write(1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
			}
		}
		d.eventsSection(w, rs)
	})
}

func (d *describer) daemonSet(ds *api.DaemonSet) (string, error) {
	sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return "", err
	}
	counts, err := d.podPhases(ds.Namespace, ds.Spec.Selector, ds.UID)
	if err != nil {
		return "", err
	}
	return tabbed(func(w *prefixWriter) {
		st := ds.Status
		w.write(0, "Name:\t%s\n", ds.Name)
		w.write(0, "Namespace:\t%s\n", ds.Namespace)
		w.write(0, "Selector:\t%s\n", sel.String())
		w.write(0, "Node-Selector:\t%s\n", formatLabels(ds.Spec.Template.Spec.NodeSelector))
		w.labels("Labels", ds.Labels)
		w.annotations("Annotations", ds.Annotations)
		w.write(0, "Desired Number of Nodes Scheduled: %d\n", st.DesiredNumberScheduled)
		w.write(0, "Current Number of Nodes Scheduled: %d\n", st.CurrentNumberScheduled)
		w.write(0, "Number of Nodes Scheduled with Up-to-date Pods: %d\n", st.UpdatedNumberScheduled)
		w.write(0, "Number of Nodes Scheduled with Available Pods: %d\n", st.NumberAvailable)
		w.write(0, "Number of Nodes Misscheduled: %d\n", st.NumberMisscheduled)
		w.write(0, "Pods Status:\t%s\n", counts)
		describePodTemplate(w, &ds.Spec.Template)
		d.eventsSection(w, ds)
	}), nil
}

// podPhases counts a controller's pods by phase: "2 Running / 1 Waiting /
// 0 Succeeded / 0 Failed". Pods the selector matches but another
// controller (or none) owns are left out.
func (d *describer) podPhases(ns string, selector *api.LabelSelector, uid string) (string, error) {
	var running, waiting, succeeded, failed int
	r, _ := api.LookupResource("pods")
	l, err := d.k.c.List(r, ns, apiserver.ListOptions{LabelSelector: labelSelector(selector)})
	if err != nil {
		return "", err
	}
	for _, o := range l.Items {
		p := o.(*api.Pod)
		owned := false
		for _, ref := range p.OwnerReferences {
			if api.Deref(ref.Controller, false) {
				owned = ref.UID == uid
				break
			}
		}
		if !owned {
			continue
		}
		switch p.Status.Phase {
		case api.PodRunning:
			running++
		case api.PodPending:
			waiting++
		case api.PodSucceeded:
			succeeded++
		case api.PodFailed:
			failed++
		}
	}
	return fmt.Sprintf("%d Running / %d Waiting / %d Succeeded / %d Failed", running, waiting, succeeded, failed), nil
}
