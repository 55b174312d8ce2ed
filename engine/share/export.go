package share

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// exported are the kinds a user makes, in the order a real cluster can
// take them (namespaces first, what pods use before the pods).
var exported = []string{
	"namespaces", "priorityclasses", "storageclasses",
	"serviceaccounts", "configmaps", "secrets", "resourcequotas", "limitranges",
	"persistentvolumeclaims", "services",
	"deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps",
	"replicationcontrollers", "pods", "cronjobs.batch", "jobs.batch",
	"horizontalpodautoscalers.autoscaling", "poddisruptionbudgets.policy",
	"ingressclasses.networking.k8s.io", "ingresses.networking.k8s.io", "networkpolicies.networking.k8s.io",
}

// systemNamespaces are the cluster's own.
var systemNamespaces = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true}

// Export writes the objects the user made as manifests that apply to a
// real cluster: `kubectl get -o yaml` without the server's part (status,
// uid, resourceVersion, creationTimestamp, managedFields, generation, the
// annotations and labels the server or controllers set, allocated cluster
// IPs, a pod's node). Objects a controller owns (a Deployment's
// ReplicaSets, their pods), the cluster's own objects and those every
// namespace gets (the default ServiceAccount, kube-root-ca.crt) are left
// out. It returns one YAML stream, documents separated by "---".
func Export(c *client.Client) ([]byte, error) {
	var docs [][]byte
	for _, name := range exported {
		r, ok := api.LookupResource(name)
		if !ok {
			continue
		}
		list, err := c.List(r, "", apiserver.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, obj := range list.Items {
			if !userMade(r, obj) {
				continue
			}
			doc, err := clean(obj)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", r.Kind, obj.GetObjectMeta().Name, err)
			}
			docs = append(docs, doc)
		}
	}
	return bytes.Join(docs, []byte("---\n")), nil
}

// userMade reports whether obj is the user's own, not the cluster's or a
// controller's.
func userMade(r *api.ResourceInfo, obj api.Object) bool {
	m := obj.GetObjectMeta()
	if systemNamespaces[m.Namespace] || len(m.OwnerReferences) > 0 {
		return false
	}
	switch r.Resource {
	case "namespaces":
		return m.Name != "default" && !systemNamespaces[m.Name]
	case "serviceaccounts":
		return m.Name != "default"
	case "configmaps":
		return m.Name != "kube-root-ca.crt"
	case "services":
		return !(m.Namespace == "default" && m.Name == "kubernetes")
	case "priorityclasses":
		return !strings.HasPrefix(m.Name, "system-")
	case "storageclasses", "ingressclasses":
		return !builtIn(m)
	case "persistentvolumeclaims":
		// A StatefulSet's claims are made from its template.
		return m.Labels["app.kubernetes.io/managed-by"] == "" && !isClaimOfTemplate(m.Name)
	}
	return true
}

// builtIn marks the classes the cluster was created with (the default
// StorageClass): they carry the addon manager's label, as kubeadm's and
// kind's do.
func builtIn(m *api.ObjectMeta) bool {
	return m.Labels["addonmanager.kubernetes.io/mode"] != "" || m.Annotations["storageclass.kubernetes.io/is-default-class"] == "true"
}

// isClaimOfTemplate recognises TEMPLATE-STS-ORDINAL, the name a
// StatefulSet gives the claims it makes; it is a guess by name, as the
// claims carry no owner under the default retention policy.
func isClaimOfTemplate(name string) bool {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return false
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return strings.Count(name[:i], "-") >= 1
}

// clean turns an object into a manifest.
func clean(obj api.Object) ([]byte, error) {
	data, err := api.Encode(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	cleanMeta(m)
	if f := cleaners[fmt.Sprint(m["kind"])]; f != nil {
		f(m)
	}
	return yaml.Marshal(m)
}

func cleanMeta(m map[string]any) {
	meta, _ := m["metadata"].(map[string]any)
	for _, k := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName"} {
		delete(meta, k)
	}
	dropKeys(meta, "annotations", "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
		"pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller", "volume.beta.kubernetes.io/storage-provisioner",
		"volume.kubernetes.io/storage-provisioner", "volume.kubernetes.io/selected-node", "deprecated.daemonset.template.generation")
	dropKeys(meta, "labels", "kubernetes.io/metadata.name")
	if fin, ok := meta["finalizers"].([]any); ok {
		fin = slices.DeleteFunc(fin, func(v any) bool { return v == "kubernetes.io/pvc-protection" || v == "kubernetes" })
		if len(fin) == 0 {
			delete(meta, "finalizers")
		} else {
			meta["finalizers"] = fin
		}
	}
}

// dropKeys deletes keys of the map at m[field], and the map if empty.
func dropKeys(m map[string]any, field string, keys ...string) {
	sub, ok := m[field].(map[string]any)
	if !ok {
		return
	}
	for _, k := range keys {
		delete(sub, k)
	}
	if len(sub) == 0 {
		delete(m, field)
	}
}

// cleaners drop what the server set in each kind's spec.
var cleaners = map[string]func(map[string]any){
	"Namespace": func(m map[string]any) { delete(m, "spec") },
	"Service": func(m map[string]any) {
		spec, _ := m["spec"].(map[string]any)
		if spec["clusterIP"] != "None" {
			delete(spec, "clusterIP")
			delete(spec, "clusterIPs")
		} else {
			delete(spec, "clusterIPs")
		}
		delete(spec, "ipFamilies")
		delete(spec, "ipFamilyPolicy")
	},
	"Pod": func(m map[string]any) {
		spec, _ := m["spec"].(map[string]any)
		cleanPodSpec(spec)
		delete(spec, "nodeName")
	},
	"Job": func(m map[string]any) {
		spec, _ := m["spec"].(map[string]any)
		delete(spec, "selector")
		cleanTemplate(spec)
		tmpl, _ := spec["template"].(map[string]any)
		if meta, ok := tmpl["metadata"].(map[string]any); ok {
			dropKeys(meta, "labels", "controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")
		}
		meta, _ := m["metadata"].(map[string]any)
		dropKeys(meta, "labels", "controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")
	},
	"PersistentVolumeClaim": func(m map[string]any) {
		spec, _ := m["spec"].(map[string]any)
		delete(spec, "volumeName")
		if spec["storageClassName"] == "standard" {
			delete(spec, "storageClassName") // the playground's default, which a cluster names as it likes
		}
	},
	"Deployment":            func(m map[string]any) { cleanTemplate(m["spec"].(map[string]any)) },
	"StatefulSet":           func(m map[string]any) { cleanTemplate(m["spec"].(map[string]any)) },
	"DaemonSet":             func(m map[string]any) { cleanTemplate(m["spec"].(map[string]any)) },
	"ReplicaSet":            func(m map[string]any) { cleanTemplate(m["spec"].(map[string]any)) },
	"ReplicationController": func(m map[string]any) { cleanTemplate(m["spec"].(map[string]any)) },
	"CronJob": func(m map[string]any) {
		spec, _ := m["spec"].(map[string]any)
		if jt, ok := spec["jobTemplate"].(map[string]any); ok {
			if js, ok := jt["spec"].(map[string]any); ok {
				cleanTemplate(js)
			}
		}
	},
}

func cleanTemplate(spec map[string]any) {
	tmpl, _ := spec["template"].(map[string]any)
	if meta, ok := tmpl["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
		if len(meta) == 0 {
			delete(tmpl, "metadata")
		}
	}
	if ps, ok := tmpl["spec"].(map[string]any); ok {
		cleanPodSpec(ps)
	}
}

// cleanPodSpec drops what admission added to a pod: the service account
// token's volume and mounts, the priority it computed, the default
// not-ready and unreachable tolerations.
func cleanPodSpec(spec map[string]any) {
	delete(spec, "priority")
	if vols, ok := spec["volumes"].([]any); ok {
		vols = slices.DeleteFunc(vols, func(v any) bool { return isTokenVolume(v) })
		setOrDelete(spec, "volumes", vols)
	}
	for _, key := range []string{"containers", "initContainers"} {
		cs, _ := spec[key].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			if mounts, ok := cm["volumeMounts"].([]any); ok {
				mounts = slices.DeleteFunc(mounts, func(v any) bool { return isTokenVolume(v) })
				setOrDelete(cm, "volumeMounts", mounts)
			}
		}
	}
	if tols, ok := spec["tolerations"].([]any); ok {
		tols = slices.DeleteFunc(tols, isDefaultToleration)
		setOrDelete(spec, "tolerations", tols)
	}
}

func isTokenVolume(v any) bool {
	m, _ := v.(map[string]any)
	name, _ := m["name"].(string)
	return strings.HasPrefix(name, "kube-api-access-")
}

// isDefaultToleration is one of the two tolerations the
// DefaultTolerationSeconds admission plugin adds.
func isDefaultToleration(v any) bool {
	m, _ := v.(map[string]any)
	key := m["key"]
	return (key == "node.kubernetes.io/not-ready" || key == "node.kubernetes.io/unreachable") &&
		m["operator"] == "Exists" && m["effect"] == "NoExecute" && fmt.Sprint(m["tolerationSeconds"]) == "300"
}

func setOrDelete(m map[string]any, key string, v []any) {
	if len(v) == 0 {
		delete(m, key)
		return
	}
	m[key] = v
}
