package job

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Indexed Jobs (upstream's indexed_job_utils.go).

const (
	completionIndexEnv = "JOB_COMPLETION_INDEX"
	unknownIndex       = -1
	// maxGeneratedNameLength is what the API server keeps of a generateName.
	maxGeneratedNameLength = 63 - 5
)

func isIndexed(job *api.Job) bool { return api.Deref(job.Spec.CompletionMode, "") == "Indexed" }

func hasBackoffLimitPerIndex(job *api.Job) bool { return job.Spec.BackoffLimitPerIndex != nil }

// interval is a run of indexes, first to last.
type interval struct{ first, last int }

// intervals is a sorted list of disjoint, non-adjacent runs, written
// "1,3-5,7" in status.completedIndexes and status.failedIndexes.
type intervals []interval

// succeededIndexes returns the indexes completed before this sync (from
// status.completedIndexes) and with those whose pods succeeded since.
func succeededIndexes(job *api.Job, pods []*api.Pod) (prev, now intervals) {
	completions := int(*job.Spec.Completions)
	prev = parseIndexes(job.Status.CompletedIndexes, completions)
	var fresh []int
	for _, p := range pods {
		ix := completionIndex(p)
		if p.Status.Phase == api.PodSucceeded && ix != unknownIndex && ix < completions && hasTrackingFinalizer(p) {
			fresh = append(fresh, ix)
		}
	}
	return prev, prev.withIndexes(fresh)
}

// failedIndexes returns status.failedIndexes with the indexes that failed
// for good since.
func failedIndexes(job *api.Job, pods []*api.Pod) *intervals {
	completions := int(*job.Spec.Completions)
	var prev intervals
	if job.Status.FailedIndexes != nil {
		prev = parseIndexes(*job.Status.FailedIndexes, completions)
	}
	var fresh []int
	for _, p := range pods {
		ix := completionIndex(p)
		if ix != unknownIndex && ix < completions && hasTrackingFinalizer(p) && isIndexFailed(job, p) {
			fresh = append(fresh, ix)
		}
	}
	out := prev.withIndexes(fresh)
	return &out
}

// isIndexFailed reports whether a pod's failure fails its index: a FailIndex
// rule, or a counted failure beyond backoffLimitPerIndex.
func isIndexFailed(job *api.Job, p *api.Pod) bool {
	if !isPodFailed(p, job) {
		return false
	}
	counted := true
	if job.Spec.PodFailurePolicy != nil {
		_, count, action := matchPodFailurePolicy(job.Spec.PodFailurePolicy, p)
		if action == "FailIndex" {
			return true
		}
		counted = count
	}
	return counted && indexFailureCount(p) >= *job.Spec.BackoffLimitPerIndex
}

// withIndexes returns the intervals with the given indexes added.
func (oi intervals) withIndexes(indexes []int) intervals {
	indexes = slices.Clone(indexes)
	slices.Sort(indexes)
	add := make(intervals, 0, len(indexes))
	for _, ix := range indexes {
		add = append(add, interval{ix, ix})
	}
	return oi.merge(add)
}

// merge returns the union of two interval lists.
func (oi intervals) merge(other intervals) intervals {
	all := append(slices.Clone(oi), other...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].first < all[j].first })
	var out intervals
	for _, iv := range all {
		if n := len(out); n > 0 && iv.first <= out[n-1].last+1 {
			out[n-1].last = max(out[n-1].last, iv.last)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func (oi intervals) total() int {
	n := 0
	for _, iv := range oi {
		n += iv.last - iv.first + 1
	}
	return n
}

func (oi intervals) has(ix int) bool {
	for _, iv := range oi {
		if iv.first <= ix && ix <= iv.last {
			return true
		}
	}
	return false
}

// String writes "0-2,4": a run of two is written as two indexes.
func (oi intervals) String() string {
	var b strings.Builder
	for _, iv := range oi {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(iv.first))
		switch {
		case iv.last == iv.first+1:
			b.WriteString("," + strconv.Itoa(iv.last))
		case iv.last > iv.first:
			b.WriteString("-" + strconv.Itoa(iv.last))
		}
	}
	return b.String()
}

// parseIndexes reads "1,3-5,7", ignoring indexes from completions on and
// corrupt parts, as upstream.
func parseIndexes(text string, completions int) intervals {
	if text == "" {
		return nil
	}
	var out intervals
	for _, part := range strings.Split(text, ",") {
		lo, hi, ranged := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		if first >= completions {
			break
		}
		last := first
		if ranged {
			if last, err = strconv.Atoi(hi); err != nil {
				continue
			}
			last = min(last, completions-1)
		}
		if n := len(out); n > 0 && out[n-1].last == first-1 {
			out[n-1].last = last
			continue
		}
		out = append(out, interval{first, last})
	}
	return out
}

// firstPendingIndexes returns up to count indexes below completions that no
// active pod holds and that have neither succeeded nor failed (nor, when
// only failed pods are replaced, have a terminating pod).
func firstPendingIndexes(s *syncCtx, count, completions int) []int {
	if count == 0 {
		return nil
	}
	taken := s.succeededIdx.withIndexes(indexesOf(s.active))
	if onlyReplaceFailedPods(s.job) {
		var terminating []*api.Pod
		for _, p := range s.pods {
			if isTerminating(p) {
				terminating = append(terminating, p)
			}
		}
		taken = taken.withIndexes(indexesOf(terminating))
	}
	if s.failedIdx != nil {
		taken = taken.merge(*s.failedIdx)
	}
	var out []int
	for ix := 0; ix < completions && len(out) < count; ix++ {
		if !taken.has(ix) {
			out = append(out, ix)
		}
	}
	return out
}

func indexesOf(pods []*api.Pod) []int {
	var out []int
	for _, p := range pods {
		if ix := completionIndex(p); ix != unknownIndex && !slices.Contains(out, ix) {
			out = append(out, ix)
		}
	}
	return out
}

// duplicatedIndexPods splits active pods into those to remove (no valid
// index, or all but the most advanced pod of an index) and the rest.
func duplicatedIndexPods(pods []*api.Pod, completions int) (rm, left []*api.Pod) {
	byIndex := map[int][]*api.Pod{}
	for _, p := range pods {
		ix := completionIndex(p)
		if ix == unknownIndex || ix >= completions {
			rm = append(rm, p)
			continue
		}
		byIndex[ix] = append(byIndex[ix], p)
	}
	for _, ix := range slices.Sorted(maps.Keys(byIndex)) {
		same := byIndex[ix]
		sortActivePods(same)
		rm = append(rm, same[:len(same)-1]...)
		left = append(left, same[len(same)-1])
	}
	return rm, left
}

// podsWithDelayedDeletion returns, per index, the failed pod whose
// finalizer stays until its replacement exists, so that the replacement
// can carry the index's failure count.
func podsWithDelayedDeletion(s *syncCtx) map[int]*api.Pod {
	activeIdx := indexesOf(s.active)
	out := map[int]*api.Pod{}
	for _, p := range s.validPods(nil, func(p *api.Pod) bool { return isPodFailed(p, s.job) }) {
		ix := completionIndex(p)
		if s.succeededIdx.has(ix) || s.failedIdx != nil && s.failedIdx.has(ix) || slices.Contains(activeIdx, ix) {
			continue
		}
		last, ok := out[ix]
		if !ok || absoluteFailureCount(last) <= absoluteFailureCount(p) && !finishedTime(p).Before(finishedTime(last)) {
			out[ix] = p
		}
	}
	return out
}

// indexesReadyToCreate keeps the indexes whose backoff is over; when none
// is, it returns the shortest wait.
func indexesReadyToCreate(s *syncCtx, indexes []int) ([]int, time.Duration) {
	var ready []int
	var wait time.Duration
	for _, ix := range indexes {
		d := indexBackoffRemaining(s.delayed[ix], s.now)
		switch {
		case d == 0:
			ready = append(ready, ix)
		case wait == 0 || d < wait:
			wait = d
		}
	}
	if len(ready) > 0 {
		return ready, 0
	}
	return nil, wait
}

// addIndexFailureCounts gives a replacement pod the failure counts of the
// pod it replaces, plus that pod's own failure.
func addIndexFailureCounts(t *api.PodTemplateSpec, job *api.Job, replaced *api.Pod) {
	var failures, ignored int32
	if replaced != nil {
		failures, ignored = indexFailureCount(replaced), ignoredFailureCount(replaced)
		count := true
		if job.Spec.PodFailurePolicy != nil {
			_, count, _ = matchPodFailurePolicy(job.Spec.PodFailurePolicy, replaced)
		}
		if count {
			failures++
		} else {
			ignored++
		}
	}
	t.Annotations = withEntry(t.Annotations, IndexFailureCountAnnotation, strconv.Itoa(int(failures)))
	if ignored > 0 {
		t.Annotations[IndexIgnoredFailureCountAnnotation] = strconv.Itoa(int(ignored))
	}
}

func completionIndex(p *api.Pod) int {
	v, ok := p.Annotations[CompletionIndexAnnotation]
	if !ok {
		return unknownIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return unknownIndex
	}
	return i
}

func indexFailureCount(p *api.Pod) int32 { return annotationInt32(p, IndexFailureCountAnnotation) }

func ignoredFailureCount(p *api.Pod) int32 {
	return annotationInt32(p, IndexIgnoredFailureCountAnnotation)
}

func absoluteFailureCount(p *api.Pod) int32 { return indexFailureCount(p) + ignoredFailureCount(p) }

// annotationInt32 reads a count annotation; anything invalid reads as 0.
func annotationInt32(p *api.Pod, key string) int32 {
	v, err := strconv.Atoi(p.Annotations[key])
	if err != nil || v < 0 || v > math.MaxInt32 {
		return 0
	}
	return int32(v)
}

// addCompletionIndexEnv gives every container JOB_COMPLETION_INDEX from the
// pod's completion index label.
func addCompletionIndexEnv(t *api.PodTemplateSpec) {
	for _, list := range [][]api.Container{t.Spec.InitContainers, t.Spec.Containers} {
		for i := range list {
			c := &list[i]
			if slices.ContainsFunc(c.Env, func(e api.EnvVar) bool { return e.Name == completionIndexEnv }) {
				continue
			}
			c.Env = append(c.Env, api.EnvVar{Name: completionIndexEnv, ValueFrom: &api.EnvVarSource{
				FieldRef: &api.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.labels['%s']", CompletionIndexAnnotation)},
			}})
		}
	}
}

// generateNameWithIndex is "<job>-<index>-", the job name cut short so
// that the name fits.
func generateNameWithIndex(job string, ix int) string {
	suffix := "-" + strconv.Itoa(ix) + "-"
	prefix := job + suffix
	if len(prefix) > maxGeneratedNameLength {
		prefix = prefix[:maxGeneratedNameLength-len(suffix)] + suffix
	}
	return prefix
}

// sortByIndex orders pods by completion index, keeping ties in order.
func sortByIndex(pods []*api.Pod) {
	sort.SliceStable(pods, func(i, j int) bool { return completionIndex(pods[i]) < completionIndex(pods[j]) })
}
