package api

// NetworkPolicyRule is an ingress rule or an egress one in one shape: the
// ports it allows and its peers (from, or to).
type NetworkPolicyRule struct {
	Ports []NetworkPolicyPort
	Peers []NetworkPolicyPeer
}

// Rules returns the spec's ingress and egress rules as NetworkPolicyRules.
func (s *NetworkPolicySpec) Rules() (ingress, egress []NetworkPolicyRule) {
	for _, r := range s.Ingress {
		ingress = append(ingress, NetworkPolicyRule{r.Ports, r.From})
	}
	for _, r := range s.Egress {
		egress = append(egress, NetworkPolicyRule{r.Ports, r.To})
	}
	return ingress, egress
}
