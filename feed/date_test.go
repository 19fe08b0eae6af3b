package feed

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	plus3 := time.FixedZone("", 3*3600)
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		// ISO 8601
		{"2017-05-11", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
		{"2017-05-11T09:30", time.UTC, utc(2017, 5, 11, 9, 30, 0)},
		{"2017-05-11T09:30:15", time.UTC, utc(2017, 5, 11, 9, 30, 15)},
		{"2017-05-11 09:30", time.UTC, utc(2017, 5, 11, 9, 30, 0)},
		{"2017-05-11T09:30:00+03:00", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"2017-05-11T09:30:00Z", berlin, utc(2017, 5, 11, 9, 30, 0)},
		// Day first, always: the seed's 11/05/2017 is Thursday 11 May 2017.
		{"11/05/2017", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
		{"11.05.2017", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
		{"1/2/2017", time.UTC, utc(2017, 2, 1, 0, 0, 0)},
		{"31/12/1999", time.UTC, utc(1999, 12, 31, 0, 0, 0)},
		// Written out
		{"11 May 2017", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
		{"11 September 2017", time.UTC, utc(2017, 9, 11, 0, 0, 0)},
		{"May 11, 2017", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
		{"September 1, 2017", time.UTC, utc(2017, 9, 1, 0, 0, 0)},
		// RFC 1123 / RFC 822
		{"Thu, 11 May 2017 09:30:00 GMT", time.UTC, utc(2017, 5, 11, 9, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 +0300", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"11 May 17 09:30 +0300", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"11 May 2017 09:30 +0300", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"Thu, 11 May 17 09:30:00 +0300", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"Thu, 11 May 17 09:30 +0300", time.UTC, time.Date(2017, 5, 11, 9, 30, 0, 0, plus3)},
		{"Thursday, 11 May 2017 09:30 -0000", berlin, utc(2017, 5, 11, 9, 30, 0)},
		{"Thu,11 May 2017 09:30 -0130", time.UTC, utc(2017, 5, 11, 11, 0, 0)},
		// RFC 822's zone names, which time.Parse would take as UTC.
		{"Thu, 11 May 2017 09:30:00 EST", time.UTC, utc(2017, 5, 11, 14, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 EDT", time.UTC, utc(2017, 5, 11, 13, 30, 0)},
		{"11 May 17 09:30 EST", berlin, utc(2017, 5, 11, 14, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 PST", time.UTC, utc(2017, 5, 11, 17, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 pdt", time.UTC, utc(2017, 5, 11, 16, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 CST", time.UTC, utc(2017, 5, 11, 15, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 MDT", time.UTC, utc(2017, 5, 11, 15, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 UT", berlin, utc(2017, 5, 11, 9, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 Z", berlin, utc(2017, 5, 11, 9, 30, 0)},
		{"Thu, 11 May 2017 09:30:00 A", berlin, utc(2017, 5, 11, 9, 30, 0)},   // military: UTC, as RFC 2822 says
		{"Thu, 11 May 2017 09:30:00 UTC", berlin, utc(2017, 5, 11, 9, 30, 0)}, // Go's time.RFC1123 of a UTC time
		// A zone name of the configured zone: its offset then.
		{"Thu, 11 May 2017 09:30:00 CEST", berlin, utc(2017, 5, 11, 7, 30, 0)},
		{"Thu, 11 Jan 2017 09:30:00 CET", berlin, utc(2017, 1, 11, 8, 30, 0)},
		// Two-digit years as RFC 2822 reads them.
		{"1 Jan 49 00:00 GMT", time.UTC, utc(2049, 1, 1, 0, 0, 0)},
		{"1 Jan 50 00:00 GMT", time.UTC, utc(1950, 1, 1, 0, 0, 0)},
		{"1 Jan 99 00:00 GMT", time.UTC, utc(1999, 1, 1, 0, 0, 0)},
		// No zone: the configured one; no time: midnight there.
		{"2017-05-11", berlin, time.Date(2017, 5, 10, 22, 0, 0, 0, time.UTC)},
		{"11/05/2017", berlin, time.Date(2017, 5, 10, 22, 0, 0, 0, time.UTC)},
		{"  2017-05-11  ", time.UTC, utc(2017, 5, 11, 0, 0, 0)},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in, tt.loc)
		if err != nil {
			t.Errorf("parseDate(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if _, off := got.Zone(); tt.want.Location() == plus3 && off != 3*3600 {
			t.Errorf("parseDate(%q) lost its offset: %v", tt.in, got)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{"", "yesterday", "US President Donald Trump said", "32/01/2017", "11/13/2017", "2017-13-01", "05/11", "Read more [link](#)",
		// A zone name RFC 822 does not define, or an offset that is none.
		"Thu, 11 May 2017 09:30:00 CEST", "11 May 2017 09:30 IST", "Thu, 11 May 2017 09:30 J",
		"Thu, 11 May 2017 09:30 +2400", "Thu, 11 May 2017 09:30 +0360", "Thu, 11 May 2017 09:30 +-100", "Thu, 11 May 2017 09:30 0300",
		"Someday, 11 May 2017 09:30 GMT", "Thu, 11 May 2017 09:30:00:00 GMT", "Thu, 11 Mai 2017 09:30 GMT"} {
		if got, err := parseDate(in, time.UTC); err == nil {
			t.Errorf("parseDate(%q) = %v, want an error", in, got)
		}
	}
}
