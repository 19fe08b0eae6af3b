package feed

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Layouts with an explicit zone, tried as they are (RFC 822 and 1123 dates
// are read by parseRFC822).
var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
}

// Layouts without a zone: the time is read in the configured zone.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2/1/2006",
	"2.1.2006",
	"2/1/2006 15:04",
	"2.1.2006 15:04",
	"2 January 2006",
	"2 Jan 2006",
	"January 2, 2006",
	"Jan 2, 2006",
	"January 2 2006",
	"Jan 2 2006",
	"Monday, 2 January 2006",
	"Monday, January 2, 2006",
	"Mon, 2 Jan 2006",
}

var errNotDate = errors.New("not a date in any known form")

// parseDate reads the date forms an article may use. Slashed and dotted
// dates are always day first (11/05/2017 is 11 May 2017). A date without a
// zone is taken in loc; one without a time is midnight there.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, errNotDate
	}
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, ok := parseRFC822(s, loc); ok {
		return t, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errNotDate
}

// rfc822Zones are the zone names of RFC 822 (section 5.1), and "UTC" as
// Go's time.RFC1123 writes it, with their offsets in hours. time.Parse
// takes a name it does not know for a zone of offset zero: 09:30 EST would
// be read as 09:30 UTC.
var rfc822Zones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
	"MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}

// parseRFC822 reads a date of RFC 822 as RFC 1123 and 2822 extend it: an
// optional day of the week, the day, the month's short name, a year of two
// or four digits (two: 00-49 are 2000-2049, 50-99 are 1950-1999, as RFC
// 2822 says), hours and minutes with optional seconds, and a zone: a
// +hhmm or -hhmm offset, a name of rfc822Zones, or one of the military
// letters, which RFC 2822 says to take as UTC (their signs were printed
// backwards). Any other zone name counts only if loc has it (CEST where
// loc is Europe/Berlin), at its offset there; else the date is refused.
func parseRFC822(s string, loc *time.Location) (time.Time, bool) {
	f := strings.Fields(s)
	if len(f) == 6 || len(f) == 5 && strings.Contains(f[0], ",") {
		day, rest, _ := strings.Cut(f[0], ",")
		if _, err := time.Parse("Mon", day); err != nil {
			if _, err := time.Parse("Monday", day); err != nil {
				return time.Time{}, false
			}
		}
		if rest != "" { // "Thu,11 May ...": the day is joined to the comma
			f[0] = rest
		} else {
			f = f[1:]
		}
	}
	if len(f) != 5 {
		return time.Time{}, false
	}
	clock := "15:04"
	if strings.Count(f[3], ":") == 2 {
		clock = "15:04:05"
	}
	year := "2006"
	if len(f[2]) == 2 {
		year = "06"
	}
	layout := "2 Jan " + year + " " + clock
	offset, ok := rfc822Offset(f[4])
	if !ok {
		// A name loc has: time.ParseInLocation then gives a time in loc;
		// for a name it does not know, one in a zone it makes up.
		t, err := time.ParseInLocation(layout+" MST", strings.Join(f, " "), loc)
		if err != nil || t.Location() != loc {
			return time.Time{}, false
		}
		_, offset = t.Zone()
	}
	t, err := time.Parse(layout, strings.Join(f[:4], " "))
	if err != nil {
		return time.Time{}, false
	}
	if year == "06" { // Go reads 69-99 as 19xx; RFC 2822 says 50-99
		if y := t.Year(); y >= 2050 {
			t = t.AddDate(-100, 0, 0)
		}
	}
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, 0, time.FixedZone("", offset)), true
}

// rfc822Offset is the offset in seconds of an RFC 822 zone.
func rfc822Offset(zone string) (int, bool) {
	if len(zone) == 5 && (zone[0] == '+' || zone[0] == '-') {
		hhmm, err := strconv.Atoi(zone[1:])
		if err != nil || hhmm/100 > 23 || hhmm%100 > 59 || strings.ContainsAny(zone[1:], "+-") {
			return 0, false
		}
		offset := (hhmm/100*60 + hhmm%100) * 60
		if zone[0] == '-' {
			offset = -offset
		}
		return offset, true
	}
	zone = strings.ToUpper(zone)
	if h, ok := rfc822Zones[zone]; ok {
		return h * 3600, true
	}
	if len(zone) == 1 && zone[0] >= 'A' && zone[0] <= 'Z' && zone[0] != 'J' {
		return 0, true
	}
	return 0, false
}
