package api

import (
	"slices"
	"strconv"
)

// RequiredNodeAffinityMatches reports whether a node suits a pod spec's
// nodeSelector and required node affinity, as component-helpers'
// nodeaffinity.GetRequiredNodeAffinity(pod).Match(node).
func RequiredNodeAffinityMatches(spec *PodSpec, n *Node) bool {
	for k, v := range spec.NodeSelector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return false
		}
	}
	a := spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	return MatchesSomeNodeSelectorTerm(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms, n)
}

// MatchesSomeNodeSelectorTerm reports whether the node matches one of the
// terms (the terms are ORed).
func MatchesSomeNodeSelectorTerm(terms []NodeSelectorTerm, n *Node) bool {
	for _, t := range terms {
		if MatchesNodeSelectorTerm(t, n) {
			return true
		}
	}
	return false
}

// MatchesNodeSelectorTerm is a node selector term's match: an empty term
// matches nothing; expressions are on labels, fields on metadata.name.
func MatchesNodeSelectorTerm(t NodeSelectorTerm, n *Node) bool {
	if len(t.MatchExpressions)+len(t.MatchFields) == 0 {
		return false
	}
	for _, r := range t.MatchExpressions {
		v, ok := n.Labels[r.Key]
		if !matchNodeRequirement(r, v, ok) {
			return false
		}
	}
	for _, r := range t.MatchFields {
		if r.Key != "metadata.name" || (r.Operator != "In" && r.Operator != "NotIn") || !matchNodeRequirement(r, n.Name, true) {
			return false
		}
	}
	return true
}

func matchNodeRequirement(r NodeSelectorRequirement, v string, ok bool) bool {
	switch r.Operator {
	case "In":
		return ok && slices.Contains(r.Values, v)
	case "NotIn":
		return !ok || !slices.Contains(r.Values, v)
	case "Exists":
		return ok
	case "DoesNotExist":
		return !ok
	case "Gt", "Lt":
		return ok && compareNodeInt(r, v)
	}
	return false
}

func compareNodeInt(r NodeSelectorRequirement, v string) bool {
	if len(r.Values) != 1 {
		return false
	}
	have, err1 := strconv.ParseInt(v, 10, 64)
	want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return r.Operator == "Gt" && have > want || r.Operator == "Lt" && have < want
}
