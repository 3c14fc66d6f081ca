package doctor

import (
	"os"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// TestMain lets the network probe start this test binary as the sandbox's bridge.
func TestMain(m *testing.M) {
	sandbox.RunBridgeIfAsked()
	os.Exit(m.Run())
}
