package cluster

import (
	"fmt"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/network"
)

// Add-ons a user enables, as `minikube addons enable` does: each is the
// objects its upstream manifests create, applied through the API.

// imageIngressController is ingress-nginx's controller image.
const imageIngressController = "registry.k8s.io/ingress-nginx/controller:v1.12.1"

// addons are the add-ons by name.
var addons = map[string]func() []api.Object{
	"ingress": ingressAddon,
}

// Addons lists the add-ons and whether each is enabled.
func (c *Cluster) Addons() map[string]bool {
	out := map[string]bool{}
	for name := range addons {
		out[name] = c.addonEnabled(name)
	}
	return out
}

// AddonNames are the add-ons' names, sorted.
func AddonNames() []string {
	names := make([]string, 0, len(addons))
	for n := range addons {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *Cluster) addonEnabled(name string) bool {
	objs := addons[name]()
	o := objs[len(objs)-1]
	_, err := c.Client("kubeplay").Get(api.ResourceFor(o), o.GetObjectMeta().Namespace, o.GetObjectMeta().Name)
	return err == nil
}

// EnableAddon creates an add-on's objects (those that exist are left as
// they are) and returns the images it uses.
func (c *Cluster) EnableAddon(name string) ([]string, error) {
	objects, ok := addons[name]
	if !ok {
		return nil, fmt.Errorf("enable failed: addon '%s' is not a valid addon (kubeplay addons list)", name)
	}
	cl := c.Client("kubeplay")
	for _, o := range objects() {
		r := api.ResourceFor(o)
		ns := o.GetObjectMeta().Namespace
		if _, err := cl.Get(r, ns, o.GetObjectMeta().Name); err == nil {
			continue
		}
		if _, err := cl.Create(r, ns, o); err != nil && !apiserver.IsAlreadyExists(err) {
			return nil, fmt.Errorf("enable failed: %w", err)
		}
	}
	return []string{imageIngressController}, nil
}

// ingressAddon is ingress-nginx's cloud manifest (deploy/static/provider
// /cloud): its namespace, service account, configuration, the IngressClass
// nginx (the default class, as minikube's add-on makes it), the
// controller's Deployment and its LoadBalancer Service. The admission
// webhook and its certificate Jobs are left out: the playground's API
// server calls no webhooks.
func ingressAddon() []api.Object {
	ns := network.IngressNamespace
	labels := func(component string) map[string]string {
		return map[string]string{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx",
			"app.kubernetes.io/part-of": "ingress-nginx", "app.kubernetes.io/version": "1.12.1", "app.kubernetes.io/component": component}
	}
	selector := map[string]string{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/component": "controller"}
	meta := func(name string) api.ObjectMeta {
		return api.ObjectMeta{Name: name, Namespace: ns, Labels: labels("controller")}
	}
	probe := func(failures int32) *api.Probe {
		return &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthz", Port: api.FromInt(10254), Scheme: "HTTP"}},
			InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: failures}
	}
	fieldEnv := func(name, path string) api.EnvVar {
		return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: path}}}
	}
	return []api.Object{
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns, Labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx"}}},
		&api.ServiceAccount{ObjectMeta: meta("ingress-nginx")},
		&api.ConfigMap{ObjectMeta: meta("ingress-nginx-controller")},
		&api.IngressClass{ObjectMeta: api.ObjectMeta{Name: network.IngressClassName, Labels: labels("controller"),
			Annotations: map[string]string{"ingressclass.kubernetes.io/is-default-class": "true"}},
			Spec: api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&api.Service{ObjectMeta: meta(network.IngressService), Spec: api.ServiceSpec{
			Type: "LoadBalancer", ExternalTrafficPolicy: "Local", Selector: selector,
			Ports: []api.ServicePort{
				{Name: "http", Port: 80, Protocol: "TCP", TargetPort: api.FromString("http"), AppProtocol: api.Ptr("http")},
				{Name: "https", Port: 443, Protocol: "TCP", TargetPort: api.FromString("https"), AppProtocol: api.Ptr("https")},
			}}},
		&api.Deployment{ObjectMeta: meta(network.IngressService), Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(1)), RevisionHistoryLimit: api.Ptr(int32(10)), MinReadySeconds: 0,
			Selector: &api.LabelSelector{MatchLabels: selector},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels("controller")}, Spec: api.PodSpec{
				Containers: []api.Container{{
					Name: "controller", Image: imageIngressController, ImagePullPolicy: "IfNotPresent",
					Args: []string{"/nginx-ingress-controller", "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
						"--election-id=ingress-nginx-leader", "--controller-class=k8s.io/ingress-nginx", "--ingress-class=nginx",
						"--configmap=$(POD_NAMESPACE)/ingress-nginx-controller"},
					Env:           []api.EnvVar{fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace"), {Name: "LD_PRELOAD", Value: "/usr/local/lib/libmimalloc.so"}},
					Ports:         []api.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: "TCP"}, {Name: "https", ContainerPort: 443, Protocol: "TCP"}},
					LivenessProbe: probe(5), ReadinessProbe: probe(3),
					Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("90Mi")}},
				}},
				DNSPolicy: "ClusterFirst", NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
				ServiceAccountName: "ingress-nginx", TerminationGracePeriodSeconds: api.Ptr(int64(300)),
			}},
		}},
	}
}
