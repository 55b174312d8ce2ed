package cron

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"", "empty spec string"},
		{"* * * *", "expected exactly 5 fields, found 4: [* * * *]"},
		{"* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"},
		{" @daily", "expected exactly 5 fields, found 1: [@daily]"},
		{"60 * * * *", "end of range (60) above maximum (59): 60"},
		{"* 24 * * *", "end of range (24) above maximum (23): 24"},
		{"* * 0 * *", "beginning of range (0) below minimum (1): 0"},
		{"* * 32 * *", "end of range (32) above maximum (31): 32"},
		{"* * * 13 *", "end of range (13) above maximum (12): 13"},
		{"* * * * 7", "end of range (7) above maximum (6): 7"},
		{"5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"},
		{"1-2-3 * * * *", "too many hyphens: 1-2-3"},
		{"*/2/3 * * * *", "too many slashes: */2/3"},
		{"*/0 * * * *", "step of range should be a positive number: */0"},
		{"*/-1 * * * *", "negative number (-1) not allowed: -1"},
		{"x * * * *", `failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`},
		{"-5 * * * *", `failed to parse int from : strconv.Atoi: parsing "": invalid syntax`},
		{"* * * foo *", `failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax`},
		{"@reboot", "unrecognized descriptor: @reboot"},
		{"@daily ", "unrecognized descriptor: @daily "},
		{"@every 5x", `failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"`},
		{"TZ=Mars/Olympus * * * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestNext(t *testing.T) {
	// Thursday, 1 January 2026, 10:17:30 UTC.
	from := time.Date(2026, 1, 1, 10, 17, 30, 0, time.UTC)
	at := func(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }
	tests := []struct {
		spec string
		want time.Time
	}{
		{"* * * * *", at(1, 1, 10, 18)},
		{"*/5 * * * *", at(1, 1, 10, 20)},
		{"0 * * * *", at(1, 1, 11, 0)},
		{"17 * * * *", at(1, 1, 11, 17)},
		{"5/15 * * * *", at(1, 1, 10, 20)},
		{"0,30 9-17 * * *", at(1, 1, 10, 30)},
		{"0 9 * * 1-5", at(1, 2, 9, 0)},
		{"0 9 * * MON", at(1, 5, 9, 0)},
		{"0 9 * * sat,sun", at(1, 3, 9, 0)},
		{"0 0 1 feb *", at(2, 1, 0, 0)},
		{"0 0 1 FEB-APR *", at(2, 1, 0, 0)},
		{"0 0 13 * 5", at(1, 2, 0, 0)},  // day 13 or a Friday
		{"0 0 */2 * 5", at(1, 2, 0, 0)}, // a stepped day is restricted too
		{"0 0 ? * 5", at(1, 2, 0, 0)},   // ? is *: only Fridays
		{"0 0 29 2 *", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"0 0 30 2 *", time.Time{}},
		{", * * * *", time.Time{}}, // an empty list matches nothing
		{"* , * * *", time.Time{}},
		{"* * , * *", time.Time{}},
		{"* * * , *", time.Time{}},
		{"* * * * ,", time.Time{}},
		{"0 0 , * 5", at(1, 2, 0, 0)}, // no day of the month, but Fridays
		{"@yearly", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"@annually", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"@monthly", at(2, 1, 0, 0)},
		{"@weekly", at(1, 4, 0, 0)},
		{"@daily", at(1, 2, 0, 0)},
		{"@midnight", at(1, 2, 0, 0)},
		{"@hourly", at(1, 1, 11, 0)},
		{"@every 1h30m", from.Add(90 * time.Minute)},
		{"@every 500ms", from.Add(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec)
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.Next(from))
		})
	}
}

func TestNextIsStrictlyAfter(t *testing.T) {
	s, err := Parse("30 10 * * *")
	require.NoError(t, err)
	on := time.Date(2026, 1, 1, 10, 30, 0, 0, time.UTC)
	assert.Equal(t, on.AddDate(0, 0, 1), s.Next(on))
	assert.Equal(t, on, s.Next(on.Add(-time.Nanosecond)))
}

func TestZones(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)

	// A TZ= prefix reads the fields in its zone; the result is in t's zone.
	s, err := Parse("CRON_TZ=America/New_York 0 9 * * *")
	require.NoError(t, err)
	assert.Equal(t, ny, s.Location())
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 1, 1, 14, 0, 0, 0, time.UTC), s.Next(from))

	// Without one, the fields are read in t's zone.
	s, err = Parse("0 9 * * *")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 1, 1, 9, 0, 0, 0, ny), s.Next(from.In(ny)))

	// On the spring-forward day 02:30 does not exist in New York: skipped.
	s, err = Parse("30 2 * * *")
	require.NoError(t, err)
	got := s.Next(time.Date(2026, 3, 8, 0, 0, 0, 0, ny))
	assert.Equal(t, time.Date(2026, 3, 9, 2, 30, 0, 0, ny), got)

	// On the fall-back day 01:30 happens twice, and fires twice, as with
	// robfig/cron; then the next day.
	s, err = Parse("30 1 * * *")
	require.NoError(t, err)
	got = s.Next(time.Date(2026, 11, 1, 0, 0, 0, 0, ny))
	assert.Equal(t, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), got.UTC())
	got = s.Next(got)
	assert.Equal(t, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), got.UTC())
	assert.Equal(t, time.Date(2026, 11, 2, 1, 30, 0, 0, ny), s.Next(got))
}

func TestTimeZoneDatabaseIsEmbedded(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles"} {
		_, err := time.LoadLocation(name)
		assert.NoError(t, err, name)
	}
}
