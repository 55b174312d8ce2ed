package apiserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// testNetworkPolicy is the example of kubernetes.io's "Network Policies".
const testNetworkPolicy = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
`

func TestNetworkPolicyValidation(t *testing.T) {
	s := newServer()
	np := mustApply[*api.NetworkPolicy](t, s, testNetworkPolicy)
	assert.Equal(t, int64(1), np.Generation)
	assert.Equal(t, []string{networkPolicyNotEnforced}, s.TakeWarnings())
	with := func(old, new string) string {
		require.Contains(t, testNetworkPolicy, old)
		return strings.Replace(strings.Replace(testNetworkPolicy, "name: test-network-policy", "name: bad", 1), old, new, 1)
	}
	const prefix = `NetworkPolicy.networking.k8s.io "bad" is invalid: `
	tests := []struct {
		name, doc, want string
	}{
		{"protocol", with("- protocol: TCP\n      port: 6379", "- protocol: ICMP\n      port: 6379"),
			`spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`},
		{"SCTP", with("- protocol: TCP\n      port: 6379", "- protocol: SCTP\n      port: 6379"), ""},
		{"port number", with("port: 6379", "port: 0"),
			`spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`},
		{"port name", with("port: 6379", "port: Redis"),
			`spec.ingress[0].ports[0].port: Invalid value: "Redis": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`},
		{"named port", with("port: 6379", "port: redis"), ""},
		{"end port", with("port: 6379", "port: 6379\n      endPort: 6380"), ""},
		{"end port below", with("port: 6379", "port: 6379\n      endPort: 6000"),
			"spec.ingress[0].ports[0].endPort: Invalid value: 6000: must be greater than or equal to `port`"},
		{"end port out of range", with("port: 6379", "port: 6379\n      endPort: 65536"),
			`spec.ingress[0].ports[0].endPort: Invalid value: 65536: must be between 1 and 65535, inclusive`},
		{"end port after a name", with("port: 6379", "port: redis\n      endPort: 6380"),
			"spec.ingress[0].ports[0].endPort: Invalid value: 6380: may not be specified when `port` is non-numeric"},
		{"end port alone", with("      port: 6379", "      endPort: 6380"),
			"spec.ingress[0].ports[0].endPort: Invalid value: 6380: may not be specified when `port` is not specified"},
		{"no peer", with("    - ipBlock:\n        cidr: 10.0.0.0/24", "    - {}"),
			`spec.egress[0].to[0]: Required value: must specify a peer`},
		{"ipBlock and a selector", with("    - ipBlock:\n        cidr: 10.0.0.0/24", "    - ipBlock:\n        cidr: 10.0.0.0/24\n      podSelector: {}"),
			`spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer`},
		{"both selectors", with("    - podSelector:\n        matchLabels:\n          role: frontend", "    - podSelector: {}\n      namespaceSelector: {}"), ""},
		{"no cidr", with("cidr: 10.0.0.0/24", "cidr: \"\""),
			`spec.egress[0].to[0].ipBlock.cidr: Required value`},
		{"bad cidr", with("cidr: 10.0.0.0/24", "cidr: 10.0.0.0"),
			`spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
		{"bits past the prefix", with("cidr: 10.0.0.0/24", "cidr: 10.0.0.1/24"),
			`spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length`},
		{"leading zeros", with("cidr: 10.0.0.0/24", "cidr: 10.0.0.0/024"),
			`spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/024": must not have leading 0s in IP or prefix length`},
		{"IPv4-mapped", with("cidr: 10.0.0.0/24", "cidr: ::ffff:10.0.0.0/120"),
			`spec.egress[0].to[0].ipBlock.cidr: Invalid value: "::ffff:10.0.0.0/120": must not have an IPv4-mapped IPv6 address`},
		{"IPv6", with("cidr: 10.0.0.0/24", "cidr: 2001:db8::/64\n        except: [\"2001:db8::/80\"]"), ""},
		{"except outside", with("- 172.17.1.0/24", "- 172.18.1.0/24"),
			"spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"172.18.1.0/24\": must be a strict subset of `cidr`"},
		{"except the whole block", with("- 172.17.1.0/24", "- 172.17.0.0/16"),
			"spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"172.17.0.0/16\": must be a strict subset of `cidr`"},
		{"except invalid", with("- 172.17.1.0/24", "- 172.17.1.0/33"),
			`spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "172.17.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
		{"selector", with("role: frontend", "role: -frontend"),
			`spec.ingress[0].from[2].podSelector.matchLabels: Invalid value: "-frontend": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		{"namespace selector operator", with("    - namespaceSelector:\n        matchLabels:\n          project: myproject", "    - namespaceSelector:\n        matchExpressions: [{key: project, operator: Has}]"),
			`spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator`},
		{"policy type", with("  - Egress\n  ingress", "  - Outgress\n  ingress"),
			`spec.policyTypes[1]: Unsupported value: "Outgress": supported values: "Ingress", "Egress"`},
		{"three policy types", with("  - Egress\n  ingress", "  - Egress\n  - Ingress\n  ingress"),
			`spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := apply(t, s, tt.doc)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, []string{networkPolicyNotEnforced}, s.TakeWarnings())
				_, err := s.Delete(api.ResourceFor(&api.NetworkPolicy{}), "default", "bad", DeleteOptions{})
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, prefix+tt.want, err.Error())
			assert.Empty(t, s.TakeWarnings(), "an invalid policy is not told")
		})
	}
}

func TestNetworkPolicyDefaults(t *testing.T) {
	tests := []struct {
		name, spec string
		types      []string
	}{
		{"nothing", "podSelector: {}", []string{"Ingress"}},
		{"ingress rules", "podSelector: {}\n  ingress: [{}]", []string{"Ingress"}},
		{"egress rules", "podSelector: {}\n  egress: [{ports: [{port: 53}]}]", []string{"Ingress", "Egress"}},
		{"empty egress", "podSelector: {}\n  egress: []", []string{"Ingress"}},
		{"egress only", "podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]", []string{"Egress"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer()
			np := mustApply[*api.NetworkPolicy](t, s, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  "+tt.spec+"\n")
			assert.Equal(t, tt.types, np.Spec.PolicyTypes)
			for _, r := range np.Spec.Egress {
				for _, p := range r.Ports {
					assert.Equal(t, "TCP", api.Deref(p.Protocol, ""))
				}
			}
		})
	}
}

// TestNetworkPolicyUpdate: an update is defaulted, validated and told as a
// create is; a CIDR the stored policy already has passes as it is; a
// change of the spec counts in the generation.
func TestNetworkPolicyUpdate(t *testing.T) {
	s := newServer()
	np := mustApply[*api.NetworkPolicy](t, s, testNetworkPolicy)
	s.TakeWarnings()
	assert.Equal(t, "", update(t, s, np, func(np *api.NetworkPolicy) {
		np.Spec.Egress[0].Ports = append(np.Spec.Egress[0].Ports, api.NetworkPolicyPort{Port: api.Ptr(api.FromInt(53))})
	}))
	assert.Equal(t, []string{networkPolicyNotEnforced}, s.TakeWarnings())
	got, err := s.Get(api.ResourceFor(np), "default", np.Name)
	require.NoError(t, err)
	np = got.(*api.NetworkPolicy)
	assert.Equal(t, int64(2), np.Generation)
	assert.Equal(t, "TCP", *np.Spec.Egress[0].Ports[1].Protocol)

	assert.Equal(t, `NetworkPolicy.networking.k8s.io "test-network-policy" is invalid: spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length`,
		update(t, s, np, func(np *api.NetworkPolicy) { np.Spec.Egress[0].To[0].IPBlock.CIDR = "10.0.0.1/24" }))
	assert.Empty(t, s.TakeWarnings())

	// A stored CIDR that today's rules refuse (written before them) is
	// kept through an update.
	assert.Empty(t, validateNetworkPolicyUpdate(
		&api.NetworkPolicy{Spec: api.NetworkPolicySpec{Egress: []api.NetworkPolicyEgressRule{{To: []api.NetworkPolicyPeer{{IPBlock: &api.IPBlock{CIDR: "10.0.0.1/24"}}}}}}},
		&api.NetworkPolicy{Spec: api.NetworkPolicySpec{Ingress: []api.NetworkPolicyIngressRule{{From: []api.NetworkPolicyPeer{{IPBlock: &api.IPBlock{CIDR: "10.0.0.1/24"}}}}}}}))
}
