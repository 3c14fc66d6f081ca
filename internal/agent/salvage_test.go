package agent_test

import (
	"runtime"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
)

// A 50 MB answer (one result line of 50 MB, within MaxOutputBytes) is a success whose text is the
// answer's first few MB, marked cut; memory stays bounded by the line bound.
func TestRunKeepsTheStartOfAHugeAnswer(t *testing.T) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := runFake(t, "FAKE_CLAUDE hugeanswer 50", func(c *agent.Config, _ *agent.Request) { c.MaxOutputBytes = 128 << 20 })
	// Measure what the run keeps, not its garbage: without a collection first, a loaded machine
	// (other tests' allocations, a late GC) made this flaky.
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if !r.res.Truncated || r.res.IsError || r.res.NumTurns != 1 { // fields after "result" (the fake sorts keys) are lost with the cut
		t.Fatalf("result: truncated %v error %v turns %d", r.res.Truncated, r.res.IsError, r.res.NumTurns)
	}
	if n := len(r.res.Text); n < 3<<20 || n > 4<<20 || !strings.HasPrefix(r.res.Text, "All work and no play") {
		t.Fatalf("text: %d bytes, %q…", n, r.res.Text[:min(40, n)])
	}
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 24<<20 {
		t.Errorf("heap grew by %d MiB", grown>>20)
	}
}
