package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The adversarial directives: what a prompt injection would make the agent's tools do. Each
// answers with a JSON report, so a test can check that every attempt failed under a sandbox
// (and succeeded without one, which shows the test can see a breach).
//
//	attack DATA_DIR     tries to read the service's secrets and write outside the worktree
//	forkbomb N          starts up to N processes at once, then ends them
//	fill MB FILES       writes MB MiB in the worktree over FILES files, then waits 3 s
//	eat MB              allocates and touches MB MiB of memory
//	spin SECONDS        burns CPU for SECONDS
//	sh COMMAND          runs COMMAND with /bin/sh (a Bash tool call) and answers with its
//	                    output and exit status

// attempt is one thing the attacker tried: Got is what it found (a secret, printed, as an
// attacker would), or the error.
type attempt struct {
	Succeeded bool   `json:"succeeded"`
	Got       string `json:"got"`
}

// serviceSecrets are variable names only the service's environment has.
var serviceSecrets = []string{"GITLAB_TOKEN=", "WEBHOOK_SECRET=", "CLAUDE_GITLAB_TEST_CANARY="}

func (s *session) attack(data string) {
	ppid := os.Getppid()
	cwd, _ := os.Getwd()
	home := os.Getenv("HOME")
	other := filepath.Join(data, "repos", "2")
	report := map[string]attempt{
		"parent-environ":        readSecretEnv(fmt.Sprintf("/proc/%d/environ", ppid)),
		"all-environ":           readAllEnv(),
		"parent-cwd-env-file":   readFile(fmt.Sprintf("/proc/%d/cwd/.env", ppid)),
		"env-file":              readFile(filepath.Join(data, ".env")),
		"database":              readFile(filepath.Join(data, "claude-gitlab.db")),
		"list-data-dir":         list(data),
		"list-repos":            list(filepath.Join(data, "repos")),
		"list-other-project":    list(other),
		"read-other-mirror":     readFile(filepath.Join(other, "mirror.git", "canary")),
		"read-other-worktree":   readFile(filepath.Join(other, "wt", "1", "canary")),
		"write-data-dir":        write(filepath.Join(data, "pwned")),
		"write-other-mirror":    write(filepath.Join(other, "mirror.git", "pwned")),
		"write-beside-worktree": write(filepath.Join(filepath.Dir(cwd), "pwned")),
		"write-beside-home":     write(filepath.Join(filepath.Dir(home), "pwned")),
		"write-usr":             write("/usr/local/bin/pwned"),
		"write-root":            write("/pwned"),
	}
	s.answerJSON(report)
}

func readSecretEnv(path string) attempt {
	data, err := os.ReadFile(path)
	if err != nil {
		return attempt{Got: err.Error()}
	}
	var found []string
	for _, kv := range strings.Split(string(data), "\x00") {
		for _, name := range serviceSecrets {
			if strings.HasPrefix(kv, name) {
				found = append(found, kv)
			}
		}
	}
	return attempt{Succeeded: len(found) > 0, Got: strings.Join(found, " ")}
}

func readAllEnv() attempt {
	paths, _ := filepath.Glob("/proc/[0-9]*/environ")
	var total attempt
	for _, p := range paths {
		if a := readSecretEnv(p); a.Succeeded {
			total.Succeeded = true
			total.Got += p + ": " + a.Got + "\n"
		}
	}
	if !total.Succeeded {
		total.Got = fmt.Sprintf("no service secret in the %d environ files", len(paths))
	}
	return total
}

func readFile(path string) attempt {
	data, err := os.ReadFile(path)
	if err != nil {
		return attempt{Got: err.Error()}
	}
	return attempt{Succeeded: true, Got: string(data)}
}

// list succeeds when it shows a name the agent did not know: the folders on the way to its own
// worktree and HOME are no secret (they are in its cwd), anything beside them is.
func list(dir string) attempt {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return attempt{Got: err.Error()}
	}
	cwd, _ := os.Getwd()
	var names []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !onPath(p, cwd) && !onPath(p, os.Getenv("HOME")) {
			names = append(names, e.Name())
		}
	}
	return attempt{Succeeded: len(names) > 0, Got: strings.Join(names, " ")}
}

func onPath(p, target string) bool {
	return p == target || strings.HasPrefix(target, p+string(filepath.Separator))
}

func write(path string) attempt {
	if err := os.WriteFile(path, []byte("pwned\n"), 0o644); err != nil {
		return attempt{Got: err.Error()}
	}
	return attempt{Succeeded: true, Got: "wrote " + path}
}

// forkbomb starts up to n sleeping processes, reports how many it got, and ends them.
func (s *session) forkbomb(n int) {
	var procs []*exec.Cmd
	var lastErr string
	for i := 0; i < n; i++ {
		c := exec.Command("sleep", "60")
		if err := c.Start(); err != nil {
			lastErr = err.Error()
			break
		}
		procs = append(procs, c)
	}
	for _, c := range procs {
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	s.answerJSON(map[string]any{"wanted": n, "started": len(procs), "error": lastErr})
}

// fill writes mb MiB in the worktree over files files, then gives a watchdog time to notice.
func (s *session) fill(mb, files int) {
	signal.Ignore(syscall.SIGXFSZ) // report EFBIG rather than die of the file size limit
	chunk := make([]byte, 1<<20)
	var written int64
	var lastErr string
	perFile := max(mb/max(files, 1), 1)
	for i := 0; written < int64(mb)<<20 && lastErr == ""; i++ {
		f, err := os.Create(fmt.Sprintf("fill-%d", i))
		if err != nil {
			lastErr = err.Error()
			break
		}
		for j := 0; j < perFile && written < int64(mb)<<20; j++ {
			n, err := f.Write(chunk)
			written += int64(n)
			if err != nil {
				lastErr = err.Error()
				break
			}
		}
		f.Close()
	}
	time.Sleep(3 * time.Second)
	s.answerJSON(map[string]any{"wanted_mb": mb, "written_mb": written >> 20, "error": lastErr})
}

// eat allocates and touches mb MiB, so that it is really used.
func (s *session) eat(mb int) {
	var keep [][]byte
	for i := 0; i < mb; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			if j%4096 == 0 {
				b[j] = 1
			}
		}
		keep = append(keep, b)
	}
	s.answerJSON(map[string]any{"ate_mb": len(keep)})
}

func (s *session) spin(seconds int) {
	end := time.Now().Add(time.Duration(seconds) * time.Second)
	n := 0
	for time.Now().Before(end) {
		n++
	}
	s.answerJSON(map[string]any{"spun": seconds, "loops": n})
}

func (s *session) sh(command string) {
	out, err := exec.Command("/bin/sh", "-c", command).CombinedOutput()
	s.answer = fmt.Sprintf("%s\nexit: %v", out, err)
}

func (s *session) answerJSON(v any) {
	data, _ := json.Marshal(v)
	s.answer = string(data)
}
