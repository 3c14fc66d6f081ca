package fakeanthropic

import (
	"crypto/sha256"
	"regexp"
)

// Prompt caching, roughly as the Messages API does it: a request's prefix (tools, system, then
// the messages in order) that an earlier request already sent is read from the cache, the rest
// is new input. Tokens are counted as bytes/4 of the JSON; cache_control markers, which the CLI
// moves to the newest message on every request, do not change what a block is.
type promptCache struct {
	seen map[[32]byte]bool
}

var cacheControl = regexp.MustCompile(`,?"cache_control":\{[^{}]*\}`)

// usage splits the request's input into cache reads and new tokens, and caches its prefixes.
func (c *promptCache) usage(req *MessagesRequest) (uncached, cacheRead int) {
	if c.seen == nil {
		c.seen = map[[32]byte]bool{}
	}
	segments := [][]byte{}
	for _, t := range req.Tools {
		segments = append(segments, t)
	}
	segments = append(segments, req.System)
	for _, m := range req.Messages {
		segments = append(segments, append([]byte(m.Role+":"), m.Content...))
	}
	var h [32]byte
	hit := true
	for _, seg := range segments {
		seg = cacheControl.ReplaceAll(seg, nil)
		h = sha256.Sum256(append(h[:], seg...))
		tokens := max(1, len(seg)/4)
		if hit && c.seen[h] {
			cacheRead += tokens
			continue
		}
		hit = false
		uncached += tokens
		c.seen[h] = true
	}
	return uncached, cacheRead
}
