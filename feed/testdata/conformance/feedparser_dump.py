"""Print what feedparser reads from a feed URL as JSON, for conformance_test.go.

Usage: python3 feedparser_dump.py URL

Dates are Unix seconds (feedparser normalises them to UTC); text fields are
given as feedparser returns them, with the type it detected, so the test can
tell plain text from HTML.
"""

import calendar
import json
import sys

import feedparser


def seconds(t):
    return calendar.timegm(t) if t else None


def main(url):
    d = feedparser.parse(url)
    out = {
        "version": d.get("version", ""),
        "bozo": int(d.get("bozo", 0)),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "status": d.get("status", 0),
        "feed": {
            "title": d.feed.get("title", ""),
            "link": d.feed.get("link", ""),
            "language": d.feed.get("language", ""),
            "author": d.feed.get("author", ""),
            "updated": seconds(d.feed.get("updated_parsed")),
            "self": [l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"],
        },
        "entries": [],
    }
    for e in d.entries:
        out["entries"].append({
            "title": e.get("title", ""),
            "title_type": e.get("title_detail", {}).get("type", ""),
            "link": e.get("link", ""),
            "id": e.get("id", ""),
            "published": seconds(e.get("published_parsed")),
            "updated": seconds(e.get("updated_parsed")),
            "author": e.get("author", ""),
            "tags": [t.get("term", "") for t in e.get("tags", [])],
            "summary": e.get("summary", ""),
            "summary_type": e.get("summary_detail", {}).get("type", ""),
            "content": [c.get("value", "") for c in e.get("content", [])],
        })
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
