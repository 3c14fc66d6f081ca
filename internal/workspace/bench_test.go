package workspace

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkWorkspace20k measures a job's start on a 20,000-file repository: a warm worktree moved
// to a nearby commit, a cold start (clone and first worktree), and a plain clone to compare.
//
//	go test -run '^$' -bench Workspace20k -benchtime 5x ./internal/workspace/
func BenchmarkWorkspace20k(b *testing.B) {
	f := newFixture(b)
	p, c1 := f.repo("group/big", fmtFiles(20000))
	f.serverCommit("group/big", "refs/heads/main", c1, map[string]string{
		"d000/f00001.txt": "changed\n", "d100/f10001.txt": "changed\n", "new/file.txt": "new\n"})
	f.serverCommit("group/big", "refs/heads/base", c1, nil) // a branch one commit behind main
	// GitLab's repositories are packed; loose objects would make every clone pay for 20,000 opens.
	if _, err := f.srv.Git("group/big", "repack", "-adq"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.Run("PrepareWarm", func(b *testing.B) {
		ws := prepare(b, f.m, p, "base")
		refs := []string{"main", "base"}
		b.ResetTimer()
		for i := range b.N {
			write(b, ws.Dir, "job-output.txt", "a file the job left behind\n")
			ws.Release()
			var err error
			if ws, err = f.m.Prepare(ctx, p, refs[i%2]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		ws.Release()
	})

	b.Run("PrepareCold", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			dir := b.TempDir()
			m, err := New(Config{Dir: dir, Token: func() string { return goodToken }, Env: GitEnv(os.Environ())})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			ws, err := m.Prepare(ctx, p, "main")
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			ws.Release()
			removeTree(dir)
			b.StartTimer()
		}
	})

	// A plain clone, and one writing files in parallel as Prepare does: the fair comparison.
	b.Run("FreshClone", func(b *testing.B) { benchClone(b, p.CloneURL) })
	b.Run("FreshCloneParallel", func(b *testing.B) { benchClone(b, p.CloneURL, "-c", "checkout.workers=8") })
}

func benchClone(b *testing.B, url string, config ...string) {
	header := "http.extraHeader=Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("oauth2:"+goodToken))
	for i := range b.N {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
		args := append(append([]string{"-c", header}, config...), "clone", "-q", url, dir)
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			b.Fatalf("clone: %v\n%s", err, out)
		}
		b.StopTimer()
		removeTree(dir)
		b.StartTimer()
	}
}
