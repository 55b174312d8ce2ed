package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

func cpuUtilization(target int32) api.MetricSpec {
	return api.MetricSpec{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "cpu", Target: api.MetricTarget{Type: "Utilization", AverageUtilization: api.Ptr(target)}}}
}

// setupAutoscalers makes kubernetes.io's php-apache autoscaler through
// autoscaling/v1, before and after its first measurement, and v2 ones with
// several kinds of metrics.
func setupAutoscalers(f *describeFixture) {
	v1, ok := api.LookupResource("horizontalpodautoscalers.v1.autoscaling")
	require.True(f.t, ok)
	_, err := f.c.Create(v1, "default", &api.AutoscalingV1HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "php-apache", Namespace: "default"},
		Spec: api.AutoscalingV1HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "php-apache"},
			MinReplicas: api.Ptr(int32(1)), MaxReplicas: 10, TargetCPUUtilizationPercentage: api.Ptr(int32(50))},
	})
	require.NoError(f.t, err)
	create(f, &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "measured", Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "php-apache"},
			MinReplicas: api.Ptr(int32(1)), MaxReplicas: 10, Metrics: []api.MetricSpec{cpuUtilization(50)}},
	}, func(h *api.HorizontalPodAutoscaler) {
		h.Status = api.HorizontalPodAutoscalerStatus{CurrentReplicas: 7, DesiredReplicas: 7, CurrentMetrics: []api.MetricStatus{
			{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "cpu", Current: api.MetricValueStatus{AverageUtilization: api.Ptr(int32(250)), AverageValue: api.Ptr(api.MustParse("500m"))}}}}}
	})
	create(f, &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "busy", Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web"},
			MinReplicas: api.Ptr(int32(1)), MaxReplicas: 5, Metrics: []api.MetricSpec{
				{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "memory", Target: api.MetricTarget{Type: "AverageValue", AverageValue: api.Ptr(api.MustParse("500Mi"))}}},
				{Type: "Pods", Pods: &api.PodsMetricSource{Metric: api.MetricIdentifier{Name: "packets-per-second"}, Target: api.MetricTarget{Type: "AverageValue", AverageValue: api.Ptr(api.MustParse("1k"))}}},
				{Type: "Object", Object: &api.ObjectMetricSource{Metric: api.MetricIdentifier{Name: "requests-per-second"},
					DescribedObject: api.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "main-route"},
					Target:          api.MetricTarget{Type: "Value", Value: api.Ptr(api.MustParse("10k"))}}},
			}},
	}, func(h *api.HorizontalPodAutoscaler) {
		h.Status = api.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, DesiredReplicas: 2, CurrentMetrics: []api.MetricStatus{
			{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "memory", Current: api.MetricValueStatus{AverageValue: api.Ptr(api.MustParse("214Mi"))}}},
			{Type: "Pods", Pods: &api.PodsMetricStatus{Metric: api.MetricIdentifier{Name: "packets-per-second"}, Current: api.MetricValueStatus{AverageValue: api.Ptr(api.MustParse("1200m"))}}},
		}}
	})
	create(f, &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "queue", Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "worker"},
			MinReplicas: api.Ptr(int32(2)), MaxReplicas: 20, Metrics: []api.MetricSpec{
				{Type: "External", External: &api.ExternalMetricSource{Metric: api.MetricIdentifier{Name: "queue_messages_ready"},
					Target: api.MetricTarget{Type: "AverageValue", AverageValue: api.Ptr(api.MustParse("30"))}}},
			}},
	}, nil)
	f.l.AdvanceBy(5 * time.Minute)
}

func TestGetAutoscaling(t *testing.T) {
	runGetCases(t, []getCase{
		{"horizontalpodautoscalers", setupAutoscalers, []string{"hpa"}, `NAME         REFERENCE               TARGETS                                     MINPODS   MAXPODS   REPLICAS   AGE
busy         StatefulSet/web         memory: 214Mi/500Mi, 1200m/1k + 1 more...   1         5         2          5m
measured     Deployment/php-apache   cpu: 250%/50%                               1         10        7          5m
php-apache   Deployment/php-apache   cpu: <unknown>/50%                          1         10        0          5m
queue        Deployment/worker       <unknown>/30 (avg)                          2         20        0          5m
`},
		{"horizontalpodautoscalers-wide", setupAutoscalers, []string{"hpa", "php-apache", "-o", "wide"}, `NAME         REFERENCE               TARGETS              MINPODS   MAXPODS   REPLICAS   AGE
php-apache   Deployment/php-apache   cpu: <unknown>/50%   1         10        0          5m
`},
		{"horizontalpodautoscalers-v1", setupAutoscalers, []string{"horizontalpodautoscalers.v1.autoscaling"}, `NAME         REFERENCE               TARGETS                                     MINPODS   MAXPODS   REPLICAS   AGE
busy         StatefulSet/web         memory: 214Mi/500Mi, 1200m/1k + 1 more...   1         5         2          5m
measured     Deployment/php-apache   cpu: 250%/50%                               1         10        7          5m
php-apache   Deployment/php-apache   cpu: <unknown>/50%                          1         10        0          5m
queue        Deployment/worker       <unknown>/30 (avg)                          2         20        0          5m
`},
	})
}

func TestHPATargets(t *testing.T) {
	q := func(s string) *api.Quantity { return api.Ptr(api.MustParse(s)) }
	tests := []struct {
		name     string
		specs    []api.MetricSpec
		statuses []api.MetricStatus
		want     string
	}{
		{"none", nil, nil, "<none>"},
		{"cpu unknown", []api.MetricSpec{cpuUtilization(80)}, nil, "cpu: <unknown>/80%"},
		{"container auto", []api.MetricSpec{{Type: "ContainerResource", ContainerResource: &api.ContainerResourceMetricSource{Name: "cpu", Container: "app", Target: api.MetricTarget{Type: "Utilization"}}}},
			[]api.MetricStatus{{Type: "ContainerResource", ContainerResource: &api.ContainerResourceMetricStatus{Name: "cpu", Container: "app", Current: api.MetricValueStatus{AverageUtilization: api.Ptr(int32(12))}}}},
			"cpu: 12%/<auto>"},
		{"external value", []api.MetricSpec{{Type: "External", External: &api.ExternalMetricSource{Target: api.MetricTarget{Type: "Value", Value: q("100")}}}},
			[]api.MetricStatus{{Type: "External", External: &api.ExternalMetricStatus{Current: api.MetricValueStatus{Value: q("42")}}}}, "42/100"},
		{"object average", []api.MetricSpec{{Type: "Object", Object: &api.ObjectMetricSource{Target: api.MetricTarget{Type: "AverageValue", AverageValue: q("2")}}}},
			[]api.MetricStatus{{Type: "Object", Object: &api.ObjectMetricStatus{Current: api.MetricValueStatus{AverageValue: q("1500m")}}}}, "1500m/2 (avg)"},
		// kubectl prints a nil quantity as <nil>.
		{"value missing", []api.MetricSpec{{Type: "Object", Object: &api.ObjectMetricSource{Target: api.MetricTarget{Type: "Value", Value: q("1")}}}},
			[]api.MetricStatus{{Type: "Object", Object: &api.ObjectMetricStatus{}}}, "<nil>/1"},
		{"unknown type", []api.MetricSpec{{Type: "Weather"}, {Type: "Resource"}}, nil, "<unknown type>, <unknown type>"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hpaTargets(tt.specs, tt.statuses), tt.name)
	}
}

// An autoscaler written through autoscaling/v1 reads back the same through
// either version.
func TestGetAutoscalerBothVersions(t *testing.T) {
	f := newDescribeFixture(t)
	setupAutoscalers(f)
	h, err := client.Get[*api.HorizontalPodAutoscaler](f.c, "default", "php-apache")
	require.NoError(t, err)
	assert.Equal(t, "cpu: <unknown>/50%", hpaTargets(h.Spec.Metrics, h.Status.CurrentMetrics))
}
