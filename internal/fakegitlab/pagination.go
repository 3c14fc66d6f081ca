package fakegitlab

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// paginate cuts one page out of items and sets GitLab's offset-pagination headers
// (X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page, Link).
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	page, perPage := pageParams(r)
	total := len(items)
	pages := max(1, (total+perPage-1)/perPage)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	links := []string{}
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, pageLink(r, page+1, perPage, "next"))
	}
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, pageLink(r, page-1, perPage, "prev"))
	}
	links = append(links, pageLink(r, 1, perPage, "first"), pageLink(r, pages, perPage, "last"))
	h.Set("Link", strings.Join(links, ", "))
	start := min((page-1)*perPage, total)
	return items[start:min(start+perPage, total)]
}

// pageParams reads page and per_page with GitLab's defaults: 1 and 20, per_page at most 100.
func pageParams(r *http.Request) (page, perPage int) {
	q := r.URL.Query()
	page, _ = strconv.Atoi(q.Get("page"))
	perPage, _ = strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 20
	}
	return page, min(perPage, 100)
}

func pageLink(r *http.Request, page, perPage int, rel string) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(perPage))
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
}
