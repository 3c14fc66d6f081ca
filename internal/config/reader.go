package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
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

// level reads a GitLab access level: only GitLab's own values are accepted.
func (r *reader) level(name string, def int) int {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || !slices.Contains(accessLevels, n) {
		r.fail(name, "%q is not a GitLab access level: 0 (none), 5 (minimal), 10 (Guest), 15 (Planner), 20 (Reporter), 30 (Developer), 40 (Maintainer) or 50 (Owner)", v)
		return def
	}
	return n
}

// accessLevels are GitLab's access levels (Planner, 15, since GitLab 17.7).
var accessLevels = []int{0, 5, 10, 15, 20, 30, 40, 50}

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
	v = strings.TrimSpace(v)
	if _, err := strconv.Atoi(v); err == nil {
		// A bare number: seconds or minutes? Say so rather than guess.
		r.fail(name, "%q has no unit: write it with one, such as %ss or %sm", v, v, v)
		return def
	}
	d, err := time.ParseDuration(v)
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

// secret reads NAME, or the contents of the file named by NAME_FILE. A NAME_FILE that cannot be
// read is an error even when NAME is set too: the operator meant something by it.
func (r *reader) secret(name string) (value, file string) {
	path, hasFile := r.raw(name + "_FILE")
	if v, ok := r.raw(name); ok {
		if hasFile {
			if _, err := os.Stat(path); err != nil {
				r.fail(name+"_FILE", "cannot read %s: %v (%s is set too: remove one of them)", path, errors.Unwrap(err), name)
			}
		}
		return strings.TrimSpace(v), ""
	}
	if !hasFile {
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

// readEnvFile reads a .env file in the common dotenv format (github.com/joho/godotenv): blank
// lines and # comments (also after a value), single or double quotes, a leading "export ", and
// $VAR expanded in unquoted and double-quoted values (single quotes keep a value as written).
// A missing file is fine.
func readEnvFile(path string) (map[string]string, error) {
	if path == "" {
		return map[string]string{}, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	vals, err := godotenv.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid .env file (KEY=VALUE lines): %w", path, err)
	}
	return vals, nil
}
