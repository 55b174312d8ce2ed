package apiserver

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of discovery.k8s.io/v1 EndpointSlices
// (pkg/apis/discovery/v1/defaults.go, pkg/registry/discovery/endpointslice,
// pkg/apis/discovery/validation).

func init() {
	strategies["EndpointSlice.discovery.k8s.io"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultEndpointSlice(obj.(*api.EndpointSlice)) },
		prepareUpdate: func(s *Server, obj, old api.Object) {
			eps, o := obj.(*api.EndpointSlice), old.(*api.EndpointSlice)
			defaultEndpointSlice(eps)
			// An EndpointSlice has no spec: its generation counts changes
			// of its endpoints, ports and address type.
			if !reflect.DeepEqual(eps.Endpoints, o.Endpoints) || !reflect.DeepEqual(eps.Ports, o.Ports) || eps.AddressType != o.AddressType {
				eps.Generation = o.Generation + 1
			}
		},
		validate: validateEndpointSlice,
		validateUpdate: func(obj, old api.Object) []FieldError {
			return immutable("addressType", obj.(*api.EndpointSlice).AddressType, old.(*api.EndpointSlice).AddressType)
		},
	}
}

const (
	maxTopologyLabels  = 16
	maxSliceAddresses  = 100
	maxSlicePorts      = 20000
	maxSliceEndpoints  = 1000
	maxZoneHints       = 8
	zoneTopologyLabel  = "topology.kubernetes.io/zone"
	sliceAddressFQDN   = "FQDN"
	sliceAddressIPv4   = "IPv4"
	sliceAddressIPv6   = "IPv6"
	defaultSliceProto  = "TCP"
	defaultSlicePortNm = ""
)

var sliceAddressTypes = []string{sliceAddressFQDN, sliceAddressIPv4, sliceAddressIPv6}

// defaultEndpointSlice is SetDefaults_EndpointPort: a port's name is ""
// and its protocol TCP. The zone label of the old topology moves to zone,
// as the v1 conversion does.
func defaultEndpointSlice(eps *api.EndpointSlice) {
	for i := range eps.Ports {
		p := &eps.Ports[i]
		if p.Name == nil {
			p.Name = api.Ptr(defaultSlicePortNm)
		}
		if p.Protocol == nil {
			p.Protocol = api.Ptr(defaultSliceProto)
		}
	}
	for i := range eps.Endpoints {
		ep := &eps.Endpoints[i]
		if zone, ok := ep.DeprecatedTopology[zoneTopologyLabel]; ok {
			if ep.Zone == nil {
				ep.Zone = api.Ptr(zone)
			}
			delete(ep.DeprecatedTopology, zoneTopologyLabel)
			if len(ep.DeprecatedTopology) == 0 {
				ep.DeprecatedTopology = nil
			}
		}
	}
}

func validateEndpointSlice(s *Server, obj api.Object) []FieldError {
	eps := obj.(*api.EndpointSlice)
	var errs []FieldError
	switch {
	case eps.AddressType == "":
		errs = append(errs, Required("addressType", ""))
	case !slices.Contains(sliceAddressTypes, eps.AddressType):
		errs = append(errs, NotSupported("addressType", eps.AddressType, sliceAddressTypes))
	}
	if len(eps.Endpoints) > maxSliceEndpoints {
		errs = append(errs, TooMany("endpoints", len(eps.Endpoints), maxSliceEndpoints))
	} else {
		for i := range eps.Endpoints {
			errs = append(errs, validateSliceEndpoint(&eps.Endpoints[i], eps.AddressType, fmt.Sprintf("endpoints[%d]", i))...)
		}
	}
	if len(eps.Ports) > maxSlicePorts {
		return append(errs, TooMany("ports", len(eps.Ports), maxSlicePorts))
	}
	names := map[string]bool{}
	for i, p := range eps.Ports {
		f := fmt.Sprintf("ports[%d]", i)
		name := api.Deref(p.Name, "")
		if name != "" {
			errs = append(errs, dnsLabel(f+".name", name)...)
		}
		if names[name] {
			errs = append(errs, Duplicate(f+".name", name))
		}
		names[name] = true
		switch {
		case p.Protocol == nil:
			errs = append(errs, Required(f+".protocol", ""))
		case !slices.Contains(supportedProtocols, *p.Protocol):
			errs = append(errs, NotSupported(f+".protocol", *p.Protocol, supportedProtocols))
		}
		if p.AppProtocol != nil {
			errs = append(errs, qualifiedName(f+".appProtocol", *p.AppProtocol)...)
		}
	}
	return errs
}

func validateSliceEndpoint(ep *api.Endpoint, addressType, p string) []FieldError {
	var errs []FieldError
	ap := p + ".addresses"
	switch {
	case len(ep.Addresses) == 0:
		errs = append(errs, Required(ap, "must contain at least 1 address"))
	case len(ep.Addresses) > maxSliceAddresses:
		errs = append(errs, TooMany(ap, len(ep.Addresses), maxSliceAddresses))
	}
	for i, a := range ep.Addresses {
		f := fmt.Sprintf("%s[%d]", ap, i)
		switch addressType {
		case sliceAddressIPv4, sliceAddressIPv6:
			ip, err := netip.ParseAddr(a)
			v4 := err == nil && ip.Unmap().Is4() || sloppyIP(a)
			if err != nil && !sloppyIP(a) || (addressType == sliceAddressIPv4) != v4 {
				errs = append(errs, Invalid(f, a, fmt.Sprintf("must be a valid %s address", addressType)))
			}
			errs = append(errs, nonSpecialIP(f, a)...)
		case sliceAddressFQDN:
			errs = append(errs, fqdnErrors(f, a)...)
		}
	}
	if ep.NodeName != nil {
		errs = append(errs, dnsSubdomain(p+".nodeName", *ep.NodeName)...)
	}
	tp := p + ".deprecatedTopology"
	if len(ep.DeprecatedTopology) > maxTopologyLabels {
		errs = append(errs, TooMany(tp, len(ep.DeprecatedTopology), maxTopologyLabels))
	}
	errs = append(errs, validateLabels(ep.DeprecatedTopology, tp)...)
	if ep.Hostname != nil {
		errs = append(errs, dnsLabel(p+".hostname", *ep.Hostname)...)
	}
	if h := ep.Hints; h != nil {
		zp := p + ".hints.forZones"
		if len(h.ForZones) > maxZoneHints {
			return append(errs, TooMany(zp, len(h.ForZones), maxZoneHints))
		}
		zones := map[string]bool{}
		for i, z := range h.ForZones {
			f := fmt.Sprintf("%s[%d].name", zp, i)
			if zones[z.Name] {
				errs = append(errs, Duplicate(f, z.Name))
			}
			zones[z.Name] = true
			for _, msg := range api.IsValidLabelValue(z.Name) {
				errs = append(errs, Invalid(f, z.Name, msg))
			}
		}
	}
	return errs
}

// fqdnErrors is IsFullyQualifiedDomainName.
func fqdnErrors(field, name string) []FieldError {
	if name == "" {
		return []FieldError{Required(field, "")}
	}
	if len(name) > 0 && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	if errs := api.IsDNS1123Subdomain(name); len(errs) > 0 {
		return []FieldError{Invalid(field, name, strings.Join(errs, ","))}
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return []FieldError{Invalid(field, name, "should be a domain with at least two segments separated by dots")}
	}
	for _, l := range labels {
		if errs := api.IsDNS1123Label(l); len(errs) > 0 {
			return []FieldError{Invalid(field, l, strings.Join(errs, ","))}
		}
	}
	return nil
}
