package kubelet

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// containerEnv builds a container's environment as the kubelet does: the
// image's variables, HOSTNAME, then envFrom and env in order (later wins),
// with $(VAR) references expanded.
func (k *Kubelet) containerEnv(p *api.Pod, c api.Container, st *podState) ([]string, error) {
	vars := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, ok := vars[name]; !ok {
			order = append(order, name)
		}
		vars[name] = value
	}
	if img, ok := k.rt.ImageStatus(c.Image); ok {
		for _, kv := range img.Config.Env {
			name, value, _ := strings.Cut(kv, "=")
			set(name, value)
		}
	}
	set("HOSTNAME", hostname(p))
	for _, from := range c.EnvFrom {
		if err := k.envFrom(p.Namespace, from, set); err != nil {
			return nil, err
		}
	}
	for _, e := range c.Env {
		v, err := k.envValue(p, c, st, e, vars)
		if err != nil {
			return nil, err
		}
		set(e.Name, v)
	}
	out := make([]string, len(order))
	for i, name := range order {
		out[i] = name + "=" + vars[name]
	}
	return out, nil
}

func hostname(p *api.Pod) string {
	if p.Spec.Hostname != "" {
		return p.Spec.Hostname
	}
	return p.Name
}

func (k *Kubelet) envFrom(ns string, from api.EnvFromSource, set func(string, string)) error {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := client.Get[*api.ConfigMap](k.c, ns, from.ConfigMapRef.Name)
		if err != nil {
			if api.Deref(from.ConfigMapRef.Optional, false) {
				return nil
			}
			return fmt.Errorf("configmap %q not found", from.ConfigMapRef.Name)
		}
		for _, key := range slices.Sorted(maps.Keys(cm.Data)) {
			set(from.Prefix+key, cm.Data[key])
		}
	case from.SecretRef != nil:
		return fmt.Errorf("secret %q not found", from.SecretRef.Name)
	}
	return nil
}

func (k *Kubelet) envValue(p *api.Pod, c api.Container, st *podState, e api.EnvVar, vars map[string]string) (string, error) {
	if e.ValueFrom == nil {
		return expand(e.Value, vars), nil
	}
	f := e.ValueFrom
	switch {
	case f.FieldRef != nil:
		return k.podField(p, st, f.FieldRef.FieldPath)
	case f.ResourceFieldRef != nil:
		return resourceField(c, f.ResourceFieldRef), nil
	case f.ConfigMapKeyRef != nil:
		cm, err := client.Get[*api.ConfigMap](k.c, p.Namespace, f.ConfigMapKeyRef.Name)
		if err != nil {
			if api.Deref(f.ConfigMapKeyRef.Optional, false) {
				return "", nil
			}
			return "", fmt.Errorf("configmap %q not found", f.ConfigMapKeyRef.Name)
		}
		v, ok := cm.Data[f.ConfigMapKeyRef.Key]
		if !ok && !api.Deref(f.ConfigMapKeyRef.Optional, false) {
			return "", fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", f.ConfigMapKeyRef.Key, p.Namespace, f.ConfigMapKeyRef.Name)
		}
		return v, nil
	case f.SecretKeyRef != nil:
		return "", fmt.Errorf("secret %q not found", f.SecretKeyRef.Name)
	}
	return "", nil
}

// podField is the downward API's view of a pod field.
func (k *Kubelet) podField(p *api.Pod, st *podState, path string) (string, error) {
	switch path {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return p.UID, nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return k.cfg.Address, nil
	case "status.podIP", "status.podIPs":
		return st.ip, nil
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok {
			key = strings.TrimSuffix(key, "']")
			if prefix == "metadata.labels" {
				return p.Labels[key], nil
			}
			return p.Annotations[key], nil
		}
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", path)
}

func resourceField(c api.Container, ref *api.ResourceFieldSelector) string {
	kind, name, _ := strings.Cut(ref.Resource, ".")
	list := c.Resources.Requests
	if kind == "limits" {
		list = c.Resources.Limits
	}
	q, ok := list[name]
	if !ok {
		return "0"
	}
	div := api.MustParse("1")
	if !ref.Divisor.IsZero() {
		div = ref.Divisor
	}
	if name == "cpu" {
		milli := (q.MilliValue() + div.MilliValue() - 1) / div.MilliValue()
		return fmt.Sprint(milli)
	}
	return fmt.Sprint((q.Value() + div.Value() - 1) / div.Value())
}

// expand replaces $(VAR) with the variable's value, keeps unknown
// references as they are, and turns $$ into $, as Kubernetes does.
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				break
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += end + 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func expandAll(args []string, env []string) []string {
	if len(args) == 0 {
		return nil
	}
	vars := map[string]string{}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		vars[name] = value
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, vars)
	}
	return out
}

// containerFiles are the files the kubelet manages in every container.
func (k *Kubelet) containerFiles(p *api.Pod, st *podState) map[string][]byte {
	host := hostname(p)
	hosts := "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
	hosts += st.ip + "\t" + host + "\n"
	resolv := fmt.Sprintf("search %s.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", p.Namespace)
	return map[string][]byte{
		"/etc/hostname":    []byte(host + "\n"),
		"/etc/hosts":       []byte(hosts),
		"/etc/resolv.conf": []byte(resolv),
	}
}
