package cloud

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// ProvisionTime is how long the cloud takes to build a new load balancer:
// Services of type LoadBalancer show <pending> that long.
const ProvisionTime = 3 * time.Second

// LoadBalancer is a load balancer of the cloud, made for one Service.
type LoadBalancer struct {
	Name    string    `json:"name"`    // as cloudprovider.DefaultLoadBalancerName
	Service string    `json:"service"` // namespace/name
	IP      string    `json:"ip"`
	ReadyAt time.Time `json:"readyAt"` // when its provisioning is done
}

// pool is the range load balancer addresses come from.
type pool struct{ first, last netip.Addr }

// defaultPool is on the nodes' network, as kind with MetalLB does it.
var defaultPool = pool{first: netip.MustParseAddr("172.18.255.200"), last: netip.MustParseAddr("172.18.255.250")}

func (p pool) String() string { return p.first.String() + "-" + p.last.String() }

func (p pool) contains(a netip.Addr) bool {
	return a.Compare(p.first) >= 0 && a.Compare(p.last) <= 0
}

// LoadBalancerName is the name the cloud gives a Service's load balancer:
// "a" and its UID without dashes, at most 32 characters.
func LoadBalancerName(svc *api.Service) string {
	name := "a" + strings.ReplaceAll(svc.UID, "-", "")
	if len(name) > 32 {
		name = name[:32]
	}
	return name
}

// GetLoadBalancer returns a Service's load balancer, if it has one.
func (c *Cloud) GetLoadBalancer(svc *api.Service) (LoadBalancer, bool) {
	lb, ok := c.lbs[LoadBalancerName(svc)]
	if !ok {
		return LoadBalancer{}, false
	}
	return *lb, true
}

// EnsureLoadBalancer makes a load balancer for a Service, or finds the one
// it has. A new one takes an address from the pool (the one the Service
// asks for in spec.loadBalancerIP, if any) and is ready ProvisionTime
// later.
func (c *Cloud) EnsureLoadBalancer(svc *api.Service, now time.Time) (LoadBalancer, error) {
	if lb, ok := c.lbs[LoadBalancerName(svc)]; ok {
		return *lb, nil
	}
	ip, err := c.allocate(svc.Spec.LoadBalancerIP)
	if err != nil {
		return LoadBalancer{}, err
	}
	lb := &LoadBalancer{Name: LoadBalancerName(svc), Service: svc.Namespace + "/" + svc.Name, IP: ip, ReadyAt: now.Add(ProvisionTime)}
	c.lbs[lb.Name] = lb
	c.changed = true
	return *lb, nil
}

// EnsureLoadBalancerDeleted deletes a Service's load balancer, giving its
// address back to the pool.
func (c *Cloud) EnsureLoadBalancerDeleted(svc *api.Service) {
	name := LoadBalancerName(svc)
	if _, ok := c.lbs[name]; ok {
		delete(c.lbs, name)
		c.changed = true
	}
}

// allocate takes the address asked for, or the lowest free one.
func (c *Cloud) allocate(want string) (string, error) {
	used := map[string]bool{}
	for _, lb := range c.lbs {
		used[lb.IP] = true
	}
	if want != "" {
		a, err := netip.ParseAddr(want)
		switch {
		case err != nil || !c.pool.contains(a):
			return "", fmt.Errorf("requested address %s is not in the load balancer pool %s", want, c.pool)
		case used[a.String()]:
			return "", fmt.Errorf("requested address %s is already in use", want)
		}
		return a.String(), nil
	}
	for a := c.pool.first; c.pool.contains(a); a = a.Next() {
		if !used[a.String()] {
			return a.String(), nil
		}
	}
	return "", fmt.Errorf("no addresses left in the load balancer pool %s", c.pool)
}
