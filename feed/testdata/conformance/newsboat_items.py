"""Print the items of a newsboat cache (sqlite) as JSON, for conformance_test.go.

Usage: python3 newsboat_items.py cache.db
"""

import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
rows = db.execute(
    "SELECT feedurl, guid, title, url, author, pubDate, content, deleted"
    " FROM rss_item ORDER BY feedurl, guid")
keys = ["feedurl", "guid", "title", "url", "author", "pubdate", "content", "deleted"]
json.dump([dict(zip(keys, r)) for r in rows], sys.stdout, ensure_ascii=False, indent=1)
