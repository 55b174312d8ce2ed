// Package controllertest helps test a controller against a real API server
// on a virtual clock, without scheduler or kubelets: the test plays them.
package controllertest

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Epoch is the instant the tests' clusters start at.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Fixture is a test's cluster: its loop, its API server, and a client
// acting as the test.
type Fixture struct {
	T testing.TB
	L *loop.Loop
	S *apiserver.Server
	C *client.Client
}

// Starter is an informer, or anything else to start once the controllers'
// handlers are in place.
type Starter interface{ Start() error }

// New returns a fixture whose API server draws from seed, running the
// controllers that start makes with the controller manager's client, and
// then starting the informers start returns.
func New(t testing.TB, seed uint64, start func(*client.Client) ([]controller.Controller, []Starter)) *Fixture {
	t.Helper()
	l, s := NewServer(t, seed)
	controllers, informers := start(client.New(s, "kube-controller-manager"))
	for _, c := range controllers {
		require.NoError(t, c.Start())
	}
	for _, i := range informers {
		require.NoError(t, i.Start())
	}
	return &Fixture{T: t, L: l, S: s, C: client.New(s, "test")}
}

// NewServer returns a loop at Epoch and an API server drawing from seed,
// with the default namespace's service account, which pods need.
func NewServer(t testing.TB, seed uint64) (*loop.Loop, *apiserver.Server) {
	t.Helper()
	l := loop.New(Epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(seed, 1)))
	sa := &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}}
	_, err := client.Create(client.New(s, "test"), sa)
	require.NoError(t, err)
	return l, s
}

// WithJobs returns a fixture running one controller of Jobs, made from the
// controller manager's client and a Job informer.
func WithJobs[C controller.Controller](t testing.TB, newController func(*client.Client, *client.Informer[*api.Job]) C) *Fixture {
	t.Helper()
	return New(t, 1, func(cl *client.Client) ([]controller.Controller, []Starter) {
		jobs := client.NewInformer[*api.Job](cl, "", apiserver.ListOptions{})
		return []controller.Controller{newController(cl, jobs)}, []Starter{jobs}
	})
}

// Events returns "Reason: message" of the events in the default namespace
// about objects of the given kind and name ("" for any), oldest first.
func Events(t testing.TB, c *client.Client, kind, name string) []string {
	t.Helper()
	evs, err := client.List[*api.Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].FirstTimestamp.Before(evs[j].FirstTimestamp.Time) })
	var out []string
	for _, e := range evs {
		o := e.InvolvedObject
		if (kind == "" || o.Kind == kind) && (name == "" || o.Name == name) {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

// Get returns an object, failing the test when it cannot.
func Get[T api.Object](f *Fixture, ns, name string) T {
	f.T.Helper()
	obj, err := client.Get[T](f.C, ns, name)
	require.NoError(f.T, err)
	return obj
}

// Edit reads an object, lets edit change it and writes it back.
func Edit[T api.Object](f *Fixture, ns, name string, edit func(T)) {
	f.T.Helper()
	obj := api.Clone(Get[T](f, ns, name))
	edit(obj)
	_, err := client.Update(f.C, obj)
	require.NoError(f.T, err)
}

// EditStatus reads an object, lets edit change it and writes its status.
func EditStatus[T api.Object](f *Fixture, ns, name string, edit func(T)) {
	f.T.Helper()
	obj := api.Clone(Get[T](f, ns, name))
	edit(obj)
	_, err := client.UpdateStatus(f.C, obj)
	require.NoError(f.T, err)
}
