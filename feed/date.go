package feed

import (
	"errors"
	"strings"
	"time"
)

// Layouts with an explicit zone, tried as they are.
var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	time.RFC822Z,
	time.RFC822,
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 MST",
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
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errNotDate
}
