package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// load is one wrk run's settings.
type load struct {
	threads, conns int
	duration       time.Duration
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	reqPerSec float64
	p50, p99  time.Duration
	requests  int
	non2xx    int
	errors    string // socket errors line, if any
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reqLine    = regexp.MustCompile(`(\d+) requests in`)
	non2xxLine = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	pctLine    = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)\s*$`)
	errLine    = regexp.MustCompile(`Socket errors:.*`)
)

// runWrk loads url with the Lua script for l.duration and parses wrk's report.
func runWrk(url, script string, l load) (wrkResult, error) {
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(l.threads), "-c"+strconv.Itoa(l.conns),
		"-d"+l.duration.String(), "--latency", "-s", script, url).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := rpsLine.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	r.reqPerSec, _ = strconv.ParseFloat(m[1], 64)
	if m := reqLine.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := non2xxLine.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	r.errors = errLine.FindString(out)
	for _, m := range pctLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p99 == 0 {
		return r, fmt.Errorf("wrk printed no 99%% latency:\n%s", out)
	}
	return r, nil
}

// fixedScript is a wrk script that sends the same delivery every time.
func fixedScript(dir, name, event, token string, body []byte) (string, error) {
	bodyPath := filepath.Join(dir, name+".json")
	if err := os.WriteFile(bodyPath, body, 0o600); err != nil {
		return "", err
	}
	lua := fmt.Sprintf(`wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Gitlab-Event"] = %q
wrk.headers["X-Gitlab-Token"] = %q
local f = assert(io.open(%q, "rb"))
wrk.body = f:read("*a")
f:close()
`, event, token, bodyPath)
	return writeScript(dir, name, lua)
}

// noteIDPlaceholder and textPlaceholder are replaced in each request of the mentions script.
const (
	noteIDPlaceholder = "4242424242"
	textPlaceholder   = "REQUEST_NUMBER"
)

// mentionsScript is a wrk script that sends a distinct note each time: the templates (real
// note payloads of several threads) get a note id and text unique across wrk's threads.
func mentionsScript(dir, token string, templates [][]byte) (string, error) {
	var b strings.Builder
	b.WriteString("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n")
	fmt.Fprintf(&b, "wrk.headers[\"X-Gitlab-Event\"] = \"Note Hook\"\nwrk.headers[\"X-Gitlab-Token\"] = %q\n", token)
	b.WriteString("local templates = {\n")
	for _, t := range templates {
		fmt.Fprintf(&b, "[==[%s]==],\n", t)
	}
	b.WriteString(`}
local n = 0
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end
function request()
  n = n + 1
  local id = tostring((thread_no or 0) * 100000000 + n)
  local body = templates[(n % #templates) + 1]
  body = body:gsub("` + noteIDPlaceholder + `", id, 1)
  body = body:gsub("` + textPlaceholder + `", id, 1)
  return wrk.format(nil, nil, nil, body)
end
`)
	return writeScript(dir, "mentions", b.String())
}

func writeScript(dir, name, lua string) (string, error) {
	path := filepath.Join(dir, name+".lua")
	return path, os.WriteFile(path, []byte(lua), 0o600)
}
