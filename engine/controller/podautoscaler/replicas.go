package podautoscaler

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// The replica calculator (pkg/controller/podautoscaler/
// replica_calculator.go): from the pods' metrics and their requests, the
// replica count that would bring the metric to its target.

// podMetric is one pod's value of a metric (millicores, millibytes), with
// the sample's end and window.
type podMetric struct {
	at     time.Time
	window time.Duration
	value  int64
}

// podMetrics are the metrics by pod name.
type podMetrics map[string]podMetric

// tolerances are the ratios within which no scaling happens, down and up.
type tolerances struct{ down, up float64 }

func (t tolerances) within(ratio float64) bool { return 1-t.down <= ratio && ratio <= 1+t.up }

// calculator holds what a replica computation needs besides the metric.
type calculator struct {
	now  time.Time
	pods []*api.Pod
	tol  tolerances
}

// groupPods sorts the target's pods as groupPods does: deleted and failed
// ones are ignored; pending ones, and for CPU those not ready or whose
// sample may predate their readiness during the initialization period,
// are unready; those without a metric are missing.
func (c *calculator) groupPods(metrics podMetrics, resource string) (ready int, unready, missing, ignored map[string]bool) {
	unready, missing, ignored = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, p := range c.pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded {
			ignored[p.Name] = true
			continue
		}
		if p.Status.Phase == api.PodPending {
			unready[p.Name] = true
			continue
		}
		m, ok := metrics[p.Name]
		if !ok {
			missing[p.Name] = true
			continue
		}
		if resource == "cpu" && c.cpuUnready(p, m) {
			unready[p.Name] = true
			continue
		}
		ready++
	}
	return ready, unready, missing, ignored
}

func (c *calculator) cpuUnready(p *api.Pod, m podMetric) bool {
	cond := controller.PodCondition(p, api.PodReady)
	if cond == nil || p.Status.StartTime == nil {
		return true
	}
	start := p.Status.StartTime.Time
	if start.Add(cpuInitializationPeriod).After(c.now) {
		return cond.Status == api.ConditionFalse || m.at.Before(cond.LastTransitionTime.Add(m.window))
	}
	return cond.Status == api.ConditionFalse && start.Add(initialReadinessDelay).After(cond.LastTransitionTime.Time)
}

// podRequests sums each pod's containers' requests of a resource (one
// container's, if named), in millis.
func (c *calculator) podRequests(resource, container string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, p := range c.pods {
		var sum int64
		for _, ctr := range p.Spec.Containers {
			if container != "" && ctr.Name != container {
				continue
			}
			q, ok := ctr.Resources.Requests[resource]
			if !ok {
				return nil, fmt.Errorf("missing request for %s in container %s of Pod %s", resource, ctr.Name, p.Name)
			}
			sum += q.MilliValue()
		}
		out[p.Name] = sum
	}
	return out, nil
}

// utilizationRatio is GetResourceUtilizationRatio: the metrics' total
// over the requests' total, as a percentage and as a ratio to the target.
func utilizationRatio(metrics podMetrics, requests map[string]int64, target int32) (ratio float64, utilization int32, average int64, err error) {
	var total, reqTotal int64
	n := 0
	for _, name := range sortedNames(metrics) {
		req, ok := requests[name]
		if !ok {
			continue
		}
		total += metrics[name].value
		reqTotal += req
		n++
	}
	if reqTotal == 0 {
		return 0, 0, 0, errors.New("no metrics returned matched known pods")
	}
	utilization = int32(total * 100 / reqTotal)
	return float64(utilization) / float64(target), utilization, total / int64(n), nil
}

// usageRatio is GetMetricUsageRatio: the average over the target.
func usageRatio(metrics podMetrics, target int64) (float64, int64) {
	var total int64
	for _, m := range metrics {
		total += m.value
	}
	avg := total / int64(len(metrics))
	return float64(avg) / float64(target), avg
}

func sortedNames(m podMetrics) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func remove(metrics podMetrics, names map[string]bool) {
	for n := range names {
		delete(metrics, n)
	}
}

// resourceReplicas is GetResourceReplicas for a utilization target.
func (c *calculator) resourceReplicas(current int32, target int32, resource, container string, metrics podMetrics) (int32, int32, int64, error) {
	if len(c.pods) == 0 {
		return 0, 0, 0, errors.New("no pods returned by selector while calculating replica count")
	}
	ready, unready, missing, ignored := c.groupPods(metrics, resource)
	remove(metrics, ignored)
	remove(metrics, unready)
	if len(metrics) == 0 {
		return 0, 0, 0, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	requests, err := c.podRequests(resource, container)
	if err != nil {
		return 0, 0, 0, err
	}
	ratio, utilization, raw, err := utilizationRatio(metrics, requests, target)
	if err != nil {
		return 0, 0, 0, err
	}
	withUnready := len(unready) > 0 && ratio > 1
	if !withUnready && len(missing) == 0 {
		if c.tol.within(ratio) {
			return current, utilization, raw, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), utilization, raw, nil
	}
	fallback := int64(max(100, target))
	for n := range missing {
		switch {
		case ratio < 1:
			metrics[n] = podMetric{value: requests[n] * fallback / 100}
		case ratio > 1:
			metrics[n] = podMetric{}
		}
	}
	if withUnready {
		for n := range unready {
			metrics[n] = podMetric{}
		}
	}
	newRatio, _, _, err := utilizationRatio(metrics, requests, target)
	if err != nil {
		return 0, utilization, raw, err
	}
	return rebalanced(current, ratio, newRatio, len(metrics), c.tol), utilization, raw, nil
}

// rebalanced is the count after missing and unready pods were given
// values: no change when within tolerance or when they would turn the
// direction of scaling.
func rebalanced(current int32, ratio, newRatio float64, n int, tol tolerances) int32 {
	if tol.within(newRatio) || ratio < 1 && newRatio > 1 || ratio > 1 && newRatio < 1 {
		return current
	}
	replicas := int32(math.Ceil(newRatio * float64(n)))
	if newRatio < 1 && replicas > current || newRatio > 1 && replicas < current {
		return current
	}
	return replicas
}

// rawResourceReplicas is GetRawResourceReplicas (calcPlainMetricReplicas)
// for an average value target, in millis.
func (c *calculator) rawResourceReplicas(current int32, target int64, resource string, metrics podMetrics) (int32, int64, error) {
	if len(c.pods) == 0 {
		return 0, 0, errors.New("no pods returned by selector while calculating replica count")
	}
	ready, unready, missing, ignored := c.groupPods(metrics, resource)
	remove(metrics, ignored)
	remove(metrics, unready)
	if len(metrics) == 0 {
		return 0, 0, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	ratio, avg := usageRatio(metrics, target)
	withUnready := len(unready) > 0 && ratio > 1
	if !withUnready && len(missing) == 0 {
		if c.tol.within(ratio) {
			return current, avg, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), avg, nil
	}
	for n := range missing {
		if ratio < 1 {
			metrics[n] = podMetric{value: target}
		} else {
			metrics[n] = podMetric{}
		}
	}
	if withUnready {
		for n := range unready {
			metrics[n] = podMetric{}
		}
	}
	newRatio, _ := usageRatio(metrics, target)
	return rebalanced(current, ratio, newRatio, len(metrics), c.tol), avg, nil
}
