package kubectl

import (
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// This file describes PersistentVolumes, PersistentVolumeClaims and
// StorageClasses as kubectl's describers do.

func (d *describer) persistentVolume(pv *api.PersistentVolume) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", pv.Name)
		w.labels("Labels", pv.Labels)
		w.annotations("Annotations", pv.Annotations)
		w.write(0, "Finalizers:\t%v\n", pv.Finalizers)
		class, ok := pv.Annotations[betaStorageClass]
		if !ok {
			class = pv.Spec.StorageClassName
		}
		w.write(0, "StorageClass:\t%s\n", class)
		d.volumeStatus(w, &pv.ObjectMeta, pv.Status.Phase)
		claim := ""
		if ref := pv.Spec.ClaimRef; ref != nil {
			claim = ref.Namespace + "/" + ref.Name
		}
		w.write(0, "Claim:\t%s\n", claim)
		w.write(0, "Reclaim Policy:\t%v\n", pv.Spec.PersistentVolumeReclaimPolicy)
		w.write(0, "Access Modes:\t%s\n", accessModes(pv.Spec.AccessModes))
		if pv.Spec.VolumeMode != nil {
			w.write(0, "VolumeMode:\t%v\n", *pv.Spec.VolumeMode)
		}
		capacity := pv.Spec.Capacity["storage"]
		w.write(0, "Capacity:\t%s\n", capacity.String())
		describeVolumeNodeAffinity(w, pv.Spec.NodeAffinity)
		w.write(0, "Message:\t%s\n", pv.Status.Message)
		w.write(0, "Source:\n")
		describePVSource(w, pv)
		d.eventsSection(w, pv)
	})
}

// volumeStatus writes a volume's or claim's phase, or how long it has been
// terminating.
func (d *describer) volumeStatus(w *prefixWriter, m *api.ObjectMeta, phase string) {
	if m.DeletionTimestamp != nil {
		w.write(0, "Status:\tTerminating (lasts %s)\n", d.since(m.DeletionTimestamp.Time))
		return
	}
	w.write(0, "Status:\t%v\n", phase)
}

// describePVSource writes the volume sources the playground makes (host
// paths and local volumes); others as their JSON fields.
func describePVSource(w *prefixWriter, pv *api.PersistentVolume) {
	switch s := pv.Spec.PersistentVolumeSource; {
	case s.HostPath != nil:
		describeVolumeSource(w, api.Volume{VolumeSource: api.VolumeSource{HostPath: s.HostPath}})
	case s.Local != nil:
		w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t%v\n", s.Local.Path)
	case s.NFS != nil:
		w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t%v\n    Path:\t%v\n    ReadOnly:\t%v\n", s.NFS.Server, s.NFS.Path, s.NFS.ReadOnly)
	case s.CSI != nil:
		w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t%v\n    FSType:\t%v\n    VolumeHandle:\t%v\n    ReadOnly:\t%v\n",
			s.CSI.Driver, s.CSI.FSType, s.CSI.VolumeHandle, s.CSI.ReadOnly)
		describeVolumeAttributes(w, s.CSI.VolumeAttributes)
	default:
		w.write(1, "<unknown>\n")
	}
}

func describeVolumeAttributes(w *prefixWriter, attrs map[string]string) {
	w.write(2, "VolumeAttributes:\t")
	if len(attrs) == 0 {
		w.line("<none>")
		return
	}
	for i, k := range api.SortedKeys(attrs) {
		if i != 0 {
			w.write(2, "\t")
		}
		line := k + "=" + attrs[k]
		if len(line) > maxAnnotationLen {
			line = line[:maxAnnotationLen] + "..."
		}
		w.write(2, "%s\n", line)
	}
}

func describeVolumeNodeAffinity(w *prefixWriter, a *api.VolumeNodeAffinity) {
	w.write(0, "Node Affinity:\t")
	if a == nil || a.Required == nil {
		w.line("<none>")
		return
	}
	w.line("")
	w.write(1, "Required Terms:\t")
	if len(a.Required.NodeSelectorTerms) == 0 {
		w.line("<none>")
		return
	}
	w.line("")
	for i, term := range a.Required.NodeSelectorTerms {
		w.write(2, "Term %v:\t", i)
		if len(term.MatchExpressions) == 0 {
			w.line("<none>")
			continue
		}
		for j, req := range term.MatchExpressions {
			if j != 0 {
				w.write(2, "\t")
			}
			expr := req.Key + " " + strings.ToLower(req.Operator)
			if len(req.Values) > 0 {
				expr += " [" + strings.Join(req.Values, ", ") + "]"
			}
			w.write(0, "%s\n", expr)
		}
	}
}

func (d *describer) persistentVolumeClaim(pvc *api.PersistentVolumeClaim) string {
	pods := d.claimPods(pvc)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", pvc.Name)
		w.write(0, "Namespace:\t%s\n", pvc.Namespace)
		class, ok := pvc.Annotations[betaStorageClass]
		if !ok {
			class = api.Deref(pvc.Spec.StorageClassName, "")
		}
		w.write(0, "StorageClass:\t%s\n", class)
		d.volumeStatus(w, &pvc.ObjectMeta, pvc.Status.Phase)
		w.write(0, "Volume:\t%s\n", pvc.Spec.VolumeName)
		w.labels("Labels", pvc.Labels)
		w.annotations("Annotations", pvc.Annotations)
		w.write(0, "Finalizers:\t%v\n", pvc.Finalizers)
		capacity, modes := "", ""
		if pvc.Spec.VolumeName != "" {
			q := pvc.Status.Capacity["storage"]
			capacity, modes = q.String(), accessModes(pvc.Status.AccessModes)
		}
		w.write(0, "Capacity:\t%s\n", capacity)
		w.write(0, "Access Modes:\t%s\n", modes)
		if pvc.Spec.VolumeMode != nil {
			w.write(0, "VolumeMode:\t%v\n", *pvc.Spec.VolumeMode)
		}
		if ds := pvc.Spec.DataSource; ds != nil {
			w.write(0, "DataSource:\n")
			if ds.APIGroup != nil {
				w.write(1, "APIGroup:\t%v\n", *ds.APIGroup)
			}
			w.write(1, "Kind:\t%v\n", ds.Kind)
			w.write(1, "Name:\t%v\n", ds.Name)
		}
		w.write(0, "Used By:\t")
		if len(pods) == 0 {
			w.line("<none>")
		}
		for i, p := range pods {
			if i != 0 {
				w.write(0, "\t")
			}
			w.write(0, "%s\n", p)
		}
		describeClaimConditions(w, pvc.Status.Conditions)
		d.eventsSection(w, pvc)
	})
}

func describeClaimConditions(w *prefixWriter, cs []api.PersistentVolumeClaimCondition) {
	if len(cs) == 0 {
		return
	}
	w.write(0, "Conditions:\n")
	w.write(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n")
	w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
	for _, c := range cs {
		w.write(1, "%v \t%v \t%s \t%s \t%v \t%v\n", c.Type, c.Status, rfc1123(c.LastProbeTime.Time), rfc1123(c.LastTransitionTime.Time), c.Reason, c.Message)
	}
}

// claimPods names the pods that use a claim, or that own it, sorted.
func (d *describer) claimPods(pvc *api.PersistentVolumeClaim) []string {
	r, _ := api.LookupResource("pods")
	l, err := d.k.c.List(r, pvc.Namespace, apiserver.ListOptions{})
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, o := range l.Items {
		p := o.(*api.Pod)
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == pvc.Name {
				add(p.Name)
			}
		}
		for _, ref := range pvc.OwnerReferences {
			if ref.Kind == "Pod" && ref.UID == p.UID {
				add(p.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (d *describer) storageClass(sc *api.StorageClass) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", sc.Name)
		w.write(0, "IsDefaultClass:\t%s\n", isDefaultClass(sc))
		w.write(0, "Annotations:\t%s\n", mapText(sc.Annotations))
		w.write(0, "Provisioner:\t%s\n", sc.Provisioner)
		w.write(0, "Parameters:\t%s\n", mapText(sc.Parameters))
		w.write(0, "AllowVolumeExpansion:\t%s\n", boolPtrText(sc.AllowVolumeExpansion))
		if len(sc.MountOptions) == 0 {
			w.write(0, "MountOptions:\t<none>\n")
		} else {
			w.write(0, "MountOptions:\n")
			for _, o := range sc.MountOptions {
				w.write(1, "%s\n", o)
			}
		}
		if sc.ReclaimPolicy != nil {
			w.write(0, "ReclaimPolicy:\t%s\n", *sc.ReclaimPolicy)
		}
		if sc.VolumeBindingMode != nil {
			w.write(0, "VolumeBindingMode:\t%s\n", *sc.VolumeBindingMode)
		}
		if sc.AllowedTopologies != nil {
			describeAllowedTopologies(w, sc.AllowedTopologies)
		}
		d.eventsSection(w, sc)
	})
}

func isDefaultClass(sc *api.StorageClass) string {
	if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
		sc.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true" {
		return "Yes"
	}
	return "No"
}

// mapText is labels.FormatLabels of a map of parameters: "a=1,b=2", or
// <none>.
func mapText(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	parts := make([]string, 0, len(m))
	for _, k := range api.SortedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

func describeAllowedTopologies(w *prefixWriter, terms []api.TopologySelectorTerm) {
	w.write(0, "AllowedTopologies:\t")
	if len(terms) == 0 {
		w.line("<none>")
		return
	}
	w.line("")
	for i, term := range terms {
		w.write(1, "Term %d:\t", i)
		for j, req := range term.MatchLabelExpressions {
			if j != 0 {
				w.write(1, "\t")
			}
			w.write(0, "%s in [%s]\n", req.Key, strings.Join(req.Values, ", "))
		}
		if len(term.MatchLabelExpressions) == 0 {
			w.line("<none>")
		}
	}
}
