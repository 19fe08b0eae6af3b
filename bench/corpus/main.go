// Command corpus writes a folder of generated articles for the benchmarks:
// N Markdown files of about 3 KB each, with YAML front matter (title, date)
// that dropfeed and Hugo both read, or with -style plain in dropfeed's plain
// style (a title line, "---", a date line), the body made from the seed
// article.
//
//	go run ./bench/corpus -n 10000 -dir /tmp/dropfeed-bench/articles
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// seed is the body of the seed article (shared/seeds/000_...), shortened.
const seed = `US President Donald Trump and Russian President Vladimir Putin did not exchange any messages through Russian Foreign Minister Lavrov when he met Trump in Washington DC, the Russian presidential aide Ushakov confirmed.

Yury Ushakov on Thursday addressed journalists, rejecting earlier reports about Lavrov passing on a message.

Read more [Trump: Meeting with Russian FM Lavrov was 'very good'](#)

During his three-day visit to Washington Lavrov held talks with US Secretary of State Rex Tillerson and President Donald Trump. Moscow has welcomed the results of the talks, but noted that it is “too early to draw any conclusions” as huge work is still ahead, Kremlin spokesperson Dmitry Peskov said on Thursday.

*“Of course, the fact that the conversation is being held is rather positive. The presidents have already talked three times by phone,”* Peskov said. He added that there should be “cautious optimism” speaking about any thaw in the relations between the two countries.

Speaking about the possibility of Putin and Trump meeting face to face, the Kremlin spokesperson noted that this may happen during the **G20 summit**, which will take place in Hamburg in July.

Lavrov's visit is one of the highest-level contacts between the Russian and the US governments since Trump took office in January. The sides agreed to continue cooperation to solve international problems, including the conflicts in Syria and Ukraine, despite any difficulties in bilateral relations.

[READ MORE: Lavrov trolls NBC before Trump meeting as US media, Democrats lose it over Russia](https://example.com/news/lavrov-nbc)

Prior to the meeting with Trump, Lavrov held [talks](#) with Tillerson, in which the two diplomats discussed progress in the fulfillment of the Minsk peace agreements and touched upon crisis in Syria.
`

func main() {
	n := flag.Int("n", 10000, "number of `articles`")
	size := flag.Int("size", 3000, "approximate `bytes` per article")
	dir := flag.String("dir", "/tmp/dropfeed-bench/articles", "`folder` to write them to (created)")
	style := flag.String("style", "front", "header `style`: front (YAML front matter) or plain")
	flag.Parse()
	if *style != "front" && *style != "plain" {
		log.Fatalf("-style %q: want front or plain", *style)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	paras := strings.Split(strings.TrimSpace(seed), "\n\n")
	start := time.Date(2017, 5, 11, 9, 30, 0, 0, time.UTC)
	for i := range *n {
		date := start.Add(-time.Duration(i) * 37 * time.Minute)
		var b strings.Builder
		title := fmt.Sprintf("Article %d: no secret message from Lavrov", i)
		if *style == "plain" {
			fmt.Fprintf(&b, "%s\n---\n%s\n\n", title, date.Format(time.RFC3339))
		} else {
			fmt.Fprintf(&b, "---\ntitle: %q\ndate: %s\n---\n\n", title, date.Format(time.RFC3339))
		}
		for j := i; b.Len() < *size-100; j++ {
			b.WriteString(paras[j%len(paras)])
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "See also [article %d](article-%06d.html) and the [archive](/).\n", (i+1)%*n, (i+1)%*n)
		body := b.String()
		name := filepath.Join(*dir, fmt.Sprintf("article-%06d.md", i))
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "corpus: %d articles of about %d bytes in %s\n", *n, *size, *dir)
}
