package config

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// reader collects settings and keeps the first error, so Load can say exactly which setting is wrong.
type reader struct {
	lookup Lookup
	file   map[string]string
	err    error
}

func (r *reader) raw(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := r.lookup(n); ok && v != "" {
			return v, true
		}
	}
	for _, n := range names {
		if v, ok := r.file[n]; ok && v != "" {
			return v, true
		}
	}
	return "", false
}

func (r *reader) fail(name, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
}

func (r *reader) str(def string, names ...string) string {
	if v, ok := r.raw(names...); ok {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) integer(name string, def, min, max int) int {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < min || n > max {
		r.fail(name, "%q is not a whole number from %d to %d", v, min, max)
		return def
	}
	return n
}

func (r *reader) number(name string, def, min float64) float64 {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < min {
		r.fail(name, "%q is not a number of at least %g", v, min)
		return def
	}
	return f
}

func (r *reader) boolean(name string, def bool) bool {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.fail(name, "%q is not true or false", v)
		return def
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		// A bare number is seconds, as people write it in .env files.
		if n, nerr := strconv.Atoi(strings.TrimSpace(v)); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil || d <= 0 {
		r.fail(name, "%q is not a duration such as 30m or 90s", v)
		return def
	}
	return d
}

// durations reads a comma-separated list of durations.
func (r *reader) durations(name string) []time.Duration {
	var out []time.Duration
	for _, f := range r.list(name) {
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			r.fail(name, "%q is not a list of durations such as 5s,20s,1m", f)
			return nil
		}
		out = append(out, d)
	}
	return out
}

func (r *reader) list(name string) []string {
	v, ok := r.raw(name)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// secret reads NAME, or the contents of the file named by NAME_FILE.
func (r *reader) secret(name string) (value, file string) {
	if v, ok := r.raw(name); ok {
		return strings.TrimSpace(v), ""
	}
	path, ok := r.raw(name + "_FILE")
	if !ok {
		return "", ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.fail(name+"_FILE", "cannot read %s: %v", path, errors.Unwrap(err))
		return "", ""
	}
	return strings.TrimSpace(string(b)), path
}

func (r *reader) url(def string, names ...string) string {
	v := r.str(def, names...)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(names[0], "%q is not an http(s) URL such as https://gitlab.example.com", v)
		return def
	}
	return strings.TrimRight(v, "/")
}

// readEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped, quotes are removed,
// a leading "export " is allowed.
func readEnvFile(path string) (map[string]string, error) {
	out := map[string]string{}
	if path == "" {
		return out, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("%s line %d: expected KEY=VALUE", path, n)
		}
		out[strings.TrimSpace(key)] = unquote(strings.TrimSpace(val))
	}
	return out, sc.Err()
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}
