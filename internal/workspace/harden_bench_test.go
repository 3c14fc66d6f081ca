package workspace

import (
	"context"
	"testing"
)

// BenchmarkAfterAgent20k measures what a job pays after its agent on a 20,000-file worktree:
// Changed, Commit and Diff of a one-file change, with the hardening (a sweep for nested .git
// before each command, the gitlink check) and without it, side by side.
//
//	go test -run '^$' -bench AfterAgent20k -benchtime 10x ./internal/workspace/
func BenchmarkAfterAgent20k(b *testing.B) {
	f := newFixture(b)
	p, _ := f.repo("group/big", fmtFiles(20000))
	if _, err := f.srv.Git("group/big", "repack", "-adq"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, hard := range []bool{false, true} {
		name := map[bool]string{false: "Plain", true: "Hardened"}[hard]
		b.Run(name, func(b *testing.B) {
			old := hardened
			hardened = hard
			defer func() { hardened = old }()
			for i := range b.N {
				b.StopTimer()
				ws := prepare(b, f.m, p, "main")
				write(b, ws.Dir, "d001/f00100.txt", "changed "+string(rune('a'+i%26))+"\n")
				b.StartTimer()
				if changed, err := ws.Changed(ctx); err != nil || !changed {
					b.Fatalf("changed %v %v", changed, err)
				}
				if _, err := ws.Commit(ctx, bot, "change"); err != nil {
					b.Fatal(err)
				}
				if _, err := ws.Diff(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				ws.Release()
				b.StartTimer()
			}
		})
	}
}
