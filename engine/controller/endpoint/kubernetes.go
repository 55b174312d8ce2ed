package endpoint

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslice"
)

// KubernetesService keeps the endpoints of the default/kubernetes Service,
// as kube-apiserver's lease endpoint reconciler does: an Endpoints object
// with the API server's address on port 6443 (https), labelled so that
// the mirroring controller leaves it alone, and the EndpointSlice
// "kubernetes" the API server writes beside it. It runs at once and every
// ten seconds, as the API server's reconciler does.
type KubernetesService struct {
	c    *client.Client
	ip   string
	stop func()
}

// reconcileInterval is how often kube-apiserver reconciles the endpoints.
const reconcileInterval = 10 * time.Second

// kubernetesPorts are the API server's endpoint ports.
var kubernetesPorts = []api.EndpointPort{{Name: "https", Port: 6443, Protocol: "TCP"}}

// NewKubernetesService returns the reconciler for an API server at ip; c
// acts as the API server.
func NewKubernetesService(c *client.Client, ip string) *KubernetesService {
	return &KubernetesService{c: c, ip: ip}
}

// Start reconciles now and then every ten seconds.
func (k *KubernetesService) Start() error {
	err := k.Reconcile()
	k.stop = k.c.Loop().Every(reconcileInterval, func() { _ = k.Reconcile() })
	return err
}

// Stop ends the reconciling.
func (k *KubernetesService) Stop() {
	if k.stop != nil {
		k.stop()
	}
}

// Reconcile writes the endpoints if they are missing or wrong.
func (k *KubernetesService) Reconcile() error {
	cur, err := client.Get[*api.Endpoints](k.c, "default", "kubernetes")
	exists := err == nil
	if err != nil && !apiserver.IsNotFound(err) {
		return err
	}
	want := []api.EndpointSubset{{Addresses: []api.EndpointAddress{{IP: k.ip}}, Ports: kubernetesPorts}}
	if !exists {
		cur = &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: "kubernetes", Namespace: "default"}}
	}
	if !exists || cur.Labels[endpointslice.LabelSkipMirror] != "true" || !reflect.DeepEqual(cur.Subsets, want) {
		upd := api.Clone(cur)
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		upd.Labels[endpointslice.LabelSkipMirror] = "true"
		upd.Subsets = want
		if exists {
			_, err = client.Update(k.c, upd)
		} else {
			_, err = client.Create(k.c, upd)
		}
		if err != nil && !apiserver.IsAlreadyExists(err) {
			return err
		}
	}
	return k.ensureSlice()
}

// ensureSlice is EnsureEndpointSliceFromEndpoints for the API server's
// one address.
func (k *KubernetesService) ensureSlice() error {
	want := &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{endpointslice.LabelServiceName: "kubernetes"}},
		AddressType: "IPv4",
		Endpoints:   []api.Endpoint{{Addresses: []string{k.ip}, Conditions: api.EndpointConditions{Ready: api.Ptr(true)}}},
		Ports:       []api.DiscoveryV1EndpointPort{{Name: api.Ptr("https"), Port: api.Ptr(int32(6443)), Protocol: api.Ptr("TCP")}},
	}
	cur, err := client.Get[*api.EndpointSlice](k.c, "default", "kubernetes")
	if apiserver.IsNotFound(err) {
		if _, err = client.Create(k.c, want); apiserver.IsAlreadyExists(err) {
			err = nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if reflect.DeepEqual(cur.Endpoints, want.Endpoints) && reflect.DeepEqual(cur.Ports, want.Ports) && reflect.DeepEqual(cur.Labels, want.Labels) {
		return nil
	}
	upd := api.Clone(cur)
	upd.Endpoints, upd.Ports, upd.Labels = want.Endpoints, want.Ports, want.Labels
	_, err = client.Update(k.c, upd)
	return err
}
