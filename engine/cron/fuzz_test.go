package cron

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParse: any schedule parses or gives an error; a parsed schedule's
// next time is strictly later than the time asked about, or zero when it
// never fires, and (for a schedule of fields, not @every) asking again
// from less than a minute before it gives it again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"* * * * *", "*/5 * * * *", "0 0 * * 0", "0 0 1 1 *", "30 4 1,15 * 5", "0 0 30 2 *", "0 0 31 4,6,9,11 *",
		"0-59/7 8-18 * jan-mar mon-fri", "0 12 * * SUN", "5/15 * * * *", "? ? ? ? ?", "@hourly", "@daily", "@midnight",
		"@weekly", "@monthly", "@yearly", "@annually", "@every 1h30m", "@every 0s", "@every -1s", "@every 1ns", "@reboot",
		"TZ=UTC 0 3 * * *", "CRON_TZ=Europe/Paris 30 2 * * *", "TZ=Nowhere/Else * * * * *", "TZ=", "", " ",
		"* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 7", "5-1 * * * *",
		"1-2-3 * * * *", "*/0 * * * *", "1/2/3 * * * *", "-1 * * * *", "9223372036854775807 * * * *",
		"*/9223372036854775807 * * * *", ", * * * *", "* * , * *", "0 0 31 2 1", "mon * * * *", "* * * feb-jan *",
	} {
		f.Add(s)
	}
	start := time.Date(2026, 3, 29, 0, 30, 15, 5, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec)
		if err != nil {
			return
		}
		next := s.Next(start)
		if next.IsZero() {
			return
		}
		require.True(t, next.After(start), "%q: %v is not after %v", spec, next, start)
		if s.Every() > 0 {
			return
		}
		require.Equal(t, next, s.Next(next.Add(-time.Minute+time.Nanosecond)).In(time.UTC), spec)
	})
}
