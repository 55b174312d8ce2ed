package main

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// k8sVersion is the k8s.io/api version go.mod requires; it is written into
// the generated headers, and a test keeps the two in step.
const k8sVersion = "v0.37.2"

// group is one API group version whose Go package types may come from.
type group struct {
	pkgPath string
	name    string // API group, "" for core
	version string
	prefix  string // put before a type name that collides with a higher group's
}

// String returns "group/version" as the doc comments spell it: "core/v1"
// for the core group.
func (g *group) String() string {
	if g.name == "" {
		return "core/" + g.version
	}
	return g.name + "/" + g.version
}

// groups lists the packages types may come from, highest priority first: on
// a name collision the first group keeps the plain Go name. The root kinds'
// groups come first, in the order their plain names matter; then packages
// that only some field reaches (batch/v1 Job reaches scheduling/v1alpha3);
// meta/v1 last, for the few reachable types not hand-written (DeleteOptions).
var groups = []*group{
	{pkgPath: "k8s.io/api/core/v1", version: "v1", prefix: "CoreV1"},
	{pkgPath: "k8s.io/api/apps/v1", name: "apps", version: "v1", prefix: "AppsV1"},
	{pkgPath: "k8s.io/api/batch/v1", name: "batch", version: "v1", prefix: "BatchV1"},
	{pkgPath: "k8s.io/api/autoscaling/v2", name: "autoscaling", version: "v2", prefix: "AutoscalingV2"},
	{pkgPath: "k8s.io/api/networking/v1", name: "networking.k8s.io", version: "v1", prefix: "NetworkingV1"},
	{pkgPath: "k8s.io/api/discovery/v1", name: "discovery.k8s.io", version: "v1", prefix: "DiscoveryV1"},
	{pkgPath: "k8s.io/api/storage/v1", name: "storage.k8s.io", version: "v1", prefix: "StorageV1"},
	{pkgPath: "k8s.io/api/scheduling/v1", name: "scheduling.k8s.io", version: "v1", prefix: "SchedulingV1"},
	{pkgPath: "k8s.io/api/coordination/v1", name: "coordination.k8s.io", version: "v1", prefix: "CoordinationV1"},
	{pkgPath: "k8s.io/api/policy/v1", name: "policy", version: "v1", prefix: "PolicyV1"},
	{pkgPath: "k8s.io/api/events/v1", name: "events.k8s.io", version: "v1", prefix: "EventsV1"},
	{pkgPath: "k8s.io/api/autoscaling/v1", name: "autoscaling", version: "v1", prefix: "AutoscalingV1"},
	// Packages no root lives in, but that roots reach.
	{pkgPath: "k8s.io/api/scheduling/v1alpha3", name: "scheduling.k8s.io", version: "v1alpha3", prefix: "SchedulingV1alpha3"},
	{pkgPath: "k8s.io/apimachinery/pkg/apis/meta/v1", name: "meta", version: "v1", prefix: "MetaV1"},
}

// groupOf returns the group of a package path and its priority (lower is
// higher priority), or nil when types of that package are not generated.
func groupOf(pkgPath string) (*group, int) {
	for i, g := range groups {
		if g.pkgPath == pkgPath {
			return g, i
		}
	}
	return nil, -1
}

// roots are the kinds whose types are generated, with everything they reach.
// Their order is the walk order, so it decides nothing but where each type is
// first met; names are settled by group priority.
var roots = []reflect.Type{
	reflect.TypeFor[corev1.Namespace](),
	reflect.TypeFor[corev1.Node](),
	reflect.TypeFor[corev1.Pod](),
	reflect.TypeFor[corev1.PodTemplate](),
	reflect.TypeFor[corev1.Service](),
	reflect.TypeFor[corev1.Endpoints](),
	reflect.TypeFor[corev1.ConfigMap](),
	reflect.TypeFor[corev1.Secret](),
	reflect.TypeFor[corev1.ServiceAccount](),
	reflect.TypeFor[corev1.PersistentVolume](),
	reflect.TypeFor[corev1.PersistentVolumeClaim](),
	reflect.TypeFor[corev1.Event](),
	reflect.TypeFor[corev1.ReplicationController](),
	reflect.TypeFor[corev1.LimitRange](),
	reflect.TypeFor[corev1.ResourceQuota](),
	reflect.TypeFor[corev1.Binding](),
	reflect.TypeFor[discoveryv1.EndpointSlice](),
	reflect.TypeFor[storagev1.StorageClass](),
	reflect.TypeFor[eventsv1.Event](),
	reflect.TypeFor[appsv1.ReplicaSet](),
	reflect.TypeFor[appsv1.Deployment](),
	reflect.TypeFor[appsv1.StatefulSet](),
	reflect.TypeFor[appsv1.DaemonSet](),
	reflect.TypeFor[appsv1.ControllerRevision](),
	reflect.TypeFor[batchv1.Job](),
	reflect.TypeFor[batchv1.CronJob](),
	reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	reflect.TypeFor[autoscalingv1.HorizontalPodAutoscaler](),
	reflect.TypeFor[autoscalingv1.Scale](),
	reflect.TypeFor[networkingv1.Ingress](),
	reflect.TypeFor[networkingv1.IngressClass](),
	reflect.TypeFor[networkingv1.NetworkPolicy](),
	reflect.TypeFor[schedulingv1.PriorityClass](),
	reflect.TypeFor[coordinationv1.Lease](),
	reflect.TypeFor[policyv1.PodDisruptionBudget](),
	reflect.TypeFor[policyv1.Eviction](),
}

// metaPkg is where the hand-written mirrors' originals live.
const metaPkg = "k8s.io/apimachinery/pkg/apis/meta/v1"

// mirror is a k8s.io type that engine/api declares by hand, under name.
type mirror struct {
	typ  reflect.Type
	name string
	// check says whether the generator compares the hand-written struct with
	// the original field by field. It is off for types with custom JSON,
	// whose Go fields are their own business.
	check bool
}

// mirrors are the types engine/api keeps hand-written, because they carry
// behaviour (JSON forms, parsing, arithmetic) that generated structs cannot.
// Generated code refers to them by name and never walks into them.
var mirrors = []mirror{
	{reflect.TypeFor[metav1.TypeMeta](), "TypeMeta", true},
	{reflect.TypeFor[metav1.ObjectMeta](), "ObjectMeta", true},
	{reflect.TypeFor[metav1.ListMeta](), "ListMeta", true},
	{reflect.TypeFor[metav1.ShardInfo](), "ShardInfo", true},
	{reflect.TypeFor[metav1.OwnerReference](), "OwnerReference", true},
	{reflect.TypeFor[metav1.LabelSelector](), "LabelSelector", true},
	{reflect.TypeFor[metav1.LabelSelectorRequirement](), "LabelSelectorRequirement", true},
	{reflect.TypeFor[metav1.Condition](), "Condition", true},
	{reflect.TypeFor[metav1.Status](), "Status", true},
	{reflect.TypeFor[metav1.StatusDetails](), "StatusDetails", true},
	{reflect.TypeFor[metav1.StatusCause](), "StatusCause", true},
	{reflect.TypeFor[metav1.Time](), "Time", false},
	{reflect.TypeFor[metav1.MicroTime](), "MicroTime", false},
	{reflect.TypeFor[metav1.Duration](), "Duration", false},
	{reflect.TypeFor[resource.Quantity](), "Quantity", false},
	{reflect.TypeFor[intstr.IntOrString](), "IntOrString", true},
	{reflect.TypeFor[corev1.ResourceList](), "ResourceList", false},
}

// mirrorExceptions are the fields of a checked mirror allowed to differ in
// Go type from the original, with the reason.
var mirrorExceptions = map[string]string{
	// The playground keeps managed fields opaque: it has no server-side apply.
	"ObjectMeta.ManagedFields": "managed fields are kept as raw JSON",
}

// rawExtension is decoded as raw JSON: the playground never looks inside.
var rawExtension = reflect.TypeFor[runtime.RawExtension]()
