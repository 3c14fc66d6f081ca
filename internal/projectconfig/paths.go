package projectconfig

import (
	"errors"
	"regexp"
	"strings"
)

// Forbidden returns the first changed path matching a pattern of forbidden_paths, and the pattern.
// Patterns are as in .gitignore: "secrets/" is a folder and all below it, "*.pem" without a
// slash matches at any depth, "config/*.yml" and "deploy/**" are relative to the repository's
// root, and a plain path also covers everything below it.
func Forbidden(patterns, changed []string) (path, pattern string, found bool) {
	for _, pat := range patterns {
		re, err := compile(pat)
		if err != nil {
			continue // Parse refused it already
		}
		for _, p := range changed {
			if re.MatchString(p) {
				return p, pat, true
			}
		}
	}
	return "", "", false
}

func compile(pat string) (*regexp.Regexp, error) {
	p := strings.TrimSpace(pat)
	if p == "" || p == "/" {
		return nil, errors.New("an empty pattern")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return nil, errors.New("`" + pat + "`: . and .. are not allowed in a pattern")
		}
	}
	anywhere := !strings.Contains(strings.TrimSuffix(p, "/"), "/")
	p = strings.Trim(p, "/")
	var b strings.Builder
	b.WriteString("^")
	if anywhere {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("(?:/.*)?$")
	return regexp.Compile(b.String())
}
