package apiserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestEventsExpireAfterAnHour(t *testing.T) {
	s := newServer()
	s.StartHousekeeping()
	events := resourceOf("events")
	ev := func(name string) *api.Event {
		return &api.Event{ObjectMeta: api.ObjectMeta{Name: name}, Reason: "Test", LastTimestamp: api.NewTime(s.Now())}
	}
	_, err := s.Create(events, "default", ev("old"))
	require.NoError(t, err)
	s.loop.AdvanceBy(30 * time.Minute)
	_, err = s.Create(events, "default", ev("new"))
	require.NoError(t, err)
	s.loop.AdvanceBy(31 * time.Minute)
	_, err = s.Get(events, "default", "old")
	assert.True(t, IsNotFound(err), "an event an hour old is gone")
	_, err = s.Get(events, "default", "new")
	assert.NoError(t, err)
}

// Each tick compacts to the revision of the tick before, as kube-apiserver
// does: a watch may resume from any revision of the last five minutes.
func TestCompactionEveryFiveMinutes(t *testing.T) {
	s := newServer()
	start := s.store.Revision()
	s.StartHousekeeping()
	_, err := s.Create(pods, "default", busybox("a"))
	require.NoError(t, err)
	rv := s.store.Revision()
	s.loop.AdvanceBy(6 * time.Minute)
	_, err = s.Watch(pods, "", ListOptions{ResourceVersion: itoa(start)}, func(WatchEvent) {})
	assert.NoError(t, err, "the first tick compacts to where the server started")
	_, err = s.Watch(pods, "", ListOptions{ResourceVersion: "1"}, func(WatchEvent) {})
	assert.Equal(t, "Expired", ReasonOf(err))
	s.loop.AdvanceBy(5 * time.Minute)
	_, err = s.Watch(pods, "", ListOptions{ResourceVersion: itoa(start)}, func(WatchEvent) {})
	assert.Equal(t, "Expired", ReasonOf(err), "the second tick compacts to the first tick's revision")
	_, err = s.Watch(pods, "", ListOptions{ResourceVersion: itoa(rv)}, func(WatchEvent) {})
	assert.NoError(t, err)
}

func itoa(v int64) string { return fmt.Sprint(v) }
