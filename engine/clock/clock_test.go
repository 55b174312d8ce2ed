package clock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fireAll(c *Clock) {
	for f := c.PopDue(); f != nil; f = c.PopDue() {
		f()
	}
}

func TestTimersFireInOrder(t *testing.T) {
	c := New(epoch)
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	c.AfterFunc(time.Second, func() { got = append(got, "a") })
	c.AfterFunc(2*time.Second, func() { got = append(got, "c") })
	fireAll(c)
	assert.Empty(t, got, "nothing is due before the clock moves")

	next, ok := c.Next()
	require.True(t, ok)
	assert.Equal(t, epoch.Add(time.Second), next)
	c.Set(epoch.Add(5 * time.Second))
	fireAll(c)
	assert.Equal(t, []string{"a", "b", "c"}, got, "by instant, then by the order they were set")
	assert.Zero(t, c.Pending())
}

func TestStop(t *testing.T) {
	c := New(epoch)
	fired := false
	tm := c.AfterFunc(time.Second, func() { fired = true })
	assert.True(t, tm.Stop())
	assert.False(t, tm.Stop(), "a stopped timer stays stopped")
	c.Set(epoch.Add(time.Minute))
	fireAll(c)
	assert.False(t, fired)
}

func TestTimeNeverGoesBack(t *testing.T) {
	c := New(epoch)
	c.Set(epoch.Add(time.Hour))
	c.Set(epoch)
	assert.Equal(t, epoch.Add(time.Hour), c.Now())
	assert.Equal(t, time.Hour, c.Since(epoch))
	tm := c.At(epoch, func() {})
	assert.Equal(t, c.Now(), tm.When(), "a past instant is due now")
}
