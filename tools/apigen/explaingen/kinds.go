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
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// kind is a served kind: its group, version and Go type. The list is
// engine/api's Resources; a test in engine/kubectl checks every resource
// has its schema.
type kind struct {
	group, version string
	typ            reflect.Type
}

func k[T any](group, version string) kind { return kind{group, version, reflect.TypeFor[T]()} }

var kinds = []kind{
	k[corev1.ComponentStatus]("", "v1"),
	k[corev1.ConfigMap]("", "v1"),
	k[corev1.Endpoints]("", "v1"),
	k[corev1.Event]("", "v1"),
	k[corev1.LimitRange]("", "v1"),
	k[corev1.Namespace]("", "v1"),
	k[corev1.Node]("", "v1"),
	k[corev1.PersistentVolumeClaim]("", "v1"),
	k[corev1.PersistentVolume]("", "v1"),
	k[corev1.Pod]("", "v1"),
	k[corev1.PodTemplate]("", "v1"),
	k[corev1.ReplicationController]("", "v1"),
	k[corev1.ResourceQuota]("", "v1"),
	k[corev1.Secret]("", "v1"),
	k[corev1.ServiceAccount]("", "v1"),
	k[corev1.Service]("", "v1"),
	k[apiregistrationv1.APIService]("apiregistration.k8s.io", "v1"),
	k[appsv1.ControllerRevision]("apps", "v1"),
	k[appsv1.DaemonSet]("apps", "v1"),
	k[appsv1.Deployment]("apps", "v1"),
	k[appsv1.ReplicaSet]("apps", "v1"),
	k[appsv1.StatefulSet]("apps", "v1"),
	k[eventsv1.Event]("events.k8s.io", "v1"),
	k[autoscalingv2.HorizontalPodAutoscaler]("autoscaling", "v2"),
	k[autoscalingv1.HorizontalPodAutoscaler]("autoscaling", "v1"),
	k[batchv1.CronJob]("batch", "v1"),
	k[batchv1.Job]("batch", "v1"),
	k[networkingv1.IngressClass]("networking.k8s.io", "v1"),
	k[networkingv1.Ingress]("networking.k8s.io", "v1"),
	k[networkingv1.NetworkPolicy]("networking.k8s.io", "v1"),
	k[policyv1.PodDisruptionBudget]("policy", "v1"),
	k[storagev1.StorageClass]("storage.k8s.io", "v1"),
	k[schedulingv1.PriorityClass]("scheduling.k8s.io", "v1"),
	k[coordinationv1.Lease]("coordination.k8s.io", "v1"),
	k[discoveryv1.EndpointSlice]("discovery.k8s.io", "v1"),
}
