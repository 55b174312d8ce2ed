package endpoint

import (
	"bytes"
	"crypto/md5"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// RepackSubsets is pkg/api/v1/endpoints' RepackSubsets: it expands subsets
// to one address per port and packs them back into the canonical form,
// one subset per set of addresses (with their readiness) that offer the
// same ports, addresses sorted by IP and UID, ports and subsets by the MD5
// of their print, as upstream sorts them.
func RepackSubsets(subsets []api.EndpointSubset) []api.EndpointSubset {
	type addrKey struct{ ip, uid string }
	var addrs []*api.EndpointAddress
	byKey := map[addrKey]int{}
	type portSet struct {
		port  api.EndpointPort
		ready map[int]bool // address index -> ready
	}
	var ports []*portSet
	portIndex := map[string]int{}
	add := func(a *api.EndpointAddress, port api.EndpointPort, ready bool) {
		k := addrKey{ip: a.IP}
		if a.TargetRef != nil {
			k.uid = a.TargetRef.UID
		}
		i, ok := byKey[k]
		if !ok {
			c := *a
			i = len(addrs)
			addrs = append(addrs, &c)
			byKey[k] = i
		}
		pk := portKey(port)
		pi, ok := portIndex[pk]
		if !ok {
			pi = len(ports)
			ports = append(ports, &portSet{port: port, ready: map[int]bool{}})
			portIndex[pk] = pi
		}
		// Not ready wins over ready.
		if was, seen := ports[pi].ready[i]; !seen || was {
			ports[pi].ready[i] = ready
		}
	}
	for si := range subsets {
		s := &subsets[si]
		list := s.Ports
		if len(list) == 0 {
			list = []api.EndpointPort{{Port: -1}} // a sentinel keeps port-less addresses
		}
		for _, port := range list {
			for ai := range s.Addresses {
				add(&s.Addresses[ai], port, true)
			}
			for ai := range s.NotReadyAddresses {
				add(&s.NotReadyAddresses[ai], port, false)
			}
		}
	}
	// Group the ports by the set of addresses (with readiness) offering them.
	groupOf := map[string]int{}
	type group struct {
		ready map[int]bool
		ports []api.EndpointPort
	}
	var groups []*group
	for _, ps := range ports {
		k := readyKey(ps.ready)
		gi, ok := groupOf[k]
		if !ok {
			gi = len(groups)
			groups = append(groups, &group{ready: ps.ready})
			groupOf[k] = gi
		}
		if ps.port.Port > 0 {
			groups[gi].ports = append(groups[gi].ports, ps.port)
		}
	}
	var out []api.EndpointSubset
	for _, g := range groups {
		var s api.EndpointSubset
		for _, i := range sortedInts(g.ready) {
			if g.ready[i] {
				s.Addresses = append(s.Addresses, *addrs[i])
			} else {
				s.NotReadyAddresses = append(s.NotReadyAddresses, *addrs[i])
			}
		}
		s.Ports = g.ports
		out = append(out, s)
	}
	return SortSubsets(out)
}

func portKey(p api.EndpointPort) string {
	return p.Name + "/" + strconv.Itoa(int(p.Port)) + "/" + p.Protocol + "/" + api.Deref(p.AppProtocol, "\x00")
}

func readyKey(m map[int]bool) string {
	var b strings.Builder
	for _, i := range sortedInts(m) {
		b.WriteString(strconv.Itoa(i))
		if m[i] {
			b.WriteString("+,")
		} else {
			b.WriteString("-,")
		}
	}
	return b.String()
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for i := range m {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// SortSubsets sorts each subset's addresses by IP and target UID, its
// ports by hash, and the subsets by hash.
func SortSubsets(subsets []api.EndpointSubset) []api.EndpointSubset {
	for i := range subsets {
		s := &subsets[i]
		sort.SliceStable(s.Addresses, func(a, b int) bool { return lessAddress(&s.Addresses[a], &s.Addresses[b]) })
		sort.SliceStable(s.NotReadyAddresses, func(a, b int) bool {
			return lessAddress(&s.NotReadyAddresses[a], &s.NotReadyAddresses[b])
		})
		sortByHash(s.Ports)
	}
	sortByHash(subsets)
	return subsets
}

// lessAddress is LessEndpointAddress: by IP, then by target UID.
func lessAddress(a, b *api.EndpointAddress) bool {
	if c := strings.Compare(a.IP, b.IP); c != 0 {
		return c < 0
	}
	if b.TargetRef == nil {
		return false
	}
	if a.TargetRef == nil {
		return true
	}
	return a.TargetRef.UID < b.TargetRef.UID
}

// sortByHash orders values by the MD5 of their print for hashing.
func sortByHash[T api.EndpointPort | api.EndpointSubset](list []T) {
	sums := make([][16]byte, len(list))
	for i := range list {
		sums[i] = md5.Sum(api.AppendForHash(nil, &list[i]))
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return bytes.Compare(sums[idx[a]][:], sums[idx[b]][:]) < 0 })
	sorted := make([]T, len(list))
	for i, j := range idx {
		sorted[i] = list[j]
	}
	copy(list, sorted)
}
